"""CQUIN: a percentage of what named arrangements are actually worth in the year, paid for
meeting quality goals.

Paid on account monthly: by default the full CQUIN value of the planned contract divided by 12
(in instalments that add up to the year), or, with no planned value given, the percentage of
each month's actual value. At the year end it is reconciled against achievement: the goals'
weighted achievement of the percentage of the year's actual value, less what was paid on
account. A negative year-end line is a recovery.
"""

from __future__ import annotations

from localpay.plugin import PaymentOption, from_contract_start, hookimpl, timing_words

from .checks import check
from .money import planned, settle
from .schedule import describe
from .terms import CquinArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="cquin",
        summary="CQUIN: a percentage of contract value for quality goals, on account monthly, reconciled at year end",
        parameters=CquinArrangement,
        settle=settle,
        describe=describe,
        check=check,
        needs_from=from_contract_start,
        planned=planned,
        timing=lambda arrangement, ruleset: timing_words(arrangement, ruleset, "CQUIN"),
        measures=lambda arrangement: [(goal, arrangement.provider) for goal in arrangement.goals],
        delivers_activity=False,
        incentive=True,
    )]
