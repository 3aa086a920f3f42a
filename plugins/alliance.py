"""Alliance contracts: one contract, several members bound to the same objectives and measures.

The terms, as the ruleset states them and as this option applies them:

- **Members** are parties: providers, and the alliance's commissioner where it shares the risk.
  Each is listed once, with a share; the shares add up to 100%.
- **Value.** The annual value is paid in monthly instalments over the contract's months that add
  up to the year exactly, and divided among the members by their shares to the penny
  (``_alliance_money``): the members add up to the alliance in every month and over the year.
  Each provider member is paid its share monthly; the commissioner member keeps its own.
- **Risk and reward** (optional): a pool, a percentage of the value of the months settled, and
  shared KPIs with weights adding up to 100%, each with a floor and a target. At each settlement
  (quarterly or at the year end) a KPI at or above its target gains its weight of the pool, one
  below its floor costs it (pain), one between them nothing; the net, never more than the pool
  either way, is divided among the members by their shares (``_alliance_risk``).
- Every member's statement shows the alliance's figures beside its own (``_alliance_settle``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from localpay import Arrangement, PaymentOption, Priced, hookimpl
from localpay.contract_year import from_contract_start
from localpay.measures.model import Measure, weights_add_up
from localpay.ruleset import Code, StrictModel
from localpay.ruleset.types import Percent, Price, percent_text

from ._alliance_describe import describe
from ._alliance_settle import settle_alliance


class Member(StrictModel):
    party: Code
    share: Percent


class Kpi(Measure):
    """A shared KPI: a measure whose floor and target decide gain and pain (no scale)."""

    @model_validator(mode="before")
    @classmethod
    def _floor_and_target(cls, data):
        if not isinstance(data, dict):
            return data
        if data.get("scale", "linear") != "linear" or "bands" in data:
            raise ValueError("an alliance KPI gains at its target and costs below its floor: give it floor and target, "
                             "not a scale or bands")
        missing = [key for key in ("floor", "target") if data.get(key) is None]
        if missing:
            raise ValueError(f"an alliance KPI needs a floor and a target (gain at or above the target, pain below the "
                             f"floor); this one has no {' and no '.join(missing)}")
        return data


# the KPIs' weights add up to 100%, as any option's measures
Kpis = Annotated[list[Kpi], AfterValidator(weights_add_up)]


class RiskReward(StrictModel):
    pool: Percent = Field(description="of the value of the months each settlement covers")
    settlement: Literal["quarterly", "year_end"] = "quarterly"
    kpis: Kpis


class AllianceArrangement(Arrangement):
    option: Literal["alliance"]
    commissioner: Code
    annual_value: Price
    members: list[Member]
    risk_reward: RiskReward | None = None

    @field_validator("provider")
    @classmethod
    def _no_single_provider(cls, provider):
        if provider is not None:
            raise ValueError("an alliance lists its providers under members, each with a share, not under provider")
        return provider

    @field_validator("annual_value")
    @classmethod
    def _pounds_and_pence(cls, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(f"the annual value is paid in pounds and pence; {value} has more than two decimal places")
        return value

    @field_validator("members")
    @classmethod
    def _shares_add_up(cls, members: list[Member]) -> list[Member]:
        if len(members) < 2:
            raise ValueError("an alliance has at least two members")
        nil = [m.party for m in members if m.share == 0]
        if nil:
            raise ValueError(f"every member has a share above 0%; {', '.join(nil)} has none")
        total = sum((m.share for m in members), Decimal(0))
        if total != 1:
            shares = " + ".join(percent_text(m.share) for m in members)
            raise ValueError(f"the members' shares add up to {percent_text(total)} ({shares}), not 100%")
        return members

    @property
    def providers(self) -> list[str]:
        """The provider members, in the order listed: every member but the alliance's commissioner."""
        return [m.party for m in self.members if m.party != self.commissioner]

    @property
    def shares(self) -> tuple[Decimal, ...]:
        return tuple(m.share for m in self.members)


def settle(arrangement: AllianceArrangement, context) -> Priced:
    lines, details = settle_alliance(arrangement, context)
    return Priced(lines, details=details)


def needs_from(arrangement: AllianceArrangement, ruleset, first):
    """A settlement covers the months since the last one: with risk and reward, a run prices from
    the contract's start, so its statements show every settlement of the year to date."""
    return from_contract_start(arrangement, ruleset, first) if arrangement.risk_reward else first


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """Every member a provider of the ruleset or the alliance's own commissioner, each once."""
    problems = []
    for index, alliance in arrangements:
        seen: dict[str, int] = {}
        for at, member in enumerate(alliance.members):
            where = (index, "members", at, "party")
            if member.party in seen:
                problems.append((where, f"'{member.party}' is already a member (members[{seen[member.party]}])"))
            elif member.party in ruleset.commissioners and member.party != alliance.commissioner:
                problems.append((where, f"'{member.party}' is another commissioner; only the alliance's commissioner "
                                        f"({alliance.commissioner}) can be a member"))
            elif member.party not in ruleset.providers and member.party != alliance.commissioner:
                problems.append((where, f"'{member.party}' is not one of the ruleset's providers (expected one of: "
                                        f"{', '.join(ruleset.providers)}) nor the alliance's commissioner "
                                        f"({alliance.commissioner})"))
            seen.setdefault(member.party, at)
        if not alliance.providers:
            problems.append(((index, "members"), "an alliance needs at least one provider among its members"))
    return problems


def timing(arrangement, ruleset) -> str:
    words = ("Paid monthly: each month's instalment of the annual value, shared among the members by their shares "
             "on their own statements.")
    if arrangement.risk_reward is None:
        return words
    when = "every third month and at the year end" if arrangement.risk_reward.settlement == "quarterly" else "at the year end"
    return f"{words} Gain and pain are settled {when}, on the statement for the settlement month."


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="alliance",
        summary="An alliance's annual value shared among its members, with a gain or pain share on shared KPIs",
        parameters=AllianceArrangement,
        settle=settle,
        describe=describe,
        delivers_activity=False,
        check=check,
        needs_from=needs_from,
        planned=lambda arrangement, ruleset: arrangement.annual_value,
        timing=timing,
    )]
