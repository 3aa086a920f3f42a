"""The personal health budgets option's terms in plain English, for the contract schedule."""

from __future__ import annotations

from localpay.plugin import CLUSTERS, ScheduleSection, Table, format_money, percent_text

from .terms import HONOS_ITEMS
from .text import REGULATION


def describe(arrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    paragraphs = (
        f"{commissioner.name} ({commissioner.code}) pays personal health budgets{clause} through {provider.name} "
        f"({provider.code}): every budget in the budgets file for {commissioner.code}, or for no named commissioner.",
        _allocation_words(arrangement),
        f"An agreed annual amount more than {percent_text(arrangement.allocation.moderation)} below or above the "
        "indicative budget as at the budget's start is outside the moderation band and is flagged for approval.",
        "Direct payments and third-party budgets are paid monthly for the days held: the agreed annual amount "
        "x days held / days in the financial year (366 when it contains 29 February). Each month pays the amount "
        "for the days held to its end less the amount to its start, each rounded to the penny, so a budget held "
        "all year is paid exactly its agreed amount. Notional budgets commit the same money but pay nothing out.",
        _unbundle_words(arrangement, ruleset),
        _reclaim_words(arrangement),
        f"A budget is reviewed within {arrangement.review.first_within_months} months of its start and then at "
        f"least every {arrangement.review.then_every_months} months; an overdue review is flagged.",
    )
    return ScheduleSection(f"Personal health budgets: {arrangement.label}", tuple(p for p in paragraphs if p),
                           _tables(arrangement))


def _allocation_words(arrangement) -> str:
    allocation = arrangement.allocation
    clusters = ", plus the points for the cluster of their latest episode" if allocation.cluster_points else ""
    if allocation.price_per_point is not None:
        money = f"at {format_money(allocation.price_per_point)} a point a year"
    else:
        money = "by the bands below: the annual amount of the highest band whose points the person reaches"
    excluded = (f" A person with an episode where {allocation.excluded.describe()} gets no indicative budget."
                if allocation.excluded is not None else "")
    return ("Indicative budget (resource allocation): points from the person's latest HoNOS with every weighted "
            f"item scored, each item's score (0 to 4) times its weight below{clusters}, converted to money {money}; "
            "a person with no such HoNOS gets no indicative budget." + excluded)


def _unbundle_words(arrangement, ruleset) -> str | None:
    terms = arrangement.unbundle
    if terms is None:
        return None
    named = ", ".join(f"{ruleset.arrangement(n).label} ({n})" if ruleset.arrangement(n).title else n for n in terms.of)
    cut = (f"{percent_text(terms.percent)} of the cluster price" if terms.percent is not None
           else "the budget's daily amount (annual / days in the year), up to the cluster price")
    return (f"Unbundling: for the days a person holds a budget, the payment under {named} for that person is "
            f"reduced by {cut} for each day (a payment made once, such as a review period, by that share when it "
            "falls due while the budget is held), shown as a negative line on the provider's statement.")


def _reclaim_words(arrangement) -> str | None:
    if arrangement.reclaim is None:
        return None
    days = arrangement.reclaim.threshold_days
    return (f"Unspent direct payments: at a review and at the end of the contract, money paid and not spent above "
            f"{days} days' worth of the budget is reclaimed ({REGULATION}), less anything reclaimed at the review.")


def _tables(arrangement) -> tuple[Table, ...]:
    allocation = arrangement.allocation
    tables = [Table(("HoNOS item", "rates", "points per score point"),
                    tuple((str(i), HONOS_ITEMS[i], _number(w)) for i, w in sorted(allocation.item_weights.items())))]
    if allocation.cluster_points:
        tables.append(Table(("cluster", "name", "points"), tuple(
            (str(c), CLUSTERS[c].name, _number(p)) for c, p in sorted(allocation.cluster_points.items()))))
    if allocation.bands:
        tables.append(Table(("from points", "indicative budget a year"),
                            tuple((_number(b.start), format_money(b.annual)) for b in allocation.bands)))
    return tuple(tables)


def _number(value) -> str:
    return f"{value.normalize():f}"
