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
  earlier settlements of the year paid (``_risk_settle``; arithmetic in ``_risk_terms``).
- The arrangement needs the lines of the block and of the actual arrangements: a settle-type one
  among them must be listed before it (a load error otherwise).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from localpay import Arrangement, PaymentOption, Priced, hookimpl
from localpay.contract_year import from_contract_start
from localpay.ruleset import Code, Identifier, Pence, StrictModel
from localpay.ruleset.references import same_parties, settles_too_late, unknown
from localpay.ruleset.types import Percent

from ._risk_describe import describe
from ._risk_settle import settle_risk



class Around(StrictModel):
    block: Identifier | None = None
    plan: Identifier | None = None

    @model_validator(mode="after")
    def _one_baseline(self) -> "Around":
        if (self.block is None) == (self.plan is None):
            raise ValueError("a risk share is around one baseline: {block: <block id>} or {plan: <cluster arrangement "
                             "id>}")
        return self


class RiskShareArrangement(Arrangement):
    option: Literal["risk_share"]
    provider: Code
    commissioner: Code
    around: Around
    actual: list[Identifier] = Field(min_length=1, description="the arrangements whose value is the activity delivered")
    corridor: Percent
    excess_rate: Percent = Field(description="of the excess beyond the corridor, paid by the commissioner")
    shortfall_rate: Percent = Field(description="of the shortfall beyond the corridor, refunded by the provider")
    cap: Pence | None = Field(default=None, description="the most the commissioner pays over the year")
    collar: Pence | None = Field(default=None, description="the most the provider refunds over the year")
    settlement: Literal["quarterly", "year_end"] = "quarterly"


def settle(arrangement: RiskShareArrangement, context) -> Priced:
    lines, details = settle_risk(arrangement, context)
    return Priced(lines, details={"risk_share": details})


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    problems = []
    for index, share in arrangements:
        kind = "block" if share.around.block else "plan"
        problem = _baseline_problem(ruleset, share, index, kind, share.around.block or share.around.plan)
        if problem:
            problems.append(((index, "around", kind), problem))
        problems += [((index, "actual", at), problem) for at, name in enumerate(share.actual)
                     if (problem := _actual_problem(ruleset, share, index, name))]
    return problems


def _baseline_problem(ruleset, share, index: int, kind: str, name: str) -> str | None:
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if kind == "block" and other.option != "block":
        return f"'{name}' is a {other.option} arrangement, not a block (option: block)"
    if kind == "plan" and (other.option != "cluster" or not other.activity_plan):
        what = "has no activity_plan" if other.option == "cluster" else f"is a {other.option} arrangement"
        return f"'{name}' {what}; a plan baseline is a cluster arrangement's activity_plan"
    return same_parties(other, share) or settles_too_late(ruleset, name, index)


def _actual_problem(ruleset, share, index: int, name: str) -> str | None:
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if not ruleset.option_of(other).delivers_activity:
        return f"'{name}' is a {other.option} arrangement: its lines are payments, not the activity delivered"
    return same_parties(other, share) or settles_too_late(ruleset, name, index)


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="risk_share",
        summary="A risk share: a corridor around a block or activity plan, sharing the excess or shortfall beyond it",
        parameters=RiskShareArrangement,
        settle=settle,
        describe=describe,
        delivers_activity=False,
        check=check,
        needs_from=from_contract_start,
        timing=lambda arrangement, ruleset: (
            f"Settled {'every third month and at the year end' if arrangement.settlement == 'quarterly' else 'at the year end'}"
            " on the year to date, less what earlier settlements paid, on the statement for the settlement month."),
    )]
