"""A block's lines and workings, month by month: the month's instalment, and beside it the value
of the shadow tariff it is compared with, in the month and over the year to date."""

from __future__ import annotations

import polars as pl

from localpay.plugin import (Month, Priced, format_money, from_contract_start, instalments_of, lines_frame,
                             payment_line, to_date, value_by_month)

from .terms import BlockArrangement

BLOCK_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "instalment": pl.String, "block_amount": pl.Int64, "shadow_value": pl.Int64, "difference_value": pl.Int64,
    "block_to_date_amount": pl.Int64, "shadow_to_date_value": pl.Int64, "difference_to_date_value": pl.Int64,
    "compared": pl.String,
}


def settle(arrangement: BlockArrangement, context) -> Priced:
    ruleset = context.ruleset
    schedule = instalments_of(arrangement, ruleset)
    shadow = value_by_month(context.lines, arrangement.compare, arrangement.provider, arrangement.commissioner)
    months = [m for m in context.months if m in schedule]
    lines = [_line(arrangement, schedule, m) for m in months]
    rows = [_detail(arrangement, ruleset, schedule, shadow, m) for m in months]
    return Priced(lines_frame(lines),
                  details={"block": pl.DataFrame(rows, schema=BLOCK_DETAILS, orient="row")})


def _ordinal(schedule: dict[Month, int], month: Month) -> str:
    return f"{list(schedule).index(month) + 1} of {len(schedule)}"


def _line(arrangement, schedule: dict[Month, int], month: Month) -> dict[str, object]:
    note = (f"instalment {_ordinal(schedule, month)} of {format_money(sum(schedule.values()))} a year; "
            f"{format_money(_so_far(schedule, month))} to date")
    return payment_line(arrangement=arrangement, month=month, unit="month", pence=schedule[month], note=note)


def _so_far(schedule: dict[Month, int], month: Month) -> int:
    return sum(pence for m, pence in schedule.items() if m <= month)


def _detail(arrangement, ruleset, schedule, shadow: dict[str, int], month: Month) -> tuple:
    block, block_year = schedule[month], _so_far(schedule, month)
    compared = bool(arrangement.compare)
    value, value_year = (shadow.get(month.label, 0), to_date(shadow, ruleset, month)) if compared else (None, None)
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, _ordinal(schedule, month),
            block, value, value - block if compared else None, block_year, value_year,
            value_year - block_year if value_year is not None else None, ", ".join(arrangement.compare) or None)


def needs_from(arrangement: BlockArrangement, ruleset, first: Month) -> Month:
    """The shadow value to date sums the compared lines from the start of the contract."""
    return from_contract_start(arrangement, ruleset, first) if arrangement.compare else first
