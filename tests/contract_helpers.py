"""Running a small ruleset through the real pipeline for the block, risk share and capitation
tests, with an optional population file and returns file."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import polars as pl

from conftest import HEADER, ruleset_text, run_with_files
from localpay.money import pence_to_decimal
from localpay.pipeline import RunResult

# a cluster tariff run in shadow beside a block: cluster 3 at the price given, a day
SHADOW_TARIFF = """\
- id: cluster-tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  clause: Schedule 3A shadow tariff
  shadow: true
  basis: per_day
  prices:
    2025-04-01: {{3: {price}}}
"""


def write_ruleset(folder: Path, arrangements: str) -> Path:
    path = folder / "ruleset.yaml"
    path.write_text(ruleset_text(textwrap.dedent(arrangements)))
    return path


def run_contract(folder: Path, plugins, arrangements: str, period: str, episodes: str = "",
                 from_period: str | None = None, population: str | None = None,
                 returns: str | None = None) -> RunResult:
    return run_with_files(folder, plugins, write_ruleset(folder, arrangements), period, from_period,
                          episodes=(HEADER, episodes), population=("commissioner,period,population", population),
                          returns=("measure,period,numerator,denominator", returns))


def pounds(result: RunResult, arrangement: str, period: str | None = None, status: str | None = None,
           column: str = "amount") -> list[Decimal]:
    """The amounts (or values) of an arrangement's lines, in month order."""
    lines = result.lines.filter(pl.col("arrangement") == arrangement)
    for name, value in (("period", period), ("status", status)):
        if value is not None:
            lines = lines.filter(pl.col(name) == value)
    return [pence_to_decimal(v) for v in lines.sort("period", "from_date")[column].to_list()]


def details(result: RunResult, kind: str, period: str | None = None) -> list[dict]:
    frame = result.details[kind]
    if period is not None:
        frame = frame.filter(pl.col("period") == period)
    return frame.rows(named=True)
