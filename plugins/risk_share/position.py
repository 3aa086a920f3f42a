"""A risk share's arithmetic, in pence, as at one date over the year to date.

- difference = actual - baseline;
- corridor = the corridor percentage of the baseline, rounded half up to the penny;
- excess = max(0, difference - corridor); shortfall = max(0, -difference - corridor);
- adjustment to date = the excess at the excess rate, rounded half up, and no more than the cap
  (the most the commissioner pays over the year); or minus the shortfall at the shortfall rate,
  rounded half up, and no more than the collar (the most the provider refunds over the year);
  nil inside the corridor.

``working`` says it in words, with the numbers, for the statement and the line's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from localpay.plugin import format_money, percent_text, pounds_to_pence, round_half_up


@dataclass(frozen=True)
class Position:
    baseline: int
    actual: int
    corridor: int
    excess: int
    shortfall: int
    rate: Decimal | None  # the rate applied: excess or shortfall, None inside the corridor
    shared: int  # the excess or shortfall at the rate, before any cap or collar (signed)
    adjustment: int  # signed: positive paid by the commissioner, negative refunded by the provider
    limit: int | None  # the cap or collar, when it cut the adjustment (pence)

    @property
    def difference(self) -> int:
        return self.actual - self.baseline


def position(terms, baseline: int, actual: int) -> Position:
    """Where the risk share stands for a baseline and an actual to date."""
    difference = actual - baseline
    corridor = round_half_up(Decimal(baseline) * terms.corridor)
    excess, shortfall = max(0, difference - corridor), max(0, -difference - corridor)
    if excess:
        rate, shared, bound = terms.excess_rate, round_half_up(excess * terms.excess_rate), terms.cap
    elif shortfall:
        rate, shared, bound = terms.shortfall_rate, -round_half_up(shortfall * terms.shortfall_rate), terms.collar
    else:
        rate, shared, bound = None, 0, None
    limit = pounds_to_pence(bound) if bound is not None else None
    cut = limit is not None and abs(shared) > limit
    adjustment = (limit if shared > 0 else -limit) if cut and limit is not None else shared
    return Position(baseline, actual, corridor, excess, shortfall, rate, shared, adjustment, limit if cut else None)


def working(terms, p: Position, baseline_words: str) -> str:
    """e.g. "actual £10,010.00 is £1,010.00 above the block of £9,000.00; the corridor of 3% is
    £270.00; the excess £740.00 at 50% is £370.00"."""
    if p.difference == 0:
        parts = [f"actual {format_money(p.actual)} equals {baseline_words} of {format_money(p.baseline)}"]
    else:
        side = "above" if p.difference > 0 else "below"
        parts = [f"actual {format_money(p.actual)} is {format_money(abs(p.difference))} {side} {baseline_words} of "
                 f"{format_money(p.baseline)}"]
    parts.append(f"the corridor of {percent_text(terms.corridor)} is {format_money(p.corridor)}")
    if p.excess:
        assert p.rate is not None  # an excess is shared at its rate (position)
        capped = f", capped at {format_money(p.limit)}" if p.limit is not None else ""
        parts.append(f"the excess {format_money(p.excess)} at {percent_text(p.rate)} is {format_money(p.shared)}{capped}, "
                     "paid by the commissioner")
    elif p.shortfall:
        assert p.rate is not None  # so is a shortfall
        collared = f", limited by the collar to {format_money(p.limit)}" if p.limit is not None else ""
        parts.append(f"the shortfall {format_money(p.shortfall)} at {percent_text(p.rate)} is {format_money(-p.shared)}"
                     f"{collared}, refunded by the provider")
    else:
        parts.append("within it, no adjustment")
    return "; ".join(parts)
