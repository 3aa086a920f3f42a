"""Running a small ruleset with a returns file and assessments, for the outcomes and CQUIN tests."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import polars as pl

from conftest import ASSESSMENTS_HEADER, HEADER, ruleset_text, run_with_files
from localpay.money import pence_to_decimal
from localpay.pipeline import RunResult

TARIFF = """\
- id: tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  clause: Schedule 3A
  basis: per_day
  prices:
    2025-04-01: {3: 10.00, 4: 300.00}
"""


def run_case(folder: Path, plugins, arrangements: str, episodes: str, period: str, returns: str | None = None,
             assessments: str | None = None, from_period: str | None = None) -> RunResult:
    ruleset = folder / "ruleset.yaml"
    ruleset.write_text(ruleset_text(TARIFF + textwrap.dedent(arrangements)))
    return run_files(folder, plugins, ruleset, episodes, period, returns, assessments, from_period)


def run_files(folder: Path, plugins, ruleset: Path, episodes: str, period: str, returns: str | None = None,
              assessments: str | None = None, from_period: str | None = None,
              returns_header: str = "measure,period,numerator,denominator") -> RunResult:
    """Write the episodes (and returns and assessments, when given) beside ``ruleset`` and run."""
    return run_with_files(folder, plugins, ruleset, period, from_period, episodes=(HEADER, episodes),
                          assessments=(ASSESSMENTS_HEADER, assessments), returns=(returns_header, returns))


def pounds(result: RunResult, arrangement: str, unit: str | None = None, period: str | None = None,
           status: str | None = None) -> list[Decimal]:
    """The amounts of an arrangement's lines (of one unit, month, status), in month order."""
    lines = result.lines.filter(pl.col("arrangement") == arrangement)
    for column, value in (("unit", unit), ("period", period), ("status", status)):
        if value is not None:
            lines = lines.filter(pl.col(column) == value)
    return [pence_to_decimal(v) for v in lines.sort("period", "unit")["amount"].to_list()]


def measures(result: RunResult, period: str, kind: str = "settlement") -> dict[str, dict]:
    frame = result.details["measures"].filter((pl.col("period") == period) & (pl.col("kind") == kind))
    return {row["measure"]: row for row in frame.iter_rows(named=True)}
