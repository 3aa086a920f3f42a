"""The CQUIN option's terms for the contract schedule: its value, the payment on account, the
reconciliation and the goals."""

from __future__ import annotations

from localpay.plugin import (ScheduleSection, format_money, measures_table, named_words, percent_text, pounds_to_pence,
                             scoring_words, settlement_months, share_of)

from .terms import CquinArrangement


def describe(arrangement: CquinArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    value = f"{percent_text(arrangement.percent)} of the actual value of {named_words(ruleset, arrangement.named)}"
    if arrangement.planned_value is not None:
        planned = share_of(pounds_to_pence(arrangement.planned_value), arrangement.percent)
        on_account = (f"Paid on account monthly: {percent_text(arrangement.on_account)} of the planned CQUIN of "
                      f"{format_money(planned)} ({percent_text(arrangement.percent)} of the planned value of "
                      f"{format_money(arrangement.planned_value)}), divided by 12.")
    else:
        on_account = (f"Paid on account monthly: {percent_text(arrangement.on_account)} of "
                      f"{percent_text(arrangement.percent)} of the month's actual value.")
    settles = ", ".join(m.last_day.strftime("%-d %B %Y") for m in settlement_months(ruleset, arrangement.settlement))
    paragraphs = (
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) a CQUIN{clause} worth "
        f"{value}, for meeting the quality goals below.",
        on_account,
        f"Reconciled on {settles} against achievement: each goal earns its weight of the CQUIN value as its scale "
        "says; the reconciliation is what was earned less what was paid on account, and a negative figure is recovered.",
        *scoring_words(arrangement.goals),
    )
    return ScheduleSection(f"CQUIN: {arrangement.label}", paragraphs, (measures_table(arrangement.goals),))
