"""The cluster option's terms for the contract schedule: the basis of payment, the day count, the
overdue-review mode, the prices by cluster and date, and the activity plan with its value."""

from __future__ import annotations

from localpay.plugin import CLUSTERS, ScheduleSection, Table, dated_items, format_money, format_price, to_micros

from .plan import plan_values
from .terms import BASIS_UNITS, OVERDUE_TERMS, OVERDUE_WORDS, ClusterArrangement


def describe(arrangement: ClusterArrangement, ruleset) -> ScheduleSection:
    unit = BASIS_UNITS[arrangement.basis]
    mode = arrangement.overdue_review or ruleset.settings.overdue_review
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    paragraphs = [
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) a local price "
        f"for each {unit} in a care cluster{_clause(arrangement)}.",
        _basis_words(arrangement.basis, ruleset.settings.day_count),
        OVERDUE_TERMS[mode],
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


def _plan_table(arrangement: ClusterArrangement, unit: str, ruleset) -> Table:
    assert arrangement.activity_plan is not None  # only an arrangement with a plan has the table
    values = plan_values(arrangement, ruleset)
    rows = [(str(code), CLUSTERS[code].name, f"{planned:,}", format_money(values[code]))
            for code, planned in sorted(arrangement.activity_plan.items())]
    rows.append(("", "expected annual value", "", format_money(sum(values.values()))))
    return Table(("cluster", "name", f"planned {unit}s a year", "expected value"), tuple(rows))


def validation(arrangement: ClusterArrangement, ruleset) -> tuple[str, ...]:
    """What happens to days past the maximum review period without a review: the ruleset's
    setting in one sentence, and an arrangement that overrides it named in its own."""
    mode = arrangement.overdue_review or ruleset.settings.overdue_review
    days = "days past a cluster's maximum review period without a review are"
    if mode == ruleset.settings.overdue_review:
        return (f"{days[0].upper()}{days[1:]} {OVERDUE_WORDS[mode]}.",)
    return (f"Under {arrangement.label} ({arrangement.id}), {days} {OVERDUE_WORDS[mode]}.",)
