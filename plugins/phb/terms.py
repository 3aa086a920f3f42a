"""The personal health budgets option's terms, as a ruleset writes them (``option: phb``).

Each check reports at the key at fault: a model validator would report at the block, so the
checks that compare two keys are field validators on the later key, reading the earlier one
from ``info.data`` (pydantic validates the keys in the order they are declared).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from localpay.plugin import (MAX_STATED, Arrangement, ClusterCode, Code, Identifier, Percent, Price, StrictModel, When,
                             format_money, one_code_each)

# HoNOS items 1 to 12 (Wing et al.; NHS Digital's MHSDS item list), each rated 0 to 4
HONOS_ITEMS = {
    1: "overactive, aggressive, disruptive or agitated behaviour", 2: "non-accidental self-injury",
    3: "problem drinking or drug-taking", 4: "cognitive problems", 5: "physical illness or disability problems",
    6: "hallucinations and delusions", 7: "depressed mood", 8: "other mental and behavioural problems",
    9: "relationships", 10: "activities of daily living", 11: "living conditions", 12: "occupation and activities",
}
HonosItem = Annotated[int, Field(ge=1, le=12)]
# points and weights to the hundredth, so that they can be held as integer hundredths
Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, allow_inf_nan=False)]


class Band(StrictModel):
    start: Points = Field(alias="from", description="the fewest points in the band")
    annual: Price = Field(description="the indicative budget a year for anyone in the band")


class Allocation(StrictModel):
    """The resource allocation system: points from assessed need, converted to money."""

    item_weights: Annotated[dict[HonosItem, Points], Field(min_length=1)]
    cluster_points: Annotated[dict[ClusterCode, Points], BeforeValidator(one_code_each)] | None = None
    price_per_point: Price | None = None
    bands: list[Band] | None = Field(default=None, validate_default=True)
    moderation: Percent = Field(description="how far either side of the indicative budget an agreed amount may be")
    excluded: When | None = None

    @field_validator("price_per_point")
    @classmethod
    def _budget_in_bounds(cls, per_point: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """The most points anyone can score, at the price a point, is a budget a ruleset states."""
        if per_point is None or "item_weights" not in info.data or "cluster_points" not in info.data:
            return per_point  # the weights are wrong themselves, and reported there
        most = sum(info.data["item_weights"].values(), Decimal(0)) * 4 + max((info.data["cluster_points"] or {}).values(),
                                                                             default=Decimal(0))
        if most * per_point > MAX_STATED:
            raise ValueError(f"at {per_point} a point, the most points a person can score ({most}) come to "
                             f"{format_money(most * per_point)} a year, beyond the {format_money(MAX_STATED)} a "
                             "budget a ruleset states may be")
        return per_point

    @field_validator("bands")
    @classmethod
    def _one_conversion(cls, bands: list[Band] | None, info: ValidationInfo) -> list[Band] | None:
        if "price_per_point" not in info.data:
            return bands  # price_per_point is wrong itself, and reported there
        per_point = info.data["price_per_point"]
        if (per_point is None) == (bands is None):
            raise ValueError("points are converted to money either by price_per_point: 150.00 or by bands: "
                             "[{from: 0, annual: 1000.00}, ...], not both" if bands else
                             "give price_per_point: 150.00 or bands: [{from: 0, annual: 1000.00}, ...] to "
                             "convert points to money")
        if bands is not None:
            _check_bands(bands)
        return bands


def _check_bands(bands: list[Band]) -> None:
    if not bands:
        raise ValueError("expected at least one band")
    if bands[0].start != 0:
        raise ValueError(f"the first band starts from {bands[0].start} points; start it from 0, so that everyone "
                         "falls in a band")
    starts = [b.start for b in bands]
    if any(a >= b for a, b in zip(starts, starts[1:])):
        raise ValueError("list the bands from the fewest points up, each starting above the one before")


class Unbundle(StrictModel):
    """What is taken out of the provider's cluster payment for the days a person holds a budget."""

    of: list[Identifier] = Field(alias="from", min_length=1)
    percent: Percent | None = None
    by: Literal["budget"] | None = Field(default=None, validate_default=True)

    @field_validator("by")
    @classmethod
    def _one_way(cls, by: str | None, info: ValidationInfo) -> str | None:
        if "percent" not in info.data:
            return by
        if (info.data["percent"] is None) == (by is None):
            raise ValueError("unbundle either a percentage of the cluster price (percent: 20%) or the budget "
                             "itself (by: budget)" + (", not both" if by else ""))
        return by


class Reclaim(StrictModel):
    threshold_days: Annotated[int, Field(ge=0, le=366)] = Field(
        description="days' worth of the agreed budget a person keeps; unspent money above it is reclaimed")


class Review(StrictModel):
    first_within_months: Annotated[int, Field(ge=1, le=24)] = 3
    then_every_months: Annotated[int, Field(ge=1, le=24)] = 12


class PhbArrangement(Arrangement):
    option: Literal["phb"]
    provider: Code  # the party budgets are paid through (e.g. a personal budgets account)
    commissioner: Code
    allocation: Allocation
    unbundle: Unbundle | None = None
    reclaim: Reclaim | None = None
    review: Review = Review()
