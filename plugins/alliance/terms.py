"""The alliance option's terms, as a ruleset writes them (``option: alliance``): the commissioner,
the annual value, the members and their shares, and any risk and reward on shared KPIs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from localpay.plugin import Arrangement, Code, Measure, Percent, Price, StrictModel, percent_text, weights_add_up


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
