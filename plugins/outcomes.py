"""Outcomes-based payments: a pot of money paid for achievement on agreed measures.

The pot is a percentage of what named arrangements pay, or a fixed annual sum. In ``bonus``
mode it is paid on top; in ``withhold`` mode it is taken off the named arrangements' value each
month and earned back on achievement. A share of each month's pot is paid on account (voluntary
providers cannot wait a year), and at each settlement date (quarterly or at the year end) the
pot of the months since the last settlement is scored on the measures as at that date: earned
less paid on account, which may be negative.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from localpay import Arrangement, PaymentOption, Priced, ScheduleSection, hookimpl
from localpay.contract_year import contract_months, from_contract_start, settlement_months
from localpay.measures.describe import measures_table, scoring_words
from localpay.measures.incentives import IncentiveTerms, planned_of, settle_incentive, share_of, timing_words, value_of
from localpay.measures.model import Measures
from localpay.money import format_money, instalments, pence_to_decimal, pounds_to_pence
from localpay.ruleset.references import check_named, named_words
from localpay.ruleset import Code, Identifier, StrictModel
from localpay.ruleset.types import Percent, Price, percent_text



class Pot(StrictModel):
    percent: Percent | None = None
    of: list[Identifier] | None = Field(default=None, min_length=1)
    annual: Price | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Pot":
        if (self.percent is None) == (self.annual is None):
            raise ValueError("a pot is either {percent: 5%, of: [arrangement, ...]} or {annual: 120000.00}")
        if self.percent is not None and not self.of:
            raise ValueError("a percentage pot names the arrangements it is a percentage of, under of:")
        if self.annual is not None and self.of:
            raise ValueError("a fixed annual pot is not a percentage of anything: remove of:")
        return self


class OutcomesArrangement(Arrangement):
    option: Literal["outcomes"]
    provider: Code
    commissioner: Code
    pot: Pot
    mode: Literal["bonus", "withhold"] = "bonus"
    on_account: Percent = Field(description="the share of each month's pot paid on account")
    settlement: Literal["quarterly", "year_end"] = "quarterly"
    measures: Measures

    @model_validator(mode="after")
    def _withhold_needs_a_percentage(self) -> "OutcomesArrangement":
        if self.mode == "withhold" and self.pot.percent is None:
            raise ValueError("mode withhold takes a percentage of the named arrangements' value each month; "
                             "a fixed annual pot can only be paid as a bonus")
        return self

    @property
    def named(self) -> list[str]:
        return list(self.pot.of or ())


def terms(arrangement: OutcomesArrangement, context) -> IncentiveTerms:
    pot = arrangement.pot
    if pot.percent is not None:
        def monthly(month):
            return share_of(value_of(context.lines, arrangement, arrangement.named, month), pot.percent)
    else:
        months = contract_months(context.ruleset)
        fixed = dict(zip(months, instalments(pounds_to_pence(pot.annual), len(months))))

        def monthly(month):
            return fixed.get(month, 0)
    withhold = arrangement.mode == "withhold"
    return IncentiveTerms(
        pot=monthly,
        withheld=lambda month: monthly(month) if withhold else 0,
        on_account=lambda month: share_of(monthly(month), arrangement.on_account),
        earnable=lambda spanned: sum(monthly(m) for m in spanned),
        on_account_basis=lambda month: f"{percent_text(arrangement.on_account)} of the month's pot of "
                                       f"{format_money(pence_to_decimal(monthly(month)))}",
    )


def settle(arrangement: OutcomesArrangement, context) -> Priced:
    lines, details = settle_incentive(arrangement, context, terms(arrangement, context), arrangement.measures,
                                      "the outcomes payment")
    return Priced(lines, details={"measures": details})


def describe(arrangement: OutcomesArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    pot = arrangement.pot
    if pot.percent is not None:
        size = f"{percent_text(pot.percent)} of the value paid under {named_words(ruleset, arrangement.named)}"
    else:
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


def planned(arrangement: OutcomesArrangement, ruleset):
    """The pot a year: the fixed sum, or its percentage of the named arrangements' expected value."""
    if arrangement.pot.annual is not None:
        return arrangement.pot.annual
    return planned_of(ruleset, arrangement.named, arrangement.pot.percent)


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    return [problem for index, a in arrangements for problem in check_named(index, ("pot", "of"), a, a.named, ruleset)]


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="outcomes",
        summary="A pot paid for achievement on agreed measures: bonus or withhold, on account and settled",
        parameters=OutcomesArrangement,
        settle=settle,
        describe=describe,
        delivers_activity=False,
        incentive=True,
        check=check,
        needs_from=from_contract_start,
        planned=planned,
        timing=lambda arrangement, ruleset: timing_words(arrangement, ruleset, "The outcomes pot"),
    )]
