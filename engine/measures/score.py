"""Scoring a measure: the rate an indicator counted, turned into the share of the measure's
money earned.

- ``linear``: nothing below the floor, all at or above the target, in proportion between;
- ``all_or_nothing``: all at or above the target, nothing below;
- ``bands``: the share of the highest band the rate reaches.

Below the ``minimum_denominator``, or the ``completeness`` gate (the share of the people in
scope that the denominator covers), a measure is *withheld pending data*: not scored, and
not scored zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..ruleset.types import percent_text
from .indicators import Count
from .model import Measure

ONE = Decimal(1)


@dataclass(frozen=True)
class Score:
    measure: Measure
    count: Count
    rate: Decimal | None  # numerator / denominator, exact; None when the denominator is 0
    completeness: Decimal | None  # denominator / people in scope
    achievement: Decimal | None  # the share of the measure's money earned; None when withheld
    withheld: str | None = None  # why the measure is withheld pending data ("the denominator is 0, ...")

    @property
    def scored(self) -> bool:
        return self.withheld is None


def score(measure: Measure, count: Count) -> Score:
    rate = Decimal(count.numerator) / Decimal(count.denominator) if count.denominator else None
    completeness = Decimal(count.denominator) / Decimal(count.in_scope) if count.in_scope else None
    withheld = _gate(measure, count, completeness)
    if withheld is not None:
        return Score(measure, count, rate, completeness, None, withheld)
    assert rate is not None  # the gate withholds a measure whose denominator is 0
    return Score(measure, count, rate, completeness, achievement(measure, rate))


def _gate(measure: Measure, count: Count, completeness: Decimal | None) -> str | None:
    note = f" ({count.note})" if count.note else ""
    if count.denominator < max(measure.minimum_denominator, 1):
        return f"the denominator is {count.denominator}, below the minimum of {max(measure.minimum_denominator, 1)}{note}"
    if measure.completeness is not None and (completeness is None or completeness < measure.completeness):
        found = "no people in scope" if completeness is None else (
            f"{_pct(completeness)} ({count.denominator} of {count.in_scope} people in scope)")
        return f"completeness is {found}, below the gate of {percent_text(measure.completeness)}"
    return None


def achievement(measure: Measure, rate: Decimal) -> Decimal:
    # the model's validator requires, for each scale, the thresholds it reads
    if measure.scale == "bands":
        assert measure.bands is not None
        reached = [band.pays for band in measure.bands if rate >= band.at]
        return reached[-1] if reached else Decimal(0)
    assert measure.target is not None
    if rate >= measure.target:
        return ONE
    if measure.scale == "all_or_nothing":
        return Decimal(0)
    assert measure.floor is not None
    if rate <= measure.floor:
        return Decimal(0)
    return (rate - measure.floor) / (measure.target - measure.floor)


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.1'))}%"


def shown(fraction: Decimal | None) -> str:
    """A rate or achievement as a statement shows it, to one decimal place of a percent."""
    return "" if fraction is None else _pct(fraction)
