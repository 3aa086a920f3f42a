"""Block contracts: an annual value paid in monthly instalments, with any shadow tariff beside it.

The terms, as the ruleset states them and as this option applies them:

- **Instalments.** The annual value (pounds and pence) is paid over the contract's months,
  twelve for a financial year, in instalments that add up to the year exactly (the engine's
  ``instalments_of``). Each statement month has one payable contract-level line, unit ``month``.
- **Shadow tariff** (``compare``, optional): arrangements marked ``shadow: true`` between the
  same provider and commissioner, priced in full and paid nothing (the core gives their lines
  status ``shadow``). Each month the ``block`` details show the block's instalment, the value of
  the compared arrangements' lines in the month (what the tariff would have paid), the
  difference (shadow less block: positive when the tariff would have paid more) and each over
  the contract year to date. With a comparison the run prices from the start of the contract,
  so the year to date is recomputed from the lines, never remembered.
"""

from __future__ import annotations

from localpay.plugin import PaymentOption, hookimpl

from .checks import check
from .schedule import describe
from .settle import needs_from, settle
from .terms import BlockArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="block",
        summary="A block contract: an annual value in monthly instalments, with any shadow tariff shown beside it",
        parameters=BlockArrangement,
        settle=settle,
        describe=describe,
        check=check,
        needs_from=needs_from,
        planned=lambda arrangement, ruleset: arrangement.annual_value,
        timing=lambda arrangement, ruleset: (
            "Paid monthly: twelve instalments that add up to the annual value, one on each month's statement."),
        delivers_activity=False,
    )]
