"""A risk share's terms for the contract schedule, with the numbers: the baseline for the year,
the corridor, the rates and limits, the settlement dates, and worked examples of the year end at
a few levels of actual activity (the same arithmetic the settlements use)."""

from __future__ import annotations

from decimal import Decimal

from localpay.plugin import (ScheduleSection, Table, contract_months, format_money, instalments_of, named_words,
                             percent_text, pounds_to_pence, round_half_up, settlement_months)

from .position import position
from .settle import plan_value

EXAMPLES = (Decimal("-0.10"), Decimal("-0.05"), Decimal(0), Decimal("0.05"), Decimal("0.10"))


def describe(arrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    year = year_baseline(arrangement, ruleset)
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    settles = ", ".join(m.last_day.strftime("%-d %B %Y") for m in settlement_months(ruleset, arrangement.settlement))
    paragraphs = (
        f"{commissioner.name} ({commissioner.code}) and {provider.name} ({provider.code}) share the risk{clause} of the "
        f"activity delivered differing from {_baseline_words(arrangement, ruleset, year)}.",
        f"The actual activity is the value of the lines of {named_words(ruleset, arrangement.actual)} over the year to "
        "date, paid or in shadow (held and suspended days at their value; days released after a review counted once, "
        "in the month they were delivered).",
        _sharing_words(arrangement),
        f"Settled {arrangement.settlement.replace('_', ' ')} on {settles}: each settlement works the risk share out "
        "over the year to date, and pays it less what the earlier settlements of the year paid (a negative settlement "
        "is repaid by the provider).",
    )
    return ScheduleSection(f"Risk share: {arrangement.label}", paragraphs, (_examples(arrangement, year),))


def year_baseline(arrangement, ruleset) -> int:
    if arrangement.around.block:
        return sum(instalments_of(ruleset.arrangement(arrangement.around.block), ruleset).values())
    return plan_value(arrangement, ruleset, contract_months(ruleset)[-1])


def _baseline_words(arrangement, ruleset, year: int) -> str:
    if arrangement.around.block:
        return (f"the block {_named(ruleset, arrangement.around.block)} of {format_money(year)} a year: the baseline "
                "to date is the block's instalments to date")
    return (f"the activity plan of {_named(ruleset, arrangement.around.plan)}, worth {format_money(year)} over the "
            "contract at each cluster's opening price: the baseline to date is each cluster's planned units a year x "
            "the share of the year's days elapsed x its opening price, added up and rounded to the penny once")


def _named(ruleset, name: str) -> str:
    other = ruleset.arrangement(name)
    return f"{other.title} ({name})" if other.title else f"'{name}'"


def _sharing_words(arrangement) -> str:
    cap = (f", at most {format_money(pounds_to_pence(arrangement.cap))} over the year (the cap)" if arrangement.cap is not None else "")
    collar = (f", at most {format_money(pounds_to_pence(arrangement.collar))} over the year (the collar)"
              if arrangement.collar is not None else "")
    return (f"Within a corridor of {percent_text(arrangement.corridor)} of the baseline either side, nothing changes "
            f"hands. Above it the commissioner pays {percent_text(arrangement.excess_rate)} of the excess beyond the "
            f"corridor{cap}; below it the provider refunds {percent_text(arrangement.shortfall_rate)} of the shortfall "
            f"beyond the corridor{collar}. Each amount is rounded half up to the penny.")


def _examples(arrangement, year: int) -> Table:
    """The year end at actual activity 10% and 5% either side of the baseline, at it, and at the
    corridor's edges."""
    steps = sorted(set(EXAMPLES) | {arrangement.corridor, -arrangement.corridor})
    rows = []
    for step in steps:
        p = position(arrangement, year, round_half_up(Decimal(year) * (1 + step)))
        beyond = p.excess or -p.shortfall
        rows.append((format_money(p.actual), f"{'+' if step > 0 else ''}{percent_text(step)}", format_money(p.difference),
                     format_money(beyond), percent_text(p.rate) if p.rate is not None else "-", format_money(p.adjustment)))
    return Table(("actual for the year", "against the baseline", "difference", "beyond the corridor", "rate",
                  "adjustment"), tuple(rows))
