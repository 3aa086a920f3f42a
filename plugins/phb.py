"""Personal health budgets: an indicative budget per person from a resource allocation system,
the agreed budget paid in monthly instalments, the money unbundled from the provider's cluster
payment, and unspent direct payments reclaimed.

The terms, as the ruleset states them and as this option applies them (each helper module's
docstring gives its part in full):

- **Indicative budget** (``_phb_allocation``): points from the person's latest HoNOS with every
  weighted item scored (weight x score, summed), plus points for the cluster of their latest
  episode; x ``price_per_point``, or the annual amount of the highest band reached. None for a
  person without such a HoNOS, or with an episode matching ``excluded`` in the window.
- **Moderation**: an agreed annual amount outside indicative x (1 +/- ``moderation``), the
  indicative budget taken as at the budget's start (HoNOS on or before the start date), is
  flagged (``phb_moderation``). The workings also show the indicative budget as at each
  month's end, so a change in need shows between reviews.
- **Payments** (``_phb_budgets``): direct payments and third-party budgets in monthly
  instalments for the days held, cumulatively rounded so a year adds up to the agreed amount;
  notional budgets commit the money and pay nothing.
- **Unbundling** (``_phb_unbundle``): negative lines on the cluster provider's statement.
- **Reclaim** (``_phb_reclaim``): unspent direct payment above ``threshold_days``' worth, at a
  review and at the year end (NHS (Direct Payments) Regulations 2013, regulation 15).
- **Reviews**: due ``first_within_months`` after the start, then ``then_every_months`` after the
  last review; overdue at the end of the last statement month a budget is held in: flagged
  (``phb_review_overdue``).

The option settles (it needs the cluster lines to unbundle from); it reads the budgets and
assessments the run checked.
"""

from __future__ import annotations

from localpay import PaymentOption, Priced, hookimpl

from ._phb_describe import describe
from ._phb_settle import settle_phb
from ._phb_terms import PhbArrangement


def settle(arrangement: PhbArrangement, context) -> Priced:
    return settle_phb(arrangement, context)


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """One phb arrangement per commissioner (a budget naming no commissioner would be paid
    twice), and unbundling only from cluster arrangements it can take money out of."""
    problems, first = [], {}
    for index, arrangement in arrangements:
        if arrangement.commissioner in first:
            problems.append(((index, "commissioner"), f"{arrangement.commissioner} already pays personal health "
                                                      f"budgets under arrangements[{first[arrangement.commissioner]}]; "
                                                      "a commissioner has one phb arrangement"))
        first.setdefault(arrangement.commissioner, index)
        if arrangement.unbundle is not None:
            problems += _unbundle_problems(index, arrangement, ruleset)
    return problems


def _unbundle_problems(index: int, arrangement: PhbArrangement, ruleset) -> list[tuple[tuple, str]]:
    problems, known = [], {a.id: a for a in ruleset.arrangements}
    for at, name in enumerate(arrangement.unbundle.of):
        where, other = (index, "unbundle", "from", at), known.get(name)
        if other is None:
            problems.append((where, f"no arrangement has the id '{name}' (ids: {', '.join(known)})"))
        elif other.option != "cluster":
            problems.append((where, f"'{name}' is a {other.option} arrangement; budgets are unbundled from cluster "
                                    "payments (option: cluster)"))
        elif other.commissioner != arrangement.commissioner:
            problems.append((where, f"'{name}' is paid by {other.commissioner}, not {arrangement.commissioner}"))
        elif arrangement.unbundle.by == "budget" and other.basis != "per_day":
            problems.append((where, f"'{name}' pays {other.basis.replace('_', ' ')}; unbundling by the budget sets "
                                    "its daily amount against a price per day: use percent: instead"))
    return problems


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="phb",
        summary="Personal health budgets: indicative budgets from HoNOS, instalments, unbundling and reclaim",
        parameters=PhbArrangement,
        settle=settle,
        describe=describe,
        check=check,
        timing=lambda arrangement, ruleset: (
            "Budgets are paid monthly, pro rata to the days held; unbundling reduces the provider's cluster payment in "
            "the same month; unspent direct payments are reclaimed in the month of a review or at the year end."),
        plugin=__name__,  # the parameter model lives in a helper module; the plugin is this one
    )]
