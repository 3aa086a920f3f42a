"""Running a small personal health budgets ruleset through the real pipeline, for the phb tests.

The ruleset has the provider RT2 (paid a cluster tariff per day: cluster 11 at £9.85, cluster 12
at £14.60), the personal budgets account PB1 and the commissioner 01W; ``phb`` is the YAML of the
phb arrangement.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import polars as pl

from conftest import HEADER, run_with_files
from localpay.money import pence_to_decimal
from localpay.pipeline import RunResult

RULESET = """\
format: localpay/1
area: Testshire
title: Test personal health budgets
period: {{from: {start}, to: {end}}}
status: live
parties:
  commissioners: [{{code: 01W, name: NHS Testshire}}, {{code: 01Y, name: NHS Elsewhere}}]
  providers: [{{code: RT2, name: Test Trust}}, {{code: PB1, name: Personal budgets account}}]
arrangements:
  - id: tariff
    option: cluster
    provider: RT2
    commissioner: 01W
    clause: Schedule 3A
    basis: per_day
    prices:
      {start}: {{11: 9.85, 12: 14.60, 14: 61.50}}
"""

# items 1-8 score 10 between them, items 9-12 score 10 (see test_phb.py)
ITEMS = (1, 0, 2, 1, 0, 3, 2, 1, 3, 2, 1, 4)
BUDGETS_HEADER = "patient_id,start_date,end_date,type,agreed_annual_amount,spent_to_date,commissioner,last_review"
ASSESSMENTS_HEADER = "patient_id,provider,assessment_date,tool,cluster,total," + ",".join(f"item_{i}" for i in range(1, 13))


def phb(allocation: str = "price_per_point: 150.00", unbundle: str | None = "{from: [tariff], percent: 20%}",
        extra: str = "", id: str = "personal-budgets", commissioner: str = "01W") -> str:
    """The phb arrangement: item weights 1 (items 1-8) and 2 (items 9-12), 4 points for cluster 11
    and 6 for cluster 12; unbundling 20% of the tariff's price unless told otherwise."""
    unbundling = f"  unbundle: {unbundle}\n" if unbundle else ""
    return f"""\
- id: {id}
  option: phb
  provider: PB1
  commissioner: {commissioner}
  clause: Schedule 2 part J
  allocation:
    item_weights: {{1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 2, 10: 2, 11: 2, 12: 2}}
    cluster_points: {{11: 4, 12: 6}}
    {allocation}
    moderation: 25%
{unbundling}{extra}"""


def honos(patient: str, day: str, items=ITEMS) -> str:
    scores = ",".join("" if s is None else str(s) for s in items)
    return f"{patient},RT2,{day},HoNOS,,{sum(s or 0 for s in items)},{scores}"


def write_ruleset(folder: Path, arrangements: str, period=("2025-04-01", "2026-03-31")) -> Path:
    path = folder / "ruleset.yaml"
    path.write_text(RULESET.format(start=period[0], end=period[1])
                    + textwrap.indent(textwrap.dedent(arrangements), "  "))
    return path


def run_phb(folder: Path, plugins, arrangements: str, period: str, budgets: str, assessments: str | None = None,
            episodes: str = "e1,p1,RT2,01W,11,2025-04-01,,community,CMHT", from_period: str | None = None,
            contract=("2025-04-01", "2026-03-31")) -> RunResult:
    return run_with_files(folder, plugins, write_ruleset(folder, arrangements, contract), period, from_period,
                          episodes=(HEADER, episodes), budgets=(BUDGETS_HEADER, budgets),
                          assessments=(ASSESSMENTS_HEADER, assessments))


def amounts(result: RunResult, unit: str, provider: str | None = None, period: str | None = None) -> list[Decimal]:
    """The phb arrangement's line amounts of one unit, in month order."""
    lines = result.lines.filter((pl.col("arrangement") == "personal-budgets") & (pl.col("unit") == unit))
    for column, value in (("provider", provider), ("period", period)):
        if value is not None:
            lines = lines.filter(pl.col(column) == value)
    return [pence_to_decimal(v) for v in lines.sort("period", "patient_id")["amount"].to_list()]


def workings(result: RunResult, period: str, row: int = 1) -> dict:
    frame = result.details["personal_health_budgets"].filter((pl.col("period") == period) & (pl.col("budget_row") == row))
    [found] = frame.iter_rows(named=True)
    return found


def flags(result: RunResult, code: str) -> list[dict]:
    frame = result.exceptions.filter((pl.col("source") == "budgets") & (pl.col("reason_code") == code))
    return list(frame.sort("row").iter_rows(named=True))
