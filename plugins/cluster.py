"""Cluster-based payments: a local price for each care cluster, per day, per review period or
per episode, with optional inpatient bed-day and initial-assessment prices, a rule for days past
the maximum review period, and an activity plan to compare against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal

import polars as pl
from pydantic import AfterValidator, BeforeValidator, Field, NonNegativeInt

from localpay import ActivityRow, Arrangement, PaymentOption, ScheduleSection, Table, hookimpl
from localpay.options import PlanRow
from localpay.clusters import CLUSTERS
from localpay.lines import RELEASE_RULE
from localpay.money import format_money, format_price, pence_to_decimal, round_half_up, to_micros
from localpay.periods import days_in_financial_year
from localpay.ruleset import ClusterCode, Code, Dated, OverdueMode, Price, dated_items
from localpay.ruleset.types import one_code_each

from ._cluster_pricing import BASIS_UNITS, price_cluster


def _not_empty(mapping: dict) -> dict:
    if not mapping:
        raise ValueError("expected at least one entry")
    return mapping


ClusterPrices = Annotated[dict[ClusterCode, Price], BeforeValidator(one_code_each), AfterValidator(_not_empty)]


class ClusterArrangement(Arrangement):
    option: Literal["cluster"]
    provider: Code
    commissioner: Code
    basis: Literal["per_day", "per_review_period", "per_episode"]
    prices: Annotated[dict[dt.date, ClusterPrices], AfterValidator(_not_empty)]
    inpatient_per_day: Dated[Price] | None = None
    initial_assessment: Dated[Price] | None = None
    overdue_review: OverdueMode | None = Field(default=None, description="overrides settings.overdue_review")
    activity_plan: Annotated[dict[ClusterCode, NonNegativeInt], BeforeValidator(one_code_each)] | None = None

    def effective_dates(self) -> Iterator[tuple[tuple, dt.date]]:
        for day in self.prices:
            yield ("prices", day.isoformat()), day
        for name in ("inpatient_per_day", "initial_assessment"):
            value = getattr(self, name)
            if isinstance(value, dict):
                yield from (((name, day.isoformat()), day) for day in value)

    def price_schedule(self) -> dict[int, list[tuple[dt.date, Decimal]]]:
        """Cluster -> [(effective from, price)]: a later date changes only the clusters it lists."""
        schedule: dict[int, list[tuple[dt.date, Decimal]]] = {}
        for day, prices in sorted(self.prices.items()):
            for code, price in prices.items():
                schedule.setdefault(code, []).append((day, price))
        return schedule


def describe(arrangement: ClusterArrangement, ruleset) -> ScheduleSection:
    unit = BASIS_UNITS[arrangement.basis]
    mode = arrangement.overdue_review or ruleset.settings.overdue_review
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    paragraphs = [
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) a local price "
        f"for each {unit} in a care cluster{_clause(arrangement)}.",
        _basis_words(arrangement.basis, ruleset.settings.day_count),
        _overdue_words(mode),
    ]
    start = ruleset.period.start
    for name, words in (("inpatient_per_day", "Inpatient days are paid at a bed-day price of"),
                        ("initial_assessment", "Cluster 0 (variance) periods are paid once, as an initial assessment, at")):
        value = getattr(arrangement, name)
        if value is not None:
            dated = "; ".join(f"{format_price(to_micros(p))} from {d}" for d, p in dated_items(value, start))
            paragraphs.append(f"{words} {dated}.")
    rows = []
    for code, changes in sorted(arrangement.price_schedule().items()):
        cluster = CLUSTERS[code]
        for day, price in changes:
            rows.append((str(code), cluster.name, cluster.super_class, cluster.review_period, day.isoformat(), format_price(to_micros(price))))
    tables = [Table(("cluster", "name", "super-class", "maximum review period", "from", f"price per {unit}"), tuple(rows))]
    if arrangement.activity_plan:
        tables.append(_plan_table(arrangement, unit, ruleset))
    return ScheduleSection(f"Cluster-based payments: {arrangement.label}", tuple(paragraphs), tuple(tables))


def _clause(arrangement) -> str:
    return f" ({arrangement.clause})" if arrangement.clause else ""


def _basis_words(basis: str, day_count: str) -> str:
    count = ("Days are counted from the start date, exclusive of the end date"
             if day_count == "exclusive_end" else "Days are counted from the start date to the end date inclusive")
    return {
        "per_day": f"The price is paid for every day in the cluster in the month. {count}; an open period runs to the end of the month.",
        "per_review_period": "The price is paid once for each review period that starts in the month; a review period "
                             "lasts the cluster's maximum review period from the latest review or the period's start.",
        "per_episode": "The price is paid once for each cluster period, in the month the period starts.",
    }[basis]


def _overdue_words(mode: str) -> str:
    return {
        "pay": "Days past the cluster's maximum review period without a review are paid and flagged for validation.",
        "suspend": "Days past the cluster's maximum review period without a review are not payable; the statement shows them at nil.",
        "hold": "Payment for days past the cluster's maximum review period without a review is held until a review takes place, then released.",
    }[mode]


def _plan_table(arrangement: ClusterArrangement, unit: str, ruleset) -> Table:
    values = plan_values(arrangement, ruleset)
    rows = [(str(code), CLUSTERS[code].name, f"{planned:,}", format_money(pence_to_decimal(values[code])))
            for code, planned in sorted(arrangement.activity_plan.items())]
    rows.append(("", "expected annual value", "", format_money(pence_to_decimal(sum(values.values())))))
    return Table(("cluster", "name", f"planned {unit}s a year", "expected value"), tuple(rows))


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


ACTIVITY_UNITS = {"per_day": ["day", "bed day"], "per_review_period": ["review period"], "per_episode": ["episode"]}


def check(arrangements: list[tuple[int, ClusterArrangement]], ruleset) -> list[tuple[tuple, str]]:
    """Two cluster arrangements for one provider and commissioner would pay each day twice; a
    planned cluster without a price is a typing slip in one or the other."""
    problems, first = [], {}
    for index, arrangement in arrangements:
        priced = {code for prices in arrangement.prices.values() for code in prices}
        for code in sorted(set(arrangement.activity_plan or ()) - priced):
            problems.append(((index, "activity_plan", str(code)), f"activity_plan names cluster {code}, which has no price"))
        pair = (arrangement.provider, arrangement.commissioner)
        if pair in first:
            problems.append(((index, "provider"), f"arrangement {first[pair]!r} already prices cluster episodes of "
                             f"provider {pair[0]} for commissioner {pair[1]}; each day would be paid twice"))
        first.setdefault(pair, arrangement.id)
    return problems


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="cluster",
        summary="A local price per care cluster: per day, per review period or per episode",
        parameters=ClusterArrangement,
        price=price_cluster,
        describe=describe,
        activity=activity,
        check=check,
        planned=planned,
        plan_rows=plan_rows,
        timing=lambda arrangement, ruleset: (
            "Paid monthly in arrears: each month's statement prices the month's activity from the data for it."),
    )]
