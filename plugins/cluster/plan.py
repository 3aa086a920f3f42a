"""The cluster option's activity plan: its expected value for the schedule, its rows for the
schedule's chart, and planned against actual activity for the statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from localpay.plugin import RELEASE_RULE, ActivityRow, PlanRow, days_in_financial_year, pence_to_decimal, round_half_up

from .terms import BASIS_UNITS, ClusterArrangement

# the units of the lines an activity plan counts, by basis
ACTIVITY_UNITS = {"per_day": ["day", "bed day"], "per_review_period": ["review period"], "per_episode": ["episode"]}


def plan_values(arrangement: ClusterArrangement, ruleset) -> dict[int, int]:
    """Each planned cluster's expected value in pence: the planned units spread evenly over the
    contract's days, each day at the price in effect then (so a price change in October counts
    for the days after it), rounded to the penny once per cluster."""
    start, stop = ruleset.period.start, ruleset.period.end + dt.timedelta(days=1)
    total_days = Decimal((stop - start).days)
    values = {}
    for code, planned in (arrangement.activity_plan or {}).items():
        changes = [(max(day, start), price) for day, price in arrangement.price_schedule().get(code, [])]
        ends = [day for day, _ in changes[1:]] + [stop]
        worth = sum((price * (end - day).days for (day, price), end in zip(changes, ends)), Decimal(0))
        values[code] = round_half_up(Decimal(planned) * worth / total_days * 100)
    return values


def planned(arrangement: ClusterArrangement, ruleset) -> Decimal | None:
    """The expected annual value of the activity plan (None without a plan)."""
    if not arrangement.activity_plan:
        return None
    return pence_to_decimal(sum(plan_values(arrangement, ruleset).values()))


def plan_rows(arrangement: ClusterArrangement, ruleset) -> list[PlanRow]:
    """The activity plan, cluster by cluster, for the schedule's chart."""
    unit = BASIS_UNITS[arrangement.basis]
    return [PlanRow(str(code), f"cluster {code}", unit, Decimal(planned))
            for code, planned in sorted((arrangement.activity_plan or {}).items())]


def activity(arrangement: ClusterArrangement, lines, month, months) -> list[ActivityRow]:
    if not arrangement.activity_plan:
        return []
    units = BASIS_UNITS[arrangement.basis]
    counted = lines.filter(
        (pl.col("arrangement") == arrangement.id) & pl.col("unit").is_in(ACTIVITY_UNITS[arrangement.basis])
        & pl.col("rules").ne_missing(RELEASE_RULE)  # released days belong to the month they were held in
    )
    to_date = [m for m in months if m <= month]
    year_days = days_in_financial_year(month)
    actual = counted.group_by("cluster", "period").agg(pl.col("quantity").sum())
    totals = {(row["cluster"], row["period"]): row["quantity"] for row in actual.iter_rows(named=True)}
    def plan(planned: int, spanned: list) -> Decimal:
        return Decimal(planned) * sum(m.days for m in spanned) / year_days

    return [
        ActivityRow(arrangement.id, f"cluster {code}", units, plan(planned, [month]), totals.get((code, month.label), 0),
                    plan(planned, to_date), sum(totals.get((code, m.label), 0) for m in to_date))
        for code, planned in sorted(arrangement.activity_plan.items())
    ]
