"""CQUIN: a percentage of what named arrangements are actually worth in the year, paid for
meeting quality goals.

Paid on account monthly: by default the full CQUIN value of the planned contract divided by 12
(in instalments that add up to the year), or, with no planned value given, the percentage of
each month's actual value. At the year end it is reconciled against achievement: the goals'
weighted achievement of the percentage of the year's actual value, less what was paid on
account. A negative year-end line is a recovery.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from localpay import Arrangement, PaymentOption, Priced, ScheduleSection, hookimpl
from localpay.contract_year import contract_months, from_contract_start, settlement_months
from localpay.measures.describe import measures_table, scoring_words
from localpay.measures.incentives import IncentiveTerms, planned_of, settle_incentive, share_of, timing_words, value_of
from localpay.measures.model import Measures
from localpay.money import format_money, instalments, pence_to_decimal, pounds_to_pence
from localpay.ruleset.references import check_named, named_words
from localpay.ruleset import Code, Identifier
from localpay.ruleset.types import Percent, Price, percent_text



class CquinArrangement(Arrangement):
    option: Literal["cquin"]
    provider: Code
    commissioner: Code
    percent: Percent = Field(description="e.g. 1.25%: the share of the named arrangements' actual value")
    of: list[Identifier] = Field(min_length=1)
    planned_value: Price | None = Field(default=None, description="the planned annual value of the named arrangements")
    on_account: Percent = Field(default=Decimal(1), description="the share of the planned CQUIN paid on account")
    settlement: Literal["year_end", "quarterly"] = "year_end"
    goals: Measures

    @property
    def named(self) -> list[str]:
        return list(self.of)


def terms(arrangement: CquinArrangement, context) -> IncentiveTerms:
    def actual(month):
        return value_of(context.lines, arrangement, arrangement.named, month)

    share = percent_text(arrangement.on_account)
    if arrangement.planned_value is not None:
        months = contract_months(context.ruleset)
        planned = share_of(pounds_to_pence(arrangement.planned_value), arrangement.percent)
        monthly = dict(zip(months, instalments(share_of(planned, arrangement.on_account), len(months))))

        def on_account(month):
            return monthly.get(month, 0)

        def basis(month):
            return f"{share} of the planned CQUIN of {format_money(pence_to_decimal(planned))}, in twelve instalments"
    else:
        def on_account(month):
            return share_of(actual(month), arrangement.percent * arrangement.on_account)

        def basis(month):
            return (f"{share} of {percent_text(arrangement.percent)} of the month's actual value of "
                    f"{format_money(pence_to_decimal(actual(month)))}")
    return IncentiveTerms(
        pot=lambda month: share_of(actual(month), arrangement.percent),
        withheld=lambda month: 0,
        on_account=on_account,
        # the percentage of the window's actual value, rounded once (not month by month)
        earnable=lambda spanned: share_of(sum(actual(m) for m in spanned), arrangement.percent),
        on_account_basis=basis,
    )


def settle(arrangement: CquinArrangement, context) -> Priced:
    lines, details = settle_incentive(arrangement, context, terms(arrangement, context), arrangement.goals, "CQUIN")
    return Priced(lines, details={"measures": details})


def describe(arrangement: CquinArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    value = f"{percent_text(arrangement.percent)} of the actual value of {named_words(ruleset, arrangement.named)}"
    if arrangement.planned_value is not None:
        planned = share_of(pounds_to_pence(arrangement.planned_value), arrangement.percent)
        on_account = (f"Paid on account monthly: {percent_text(arrangement.on_account)} of the planned CQUIN of "
                      f"{format_money(pence_to_decimal(planned))} ({percent_text(arrangement.percent)} of the planned value of "
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


def planned(arrangement: CquinArrangement, ruleset):
    """The planned CQUIN: its percentage of the planned value given, or of the named
    arrangements' expected value."""
    if arrangement.planned_value is not None:
        return pence_to_decimal(share_of(pounds_to_pence(arrangement.planned_value), arrangement.percent))
    return planned_of(ruleset, arrangement.named, arrangement.percent)


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    return [problem for index, a in arrangements for problem in check_named(index, ("of",), a, a.named, ruleset)]


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="cquin",
        summary="CQUIN: a percentage of contract value for quality goals, on account monthly, reconciled at year end",
        parameters=CquinArrangement,
        settle=settle,
        describe=describe,
        delivers_activity=False,
        incentive=True,
        check=check,
        needs_from=from_contract_start,
        planned=planned,
        timing=lambda arrangement, ruleset: timing_words(arrangement, ruleset, "CQUIN"),
    )]
