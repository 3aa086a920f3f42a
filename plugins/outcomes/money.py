"""The outcomes option's money: the pot month by month, settled on the measures (the engine's
incentives: ``settle_incentive``), and its expected value a year."""

from __future__ import annotations

from localpay.plugin import (IncentiveTerms, Priced, contract_months, format_money, instalments, percent_text,
                             planned_of, pounds_to_pence, settle_incentive, share_of, value_of)

from .terms import OutcomesArrangement


def incentive_terms(arrangement: OutcomesArrangement, context) -> IncentiveTerms:
    """The pot month by month: its percentage of what the named arrangements pay, or the fixed
    sum in instalments; withheld from them in withhold mode; its share paid on account."""
    pot = arrangement.pot
    if pot.percent is not None:
        def monthly(month):
            return share_of(value_of(context.lines, arrangement, arrangement.named, month), pot.percent)
    else:
        assert pot.annual is not None  # a pot is a percentage or a fixed sum (Pot)
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
                                       f"{format_money(monthly(month))}",
    )


def settle(arrangement: OutcomesArrangement, context) -> Priced:
    terms = incentive_terms(arrangement, context)
    lines, details = settle_incentive(arrangement, context, terms, arrangement.measures, "the outcomes payment")
    return Priced(lines, details={"measures": details})


def planned(arrangement: OutcomesArrangement, ruleset):
    """The pot a year: the fixed sum, or its percentage of the named arrangements' expected value."""
    if arrangement.pot.annual is not None:
        return arrangement.pot.annual
    assert arrangement.pot.percent is not None  # a pot is a fixed sum or a percentage (Pot)
    return planned_of(ruleset, arrangement.named, arrangement.pot.percent)
