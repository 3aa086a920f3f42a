"""A risk share's lines and workings, month by month.

At each settlement month (every third month of the contract and its last, or only its last) the
risk share is worked out over the contract year to date (``position``):

- **baseline**: around a block, the value of the block's lines to date (its instalments); around
  an activity plan, the plan's value to date: each cluster's planned units a year x the share of
  the financial year's days elapsed to the month's end x the cluster's opening price (its first
  dated price), summed exactly and rounded half up to the penny once;
- **actual**: the value of the ``actual`` arrangements' lines to date for the same parties
  (``value_by_month``: shadow, held and suspended lines at their value);
- the settlement line is the adjustment to date less the adjustment to date at the previous
  settlement in the year (what the earlier settlements paid, recomputed from the same lines,
  never remembered). No line when that is nil; the ``risk_share`` details show the working
  anyway. The last statement month, when it is not a settlement month, gets an ``indicative``
  row: where the risk share stands, paid nothing.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from localpay.plugin import (MICROS_PER_PENNY, Month, Priced, days_in_financial_year, format_money, lines_frame,
                             payment_line, percent_text, settlement_months, to_date, to_micros, value_by_month)

from .position import Position, position, working

RISK_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "kind": pl.String, "as_of": pl.Date, "baseline_value": pl.Int64, "actual_value": pl.Int64,
    "difference_value": pl.Int64, "corridor_amount": pl.Int64, "excess_amount": pl.Int64,
    "shortfall_amount": pl.Int64, "rate": pl.String, "adjustment_to_date_amount": pl.Int64,
    "earlier_amount": pl.Int64, "settlement_amount": pl.Int64, "working": pl.String,
}


def settle(arrangement, context) -> Priced:
    """The settlement lines of the statement months, and the ``risk_share`` details."""
    ruleset = context.ruleset
    parties = (arrangement.provider, arrangement.commissioner)
    actual = value_by_month(context.lines, arrangement.actual, *parties)
    block = value_by_month(context.lines, [arrangement.around.block], *parties) if arrangement.around.block else None
    settles = [m for m in settlement_months(ruleset, arrangement.settlement) if m <= context.months[-1]]

    def at(month: Month) -> Position:
        baseline = to_date(block, ruleset, month) if block is not None else plan_value(arrangement, ruleset, month)
        return position(arrangement, baseline, to_date(actual, ruleset, month))

    lines, rows, earlier = [], [], 0
    for month in settles:
        p = at(month)
        if month in context.months:
            rows.append(_detail(arrangement, month, "settlement", p, earlier))
            if p.adjustment != earlier:
                lines.append(_line(arrangement, ruleset, month, p, earlier))
        earlier = p.adjustment
    last = context.months[-1]
    if last not in settles:
        rows.append(_detail(arrangement, last, "indicative", at(last), earlier))
    return Priced(lines_frame(lines), details={"risk_share": pl.DataFrame(rows, schema=RISK_DETAILS, orient="row")})


def plan_value(arrangement, ruleset, month: Month) -> int:
    """The activity plan's value to the end of ``month``, rounded once (pence)."""
    plan = ruleset.arrangement(arrangement.around.plan)
    schedule = plan.price_schedule()
    micros_a_year = sum(units * to_micros(schedule[code][0][1]) for code, units in plan.activity_plan.items())
    start = ruleset.period.start
    elapsed = (min(month.stop, ruleset.period.end + dt.timedelta(days=1)) - start).days
    numerator, denominator = micros_a_year * elapsed, days_in_financial_year(month) * MICROS_PER_PENNY
    return (2 * numerator + denominator) // (2 * denominator)  # half up: the value is never negative


def baseline_words(arrangement) -> str:
    return "the block" if arrangement.around.block else "the plan"


def _line(arrangement, ruleset, month: Month, p: Position, earlier: int) -> dict[str, object]:
    pence = p.adjustment - earlier
    less = f"; less {format_money(earlier)} settled earlier in the year" if earlier else ""
    note = f"risk share {ruleset.period.start:%Y-%m} to {month}: {working(arrangement, p, baseline_words(arrangement))}{less}"
    against = f" against {format_money(earlier)} settled earlier in the year" if earlier else ""
    reason = (f"paid back by the provider: the risk share to date is {format_money(p.adjustment)}{against}"
              if pence < 0 else None)
    return payment_line(arrangement=arrangement, month=month, unit="settlement", pence=pence, reason=reason, note=note,
                        start=ruleset.period.start)


def _detail(arrangement, month: Month, kind: str, p: Position, earlier: int) -> tuple:
    settling = kind == "settlement"
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, kind, month.last_day,
            p.baseline, p.actual, p.difference, p.corridor, p.excess, p.shortfall,
            percent_text(p.rate) if p.rate is not None else None, p.adjustment, earlier,
            p.adjustment - earlier if settling else None, working(arrangement, p, baseline_words(arrangement)))
