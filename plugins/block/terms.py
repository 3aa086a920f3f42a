"""The block option's terms, as a ruleset writes them (``option: block``): the annual value and
any shadow arrangements to compare it with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from localpay.plugin import Arrangement, Code, Identifier, Pence


class BlockArrangement(Arrangement):
    option: Literal["block"]
    provider: Code
    commissioner: Code
    annual_value: Pence
    compare: list[Identifier] = Field(default_factory=list, description="shadow arrangements shown beside the block")
