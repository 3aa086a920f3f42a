"""A measure as a ruleset writes it: an indicator, its scope, and how achievement is scored.

```yaml
- id: wellbeing
  indicator: wemwbs_improved
  parameters: {points: 3}
  scope: {service: [one_of: ...]}       # the rule language; the episode's own fields
  weight: 40%
  floor: 50%
  target: 70%
  scale: linear                         # or all_or_nothing, or bands (with bands:)
  minimum_denominator: 20               # below it the measure is withheld pending data
  completeness: 60%                     # ... and below this share of the people in scope
```
The indicator and its parameters are checked against the installed indicators when the ruleset
loads (``localpay.measures.resolve``), like a rule's operators.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, NonNegativeInt, PrivateAttr, model_validator

from ..ruleset.types import Identifier, Percent, StrictModel, percent_text
from ..rules.scoped import When


class Band(StrictModel):
    at: Percent = Field(description="the rate from which this band applies")
    pays: Percent = Field(description="the share of the measure's money it pays")


class Measure(StrictModel):
    id: Identifier
    title: str | None = None
    indicator: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    scope: When | None = None
    weight: Percent
    floor: Percent | None = None
    target: Percent | None = None
    scale: Literal["linear", "bands", "all_or_nothing"] = "linear"
    bands: list[Band] | None = None
    minimum_denominator: NonNegativeInt = 1
    completeness: Percent | None = None
    # set when the ruleset loads: the indicator and its validated parameters
    _indicator: Any = PrivateAttr(default=None)
    _parameters: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _scale_is_complete(self) -> "Measure":
        if self.scale == "linear":
            if self.floor is None or self.target is None:
                raise ValueError("a linear scale needs a floor and a target")
            if self.floor >= self.target:
                raise ValueError(f"the floor ({percent_text(self.floor)}) must be below the target "
                                 f"({percent_text(self.target)}); for one threshold use scale: all_or_nothing")
        elif self.scale == "all_or_nothing":
            if self.target is None:
                raise ValueError("scale all_or_nothing needs a target")
            if self.floor is not None:
                raise ValueError("scale all_or_nothing pays in full at the target and nothing below it; "
                                 "a floor has no effect there, so remove it")
        if self.scale == "bands":
            _check_bands(self)
        elif self.bands is not None:
            raise ValueError(f"bands are only read with scale: bands (this measure's scale is {self.scale})")
        return self

    @property
    def label(self) -> str:
        return self.title or self.id

    @property
    def indicator_impl(self):
        return self._indicator

    @property
    def indicator_parameters(self):
        return self._parameters

    @property
    def thresholds(self) -> tuple[Decimal | None, Decimal | None]:
        """(floor, target) as shown on statements; for bands, the first band and the first band
        that pays in full."""
        if self.scale != "bands":
            return self.floor, self.target
        assert self.bands is not None  # the scale requires them
        full = next((b.at for b in self.bands if b.pays == 1), None)
        return self.bands[0].at, full


def _check_bands(measure: Measure) -> None:
    if not measure.bands:
        raise ValueError("scale: bands needs bands, e.g. [{at: 50%, pays: 25%}, {at: 70%, pays: 100%}]")
    if measure.floor is not None or measure.target is not None:
        raise ValueError("with scale: bands, the bands set the thresholds; remove floor and target")
    for before, after in zip(measure.bands, measure.bands[1:]):
        if after.at <= before.at:
            raise ValueError(f"bands must rise: {percent_text(after.at)} comes after {percent_text(before.at)}")
        if after.pays < before.pays:
            raise ValueError(f"a higher band cannot pay less: {percent_text(after.pays)} at {percent_text(after.at)} "
                             f"after {percent_text(before.pays)}")


def weights_add_up(measures: list[Measure]) -> list[Measure]:
    """A validator for a list of measures (an option's measures, goals or KPIs): at least one,
    each id once, and weights adding up to 100%."""
    if not measures:
        raise ValueError("expected at least one measure")
    seen: set[str] = set()
    for measure in measures:
        if measure.id in seen:
            raise ValueError(f"the id {measure.id!r} is used by two measures")
        seen.add(measure.id)
    total = sum((m.weight for m in measures), Decimal(0))
    if total != 1:
        weights = " + ".join(percent_text(m.weight) for m in measures)
        raise ValueError(f"the weights add up to {percent_text(total)} ({weights}), not 100%")
    return measures


# The measures of one option (outcomes' measures, CQUIN's goals): weights add to 100%.
Measures = Annotated[list[Measure], AfterValidator(weights_add_up)]
