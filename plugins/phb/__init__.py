"""Personal health budgets: an indicative budget per person from a resource allocation system,
the agreed budget paid in monthly instalments, the money unbundled from the provider's cluster
payment, and unspent direct payments reclaimed.

The terms, as the ruleset states them and as this option applies them (each helper module's
docstring gives its part in full):

- **Indicative budget** (``allocation``): points from the person's latest HoNOS with every
  weighted item scored (weight x score, summed), plus points for the cluster of their latest
  episode; x ``price_per_point``, or the annual amount of the highest band reached. None for a
  person without such a HoNOS, or with an episode matching ``excluded`` in the window.
- **Moderation**: an agreed annual amount outside indicative x (1 +/- ``moderation``), the
  indicative budget taken as at the budget's start (HoNOS on or before the start date), is
  flagged (``phb_moderation``). The workings also show the indicative budget as at each
  month's end, so a change in need shows between reviews.
- **Payments** (``budgets``): direct payments and third-party budgets in monthly
  instalments for the days held, cumulatively rounded so a year adds up to the agreed amount;
  notional budgets commit the money and pay nothing.
- **Unbundling** (``unbundle``): negative lines on the cluster provider's statement.
- **Reclaim** (``reclaim``): unspent direct payment above ``threshold_days``' worth, at a
  review and at the year end (NHS (Direct Payments) Regulations 2013, regulation 15).
- **Reviews**: due ``first_within_months`` after the start, then ``then_every_months`` after the
  last review; overdue at the end of the last statement month a budget is held in: flagged
  (``phb_review_overdue``).

The option settles (it needs the cluster lines to unbundle from); it reads the budgets and
assessments the run checked.
"""

from __future__ import annotations

from localpay.plugin import BUDGET_OPTIONAL, BUDGET_REQUIRED, InputTable, PaymentOption, check_budgets, hookimpl, read_budgets

from .checks import check
from .schedule import describe
from .settle import settle
from .synth import synthesise_budgets
from .terms import PhbArrangement

BUDGETS = InputTable(
    "budgets", "Personal health budgets file (patient_id, start_date, end_date, type, ...).", BUDGET_REQUIRED,
    read_budgets, check_budgets, parties="commissioners", order=20, synthesise=synthesise_budgets,
    synthesis_order=10, optional=BUDGET_OPTIONAL)


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="phb",
        summary="Personal health budgets: indicative budgets from HoNOS, instalments, unbundling and reclaim",
        parameters=PhbArrangement,
        settle=settle,
        describe=describe,
        check=check,
        assessment_items=lambda arrangement: tuple(arrangement.allocation.item_weights),
        timing=lambda arrangement, ruleset: (
            "Budgets are paid monthly, pro rata to the days held; unbundling reduces the provider's cluster payment in "
            "the same month; unspent direct payments are reclaimed in the month of a review or at the year end."),
    )]


@hookimpl
def localpay_input_tables():
    return [BUDGETS]
