"""Shared helpers: small rulesets and episode files written into a temporary folder, run through
the same library API the CLI uses."""

from __future__ import annotations

import os
import textwrap
import uuid
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from localpay.manager import make_plugins
from localpay.money import pence_to_decimal
from localpay.pipeline import RunResult
from localpay.testing import PricedCase, price_case

HEADER = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,setting,service"
ASSESSMENTS_HEADER = "patient_id,provider,assessment_date,tool,cluster,total"


def ruleset_text(arrangement: str = "", settings: str = "", period=("2025-04-01", "2026-03-31"), parties: str = "") -> str:
    """A ruleset with provider RT2 (and RXV) and commissioner 01W (and 01Y); ``arrangement``
    is the YAML of the arrangements list, indented as under ``arrangements:``."""
    return textwrap.dedent(f"""\
        format: localpay/1
        area: Testshire
        title: Test arrangement
        period: {{from: {period[0]}, to: {period[1]}}}
        status: live
        parties:
          commissioners: [{{code: 01W, name: NHS Testshire}}, {{code: 01Y, name: NHS Elsewhere}}]
          providers: [{{code: RT2, name: Test Trust}}, {{code: RXV, name: Other Trust}}]
        settings: {{{settings}}}
        arrangements:
        """) + textwrap.indent(textwrap.dedent(arrangement), "  ")


CLUSTER_PER_DAY = """\
- id: tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  clause: Schedule 3A
  basis: per_day
  prices:
    2025-04-01: {0: 5.40, 1: 3.10, 3: 7.80, 4: 10.95, 5: 14.20, 11: 9.85, 12: 14.60, 14: 61.50, 15: 58.20}
"""


class Case(PricedCase):
    """A priced case, with the questions the tests ask of it."""

    def month(self, label: str) -> pl.DataFrame:
        return self.lines.filter(pl.col("period") == label)

    def paid(self, label: str, status: str = "payable") -> Decimal:
        """The month's total of the given status, in pounds."""
        frame = self.month(label).filter(pl.col("status") == status)
        return pence_to_decimal(int(frame["amount"].sum()))

    def rows(self, episode_id: str, label: str | None = None) -> list[tuple]:
        """(from, to, quantity, unit price in pounds, amount in pounds, status) per line."""
        frame = self.lines.filter(pl.col("episode_id") == episode_id)
        if label:
            frame = frame.filter(pl.col("period") == label)
        return [
            (r["from_date"].isoformat(), r["to_date"].isoformat() if r["to_date"] else None, r["quantity"],
             Decimal(r["unit_price"]) / 1_000_000, pence_to_decimal(r["amount"]), r["status"])
            for r in frame.sort("from_date", "status").iter_rows(named=True)
        ]

    def reasons(self, row: int | None = None) -> list[str]:
        frame = self.exceptions.filter(pl.col("source") == "episodes")
        if row is not None:
            frame = frame.filter(pl.col("row") == row)
        return frame["reason_code"].to_list()


@pytest.fixture
def plugins():
    return make_plugins(load_entry_points=False)


def csv_text(header: str, rows: str) -> str:
    """A test's rows (indented, one a line) under their header, as a CSV file's text."""
    return header + "\n" + textwrap.dedent(rows).strip() + "\n"


@pytest.fixture
def price(tmp_path, plugins):
    """price(ruleset_yaml, episodes_rows, period, ...) -> Case."""

    def _price(ruleset: str, episodes: str, period: str, from_period: str | None = None,
               assessments: str | None = None, header: str = HEADER, evaluator: str = "polars") -> Case:
        given = None if assessments is None else csv_text(ASSESSMENTS_HEADER, assessments)
        case = price_case(ruleset, csv_text(header, episodes), period, from_period=from_period, assessments=given,
                          plugins=plugins, folder=tmp_path, evaluator=evaluator)
        return Case(case.result)

    return _price


def run_with_files(folder: Path, plugins, ruleset: Path, period: str, from_period: str | None = None,
                   **files: tuple[str, str | None]) -> RunResult:
    """Write each input given as ``(header, rows)`` beside ``ruleset`` (rows None: not given)
    and run: ``episodes`` and ``assessments`` as such, the rest as the run's optional tables."""
    texts = {name: csv_text(header, rows) for name, (header, rows) in files.items() if rows is not None}
    episodes, assessments = texts.pop("episodes"), texts.pop("assessments", None)
    return price_case(ruleset, episodes, period, from_period=from_period, assessments=assessments, tables=texts,
                      plugins=plugins, folder=folder).result


REPO = Path(__file__).resolve().parent.parent


# the ledger tests run on both backends: a fresh SQLite file, then a fresh PostgreSQL database
# (.ci/postgres starts a server and says where it is in LOCALPAY_TEST_POSTGRES)
@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    server = os.environ.get("LOCALPAY_TEST_POSTGRES")
    if not server:
        if os.environ.get("LOCALPAY_REQUIRE_POSTGRES") == "1":
            pytest.fail("LOCALPAY_REQUIRE_POSTGRES=1 but LOCALPAY_TEST_POSTGRES names no server")
        pytest.skip("no PostgreSQL server: set LOCALPAY_TEST_POSTGRES (.ci/postgres starts one)")
    import psycopg

    name = f"lp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def failing_write_at(monkeypatch, call: int, code: int) -> None:
    """The ``call``-th file localpay writes fails part-way with ``code`` (``errno.ENOSPC``: the disk
    is full), every other write as usual."""
    from localpay import fileio

    real, calls = fileio.atomic_write_with, []

    def failing(path, writer):
        calls.append(path)

        def write(tmp):
            writer(tmp)
            if len(calls) == call:
                raise OSError(code, os.strerror(code))

        real(path, write)

    monkeypatch.setattr(fileio, "atomic_write_with", failing)
