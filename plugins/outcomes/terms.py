"""The outcomes option's terms, as a ruleset writes them (``option: outcomes``): the pot, bonus or
withhold, the share paid on account, when it settles and the measures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from localpay.plugin import Arrangement, Code, Identifier, Measures, Percent, Price, StrictModel


class Pot(StrictModel):
    percent: Percent | None = None
    of: list[Identifier] | None = Field(default=None, min_length=1)
    annual: Price | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Pot":
        if (self.percent is None) == (self.annual is None):
            raise ValueError("a pot is either {percent: 5%, of: [arrangement, ...]} or {annual: 120000.00}")
        if self.percent is not None and not self.of:
            raise ValueError("a percentage pot names the arrangements it is a percentage of, under of:")
        if self.annual is not None and self.of:
            raise ValueError("a fixed annual pot is not a percentage of anything: remove of:")
        return self


class OutcomesArrangement(Arrangement):
    option: Literal["outcomes"]
    provider: Code
    commissioner: Code
    pot: Pot
    mode: Literal["bonus", "withhold"] = "bonus"
    on_account: Percent = Field(description="the share of each month's pot paid on account")
    settlement: Literal["quarterly", "year_end"] = "quarterly"
    measures: Measures

    @model_validator(mode="after")
    def _withhold_needs_a_percentage(self) -> "OutcomesArrangement":
        if self.mode == "withhold" and self.pot.percent is None:
            raise ValueError("mode withhold takes a percentage of the named arrangements' value each month; "
                             "a fixed annual pot can only be paid as a bonus")
        return self

    @property
    def named(self) -> list[str]:
        return list(self.pot.of or ())
