"""The outcomes option's terms for the contract schedule: the pot, the mode, the payment on
account, the settlements and the measures."""

from __future__ import annotations

from localpay.plugin import (ScheduleSection, format_money, measures_table, named_words, percent_text, scoring_words,
                             settlement_months)

from .terms import OutcomesArrangement


def describe(arrangement: OutcomesArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    pot = arrangement.pot
    if pot.percent is not None:
        size = f"{percent_text(pot.percent)} of the value paid under {named_words(ruleset, arrangement.named)}"
    else:
        assert pot.annual is not None  # a pot is a percentage or a fixed sum (Pot)
        size = f"a fixed {format_money(pot.annual)} a year, in monthly shares that add up to the year"
    mode = ("taken off that value each month and earned back on achievement" if arrangement.mode == "withhold"
            else "paid on top of it for achievement")
    settles = ", ".join(m.last_day.strftime("%-d %B %Y") for m in settlement_months(ruleset, arrangement.settlement))
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    paragraphs = (
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) an outcomes payment{clause}: "
        f"a pot of {size}, {mode}.",
        f"Each month {percent_text(arrangement.on_account)} of the month's pot is paid on account."
        if arrangement.on_account else "Nothing is paid on account; the pot is paid at settlement.",
        f"Settlement ({arrangement.settlement.replace('_', ' ')}) on {settles}: the pot of the months since the last "
        "settlement is scored on the measures below as at that date; the payment is what was earned less what was "
        "paid on account, and is recovered if negative.",
        *scoring_words(arrangement.measures),
    )
    return ScheduleSection(f"Outcomes-based payments: {arrangement.label}", paragraphs,
                           (measures_table(arrangement.measures),))
