"""Risk share: a corridor around a block or an activity plan, and a share of the difference
beyond it.

The terms, as the ruleset states them and as this option applies them:

- **Baseline** (``around``): a block arrangement's instalments to date, or an activity plan's
  value to date (a cluster arrangement's ``activity_plan`` at its opening prices, for the share
  of the year elapsed). **Actual** (``actual``): the value of the named arrangements' lines to
  date, paid or shadow: the activity delivered.
- **Corridor**: a percentage of the baseline either side of it within which nothing changes
  hands. Beyond it the commissioner pays ``excess_rate`` of the excess, and the provider refunds
  ``shortfall_rate`` of the shortfall. ``cap`` limits what the commissioner pays over the year,
  ``collar`` what the provider refunds.
- **Settlement** (quarterly or at the year end): cumulative over the year to date, less what the
  earlier settlements of the year paid (``settle``; the arithmetic is in ``position``).
- The arrangement needs the lines of the block and of the actual arrangements: a settle-type one
  among them must be listed before it (a load error otherwise).
"""

from __future__ import annotations

from localpay.plugin import PaymentOption, from_contract_start, hookimpl

from .checks import check
from .schedule import describe
from .settle import settle
from .terms import RiskShareArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="risk_share",
        summary="A risk share: a corridor around a block or activity plan, sharing the excess or shortfall beyond it",
        parameters=RiskShareArrangement,
        settle=settle,
        describe=describe,
        check=check,
        needs_from=from_contract_start,
        timing=lambda arrangement, ruleset: (
            f"Settled {'every third month and at the year end' if arrangement.settlement == 'quarterly' else 'at the year end'}"
            " on the year to date, less what earlier settlements paid, on the statement for the settlement month."),
        delivers_activity=False,
    )]
