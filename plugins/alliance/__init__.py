"""Alliance contracts: one contract, several members bound to the same objectives and measures.

The terms, as the ruleset states them and as this option applies them:

- **Members** are parties: providers, and the alliance's commissioner where it shares the risk.
  Each is listed once, with a share; the shares add up to 100%.
- **Value.** The annual value is paid in monthly instalments over the contract's months that add
  up to the year exactly, and divided among the members by their shares to the penny
  (``money``): the members add up to the alliance in every month and over the year.
  Each provider member is paid its share monthly; the commissioner member keeps its own.
- **Risk and reward** (optional): a pool, a percentage of the value of the months settled, and
  shared KPIs with weights adding up to 100%, each with a floor and a target. At each settlement
  (quarterly or at the year end) a KPI at or above its target gains its weight of the pool, one
  below its floor costs it (pain), one between them nothing; the net, never more than the pool
  either way, is divided among the members by their shares (``risk``).
- Every member's statement shows the alliance's figures beside its own (``settle``).
"""

from __future__ import annotations

from localpay.plugin import PaymentOption, hookimpl

from .checks import check
from .schedule import describe, timing
from .settle import needs_from, settle
from .terms import AllianceArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="alliance",
        summary="An alliance's annual value shared among its members, with a gain or pain share on shared KPIs",
        parameters=AllianceArrangement,
        settle=settle,
        describe=describe,
        check=check,
        needs_from=needs_from,
        planned=lambda arrangement, ruleset: arrangement.annual_value,
        timing=timing,
        # the KPIs count the alliance's figures, across its provider members
        measures=lambda arrangement: [(k, None) for k in (arrangement.risk_reward.kpis if arrangement.risk_reward else [])],
        delivers_activity=False,
    )]
