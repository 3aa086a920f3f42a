"""Faults while issuing: a process killed part-way, a full disk, two issues at once. The ledger
is left exactly as it was, or the second issue stops with a clear message; never a mix."""

from __future__ import annotations

import errno
import subprocess
import sys
import textwrap
import threading

import pytest
import sqlalchemy as sa

from conftest import HEADER, csv_text, failing_write_at
from localpay import api
from localpay.errors import LocalpayError
from localpay.ledger.chain import verify
from localpay.ledger.store import Store
from localpay.pipeline import Inputs

from test_issue import APRIL_FLEX, MAY_FLEX, Cycle

TABLES = ("issues", "statements", "lines", "positions", "adjustments", "excepted")


def _counts(ledger: str) -> dict[str, int]:
    with Store(ledger).engine.connect() as conn:
        return {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar() for t in TABLES}


KILLED = textwrap.dedent("""\
    import datetime as dt, os, signal, sys
    from pathlib import Path
    import localpay.ledger.issue as issue
    from localpay import api
    from localpay.ledger import Request
    from localpay.manager import make_plugins
    from localpay.pipeline import Inputs

    real = issue.bulk_insert
    def dying(conn, table, frame):
        real(conn, table, frame)
        if table.name == "positions":  # the lines are written, the transaction is not committed
            os.kill(os.getpid(), signal.SIGKILL)
    issue.bulk_insert = dying
    folder, ledger = Path(sys.argv[1]), sys.argv[2]
    plugins = make_plugins(load_entry_points=False)
    ruleset = api.open_ruleset(folder / "ruleset.yaml", plugins)
    api.run_statement(ruleset, plugins, Inputs(folder / "may.csv"), "2025-05", folder / "killed",
                      ledger=Request(ledger, issued_on=dt.date(2025, 6, 15)))
    """)


def test_a_kill_part_way_leaves_the_ledger_as_it_was(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    before = _counts(ledger_url)
    (tmp_path / "may.csv").write_text(csv_text(HEADER, MAY_FLEX))
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path), ledger_url], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -9, done.stderr
    assert _counts(ledger_url) == before
    assert verify(Store(ledger_url)).problems == []
    # and the month can then be issued as if nothing had happened: 5 adjustments, -£438.30
    may = cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    assert str(may["ledger"]["adjustments"]["adjusted"]) == "-438.30"


def test_a_full_disk_writes_nothing(tmp_path, plugins):
    ledger = str(tmp_path / "ledger.db")
    cycle = Cycle(tmp_path, ledger, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    before = _counts(ledger)
    pages = None

    def full(dbapi, _record):  # this connection may not grow the file: the disk is full
        nonlocal pages
        pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
        dbapi.execute(f"PRAGMA max_page_count = {pages}")

    real = Store.__init__

    def store(self, location, must_exist=False):
        real(self, location, must_exist)
        sa.event.listen(self.engine, "connect", full)

    Store.__init__ = store
    try:
        with pytest.raises(LocalpayError, match="nothing was written"):
            many = "".join(f"X{n},Q{n},RT2,01W,3,2025-04-01,,community,CMHT\n" for n in range(3000))
            cycle.issue(APRIL_FLEX + many, "2025-05", "2025-06-15")
    finally:
        Store.__init__ = real
    assert pages is not None
    assert _counts(ledger) == before


def test_two_issues_at_once_never_interleave(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    outcomes: list[object] = []
    gate = threading.Barrier(2)

    def issue(day: str) -> None:
        (tmp_path / day).mkdir()
        mine = Cycle(tmp_path / day, ledger_url, plugins)
        gate.wait()
        try:
            outcomes.append(mine.issue(MAY_FLEX, "2025-05", day)["id"])
        except LocalpayError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=issue, args=(day,)) for day in ("2025-06-15", "2025-06-16")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    issued = [o for o in outcomes if o == "RT2-01W-2025-05"]
    refused = [o for o in outcomes if o != "RT2-01W-2025-05"]
    assert len(issued) == 1 and len(refused) == 1, outcomes
    assert ("while this one was computed" in refused[0] or "already issued" in refused[0]
            or "another issue held the ledger" in refused[0]), refused[0]
    assert _counts(ledger_url)["issues"] == 2
    assert verify(Store(ledger_url)).problems == []


def test_an_issue_whose_outputs_cannot_be_written_issues_nothing(tmp_path, plugins, monkeypatch):
    ledger = str(tmp_path / "ledger.db")
    cycle = Cycle(tmp_path, ledger, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    before = _counts(ledger)
    failing_write_at(monkeypatch, 2, errno.ENOSPC)
    with pytest.raises(LocalpayError, match=r"No space left on device \(ENOSPC\); nothing was written to"):
        cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    assert _counts(ledger) == before  # the outputs are written inside the issuing transaction
    assert not (tmp_path / "out-2025-05-2025-06-15").exists()
    monkeypatch.undo()
    may = cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    assert str(may["ledger"]["adjustments"]["adjusted"]) == "-438.30"


def test_an_issue_whose_outputs_cannot_be_moved_into_place_says_where_they_are(tmp_path, plugins, monkeypatch):
    import errno
    import logging
    import os

    from localpay import outfolder
    from localpay.outfolder import verify

    ledger = str(tmp_path / "ledger.db")
    cycle = Cycle(tmp_path, ledger, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    out = tmp_path / "out-2025-05-2025-06-15"
    (tmp_path / "may.csv").write_text(csv_text(HEADER, MAY_FLEX))
    api.run_statement(cycle.ruleset, plugins, Inputs(tmp_path / "may.csv"), "2025-05", out)  # a trial run, not issued
    trial = {p.name: p.read_bytes() for p in out.iterdir()}

    def refused(self):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(out))

    monkeypatch.setattr(outfolder.Staged, "commit", refused)
    with pytest.raises(LocalpayError) as raised:
        cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    [staging] = [p for p in tmp_path.iterdir() if p.name.startswith(".out-2025-05-2025-06-15.localpay-staging-")]
    assert str(raised.value) == (
        f"could not write the outputs to {str(out)!r} ({str(out)!r}): Permission denied (EACCES); issue 2 of Testshire "
        f"into the ledger {ledger} was issued, and its outputs are complete in {str(staging)!r}: move that folder to "
        f"{str(out)!r}")
    assert _counts(ledger)["issues"] == 2 and verify(staging) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == trial
    # the next run into that folder keeps them, and says so
    monkeypatch.undo()
    told: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: told.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("localpay.outputs").addHandler(handler)
    try:
        api.run_statement(cycle.ruleset, plugins, Inputs(tmp_path / "may.csv"), "2025-05", out)
    finally:
        logging.getLogger("localpay.outputs").removeHandler(handler)
    assert staging.is_dir() and verify(out) == []
    assert told == [f"{staging} holds the complete outputs of a run into {out} that was stopped before they were moved "
                    f"into place; it says it issued issue 2 of Testshire into {ledger}: kept there, check with "
                    "`localpay ledger show`"]
