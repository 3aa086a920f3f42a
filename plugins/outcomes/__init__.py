"""Outcomes-based payments: a pot of money paid for achievement on agreed measures.

The pot is a percentage of what named arrangements pay, or a fixed annual sum. In ``bonus``
mode it is paid on top; in ``withhold`` mode it is taken off the named arrangements' value each
month and earned back on achievement. A share of each month's pot is paid on account (voluntary
providers cannot wait a year), and at each settlement date (quarterly or at the year end) the
pot of the months since the last settlement is scored on the measures as at that date: earned
less paid on account, which may be negative.
"""

from __future__ import annotations

from localpay.plugin import PaymentOption, from_contract_start, hookimpl, timing_words

from .checks import check
from .money import planned, settle
from .schedule import describe
from .terms import OutcomesArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="outcomes",
        summary="A pot paid for achievement on agreed measures: bonus or withhold, on account and settled",
        parameters=OutcomesArrangement,
        settle=settle,
        describe=describe,
        check=check,
        needs_from=from_contract_start,
        planned=planned,
        timing=lambda arrangement, ruleset: timing_words(arrangement, ruleset, "The outcomes pot"),
        measures=lambda arrangement: [(m, arrangement.provider) for m in arrangement.measures],
        delivers_activity=False,
        incentive=True,
    )]
