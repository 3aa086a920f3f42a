"""The risk share option's terms, as a ruleset writes them (``option: risk_share``): the
baseline it is around, the arrangements whose value is the actual, the corridor, the rates, the
cap and collar, and when it settles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from localpay.plugin import Arrangement, Code, Identifier, Pence, Percent, StrictModel


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
