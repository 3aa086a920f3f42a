"""The CQUIN option's money: the CQUIN month by month, reconciled on the goals (the engine's
incentives: ``settle_incentive``), and the planned CQUIN a year."""

from __future__ import annotations

from localpay.plugin import (IncentiveTerms, Priced, contract_months, format_money, instalments, pence_to_decimal,
                             percent_text, planned_of, pounds_to_pence, settle_incentive, share_of, value_of)

from .terms import CquinArrangement


def incentive_terms(arrangement: CquinArrangement, context) -> IncentiveTerms:
    """The CQUIN month by month: its percentage of the named arrangements' actual value, paid
    on account from the planned CQUIN in instalments, or from each month's actual value."""
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
            return f"{share} of the planned CQUIN of {format_money(planned)}, in twelve instalments"
    else:
        def on_account(month):
            return share_of(actual(month), arrangement.percent * arrangement.on_account)

        def basis(month):
            return (f"{share} of {percent_text(arrangement.percent)} of the month's actual value of "
                    f"{format_money(actual(month))}")
    return IncentiveTerms(
        pot=lambda month: share_of(actual(month), arrangement.percent),
        withheld=lambda month: 0,
        on_account=on_account,
        # the percentage of the window's actual value, rounded once (not month by month)
        earnable=lambda spanned: share_of(sum(actual(m) for m in spanned), arrangement.percent),
        on_account_basis=basis,
    )


def settle(arrangement: CquinArrangement, context) -> Priced:
    terms = incentive_terms(arrangement, context)
    lines, details = settle_incentive(arrangement, context, terms, arrangement.goals, "CQUIN")
    return Priced(lines, details={"measures": details})


def planned(arrangement: CquinArrangement, ruleset):
    """The planned CQUIN: its percentage of the planned value given, or of the named
    arrangements' expected value."""
    if arrangement.planned_value is not None:
        return pence_to_decimal(share_of(pounds_to_pence(arrangement.planned_value), arrangement.percent))
    return planned_of(ruleset, arrangement.named, arrangement.percent)
