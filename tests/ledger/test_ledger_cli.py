"""``localpay run --ledger`` and ``localpay ledger``: exit codes, and what each command prints."""

from __future__ import annotations

import json

import sqlalchemy as sa
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, csv_text, ruleset_text
from localpay.cli import cli
from localpay.ledger.store import Store

from test_issue import APRIL_FLEX, MAY_FLEX


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_issue_show_history_verify_export(tmp_path, ledger_url):
    (tmp_path / "ruleset.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "april.csv").write_text(csv_text(HEADER, APRIL_FLEX))
    (tmp_path / "may.csv").write_text(csv_text(HEADER, MAY_FLEX))
    common = [tmp_path / "ruleset.yaml"]
    first = invoke("run", *common, tmp_path / "april.csv", "--period", "2025-04", "--out", tmp_path / "o4",
                   "--ledger", ledger_url, "--issued-on", "2025-05-15")
    assert first.exit_code == 0, first.output
    again = invoke("run", *common, tmp_path / "april.csv", "--period", "2025-04", "--out", tmp_path / "o4b",
                   "--ledger", ledger_url, "--issued-on", "2025-05-16")
    assert again.exit_code == 2
    assert "localpay: error: 2025-04 was already issued for Testshire on 2025-05-15" in again.output
    assert not (tmp_path / "o4b").exists()
    may = invoke("run", *common, tmp_path / "may.csv", "--period", "2025-05", "--out", tmp_path / "o5",
                 "--ledger", ledger_url, "--issued-on", "2025-06-15", "--submission", "flex")
    assert may.exit_code == 0, may.output
    assert "prior-period adjustments -£438.30 (5 lines); net payable £142.95" in may.output
    shown = invoke("ledger", "show", ledger_url, "--period", "2025-05")
    assert "Testshire issue 2: 2025-05 on flex data, issued 2025-06-15 (stands)" in shown.output
    assert "RT2-01W-2025-05: payable £581.25, held £0.00, adjustments -£438.30, net payable £142.95" in shown.output
    history = invoke("ledger", "history", ledger_url, "--episode", "E3")
    assert history.output.splitlines()[1:4] == [
        "2025-04 tariff:",
        "  on 2025-05-15 (issue 1, 2025-04 flex) issued: £328.50 paid, 30 days, cluster 4 from 2025-04-01",
        "  on 2025-06-15 (issue 2, 2025-05 flex) believed: £164.25 paid, 15 days, cluster 4 from 2025-04-01; "
        "adjusted -£164.25: the end date moved: days in 2025-04 now end on 2025-04-15 (were to 2025-04-30)"]
    exported = invoke("ledger", "export", ledger_url, "--out", tmp_path / "export")
    assert exported.exit_code == 0
    lines = (tmp_path / "export" / "adjustments.csv").read_text().splitlines()
    assert len(lines) == 6 and any(",E2,E2,426.00,0.00,-426.00,withdrawn," in line for line in lines)
    assert invoke("ledger", "verify", ledger_url).exit_code == 0
    with Store(ledger_url).engine.begin() as conn:
        conn.execute(sa.text("update adjustments set cause = 'nothing to see' where episode_id = 'E2'"))
    altered = invoke("ledger", "verify", ledger_url)
    assert altered.exit_code == 1
    assert "statement RT2-01W-2025-05 (issue 2 of Testshire, issued 2025-06-15): its content does not match" in altered.output


def test_ledger_options_need_a_ledger_and_a_missing_ledger_is_told(tmp_path):
    (tmp_path / "ruleset.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "april.csv").write_text(csv_text(HEADER, APRIL_FLEX))
    alone = invoke("run", tmp_path / "ruleset.yaml", tmp_path / "april.csv", "--period", "2025-04", "--out",
                   tmp_path / "o", "--final")
    assert alone.exit_code == 2 and "go with --ledger" in alone.output
    missing = invoke("ledger", "show", tmp_path / "none.db")
    assert missing.exit_code == 2 and "there is no ledger at" in missing.output
    assert not (tmp_path / "none.db").exists()


def _issue_two_months(tmp_path, ledger, out) -> None:
    for month, data, issued in (("2025-04", "april.csv", "2025-05-15"), ("2025-05", "may.csv", "2025-06-15")):
        done = invoke("run", tmp_path / "ruleset.yaml", tmp_path / data, "--period", month, "--out", out / month,
                      "--ledger", ledger, "--issued-on", issued)
        assert done.exit_code == 0, done.output


def _files(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_rerun_with_the_same_dates_is_byte_identical(tmp_path):
    # April and May issued on 15 May and 15 June; then the ledger and the outputs are put aside
    # and the same commands run again: every file the runs wrote is the same, byte for byte
    (tmp_path / "ruleset.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "april.csv").write_text(csv_text(HEADER, APRIL_FLEX))
    (tmp_path / "may.csv").write_text(csv_text(HEADER, MAY_FLEX))
    ledger, out = tmp_path / "ledger.db", tmp_path / "out"
    _issue_two_months(tmp_path, ledger, out)
    first = _files(out)
    ledger.rename(tmp_path / "first.db")
    out.rename(tmp_path / "first")
    _issue_two_months(tmp_path, ledger, out)
    again = _files(out)
    assert sorted(first) == sorted(again) and len(first) >= 10
    assert [name for name in first if first[name] != again[name]] == []
    # the ledger too: the same tables and indexes in the same order, the same rows
    assert (tmp_path / "first.db").read_bytes() == ledger.read_bytes()
    assert b'"issued_on": "2025-06-15"' in again["2025-05/statement-RT2-01W-2025-05.json"]


def test_the_ledger_hashes_do_not_depend_on_the_database(tmp_path, ledger_url):
    # the same issues into the fixture's ledger (SQLite, then PostgreSQL) and into a SQLite file:
    # each statement's content hash and chain hash are the same
    (tmp_path / "ruleset.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "april.csv").write_text(csv_text(HEADER, APRIL_FLEX))
    (tmp_path / "may.csv").write_text(csv_text(HEADER, MAY_FLEX))
    _issue_two_months(tmp_path, ledger_url, tmp_path / "a")
    _issue_two_months(tmp_path, tmp_path / "other.db", tmp_path / "b")

    def hashes(folder):
        found = {}
        for month in ("2025-04", "2025-05"):
            ledger = json.loads((folder / month / f"statement-RT2-01W-{month}.json").read_text())["ledger"]
            found[month] = (ledger["sha256"], ledger["chain"], ledger["net_payable"])
        return found

    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")
    assert hashes(tmp_path / "a")["2025-05"][2] == "142.95"
