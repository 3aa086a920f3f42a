"""Running a small alliance ruleset through the real pipeline, for the alliance tests.

The ruleset has three providers (RT2, RXV and NQ1, a voluntary provider) and two commissioners
(01W, 01Y); the arrangements are the test's own.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import polars as pl

from incentive_helpers import run_files
from localpay.money import pence_to_decimal
from localpay.pipeline import RunResult

RULESET = """\
format: localpay/1
area: Testshire
title: Test alliance
period: {from: 2025-04-01, to: 2026-03-31}
status: live
parties:
  commissioners: [{code: 01W, name: NHS Testshire}, {code: 01Y, name: NHS Elsewhere}]
  providers: [{code: RT2, name: Test Trust}, {code: RXV, name: Other Trust}, {code: NQ1, name: Recovery Charity}]
arrangements:
"""

# someone in the data; the alliance's value does not depend on episodes
ONE_PERSON = "e1,p1,RT2,01W,3,2025-04-01,,community,CMHT"


def write_ruleset(folder: Path, arrangements: str) -> Path:
    path = folder / "ruleset.yaml"
    path.write_text(RULESET + textwrap.indent(textwrap.dedent(arrangements), "  "))
    return path


def run_alliance(folder: Path, plugins, arrangements: str, period: str, episodes: str = ONE_PERSON,
                 returns: str | None = None, assessments: str | None = None, from_period: str | None = None) -> RunResult:
    """``returns``: rows of ``measure,period,numerator,denominator,provider`` (provider may be blank)."""
    ruleset = write_ruleset(folder, arrangements)
    return run_files(folder, plugins, ruleset, episodes, period, returns, assessments, from_period,
                     returns_header="measure,period,numerator,denominator,provider")


def amounts(result: RunResult, unit: str, provider: str | None = None, period: str | None = None) -> list[Decimal]:
    """The alliance's line amounts of one unit (for one provider, one month), in month order."""
    lines = result.lines.filter((pl.col("option") == "alliance") & (pl.col("unit") == unit))
    for column, value in (("provider", provider), ("period", period)):
        if value is not None:
            lines = lines.filter(pl.col(column) == value)
    return [pence_to_decimal(v) for v in lines.sort("period", "provider")["amount"].to_list()]


def by_member(result: RunResult, unit: str, period: str) -> dict[str, Decimal]:
    lines = result.lines.filter((pl.col("unit") == unit) & (pl.col("period") == period))
    return {r["provider"]: pence_to_decimal(r["amount"]) for r in lines.iter_rows(named=True)}


def workings(result: RunResult, provider: str, period: str) -> dict:
    frame = result.details["alliance"].filter((pl.col("provider") == provider) & (pl.col("period") == period))
    [row] = frame.iter_rows(named=True)
    return row


def kpis(result: RunResult, period: str, provider: str = "RXV", kind: str = "settlement") -> dict[str, dict]:
    frame = result.details["measures"].filter(
        (pl.col("period") == period) & (pl.col("kind") == kind) & (pl.col("provider") == provider))
    return {row["measure"]: row for row in frame.iter_rows(named=True)}
