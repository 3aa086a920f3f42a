"""The CQUIN option's terms, as a ruleset writes them (``option: cquin``): the percentage and the
arrangements it is of, any planned value, the share paid on account, when it settles and the
goals."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from localpay.plugin import Arrangement, Code, Identifier, Measures, Percent, Price


class CquinArrangement(Arrangement):
    option: Literal["cquin"]
    provider: Code
    commissioner: Code
    percent: Percent = Field(description="e.g. 1.25%: the share of the named arrangements' actual value")
    of: list[Identifier] = Field(min_length=1)
    planned_value: Price | None = Field(default=None, description="the planned annual value of the named arrangements")
    on_account: Percent = Field(default=Decimal(1), description="the share of the planned CQUIN paid on account")
    settlement: Literal["year_end", "quarterly"] = "year_end"
    goals: Measures

    @property
    def named(self) -> list[str]:
        return list(self.of)
