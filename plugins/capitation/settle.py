"""Capitation's lines and workings, month by month: the month's population at the price per
person-month, or, with no population for the month, nothing paid and the month reported."""

from __future__ import annotations

import polars as pl

from localpay.plugin import (EXCEPTION_COLUMNS, Month, Priced, check_pence, contract_months, format_price, lines_frame,
                             payment_line, round_pence)

from .terms import UNIT, CapitationArrangement, monthly_micros, price_on, price_words

CAPITATION_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "population": pl.Int64, "price": pl.String, "price_from": pl.Date, "unit_price": pl.String,
    "capitation_amount": pl.Int64, "note": pl.String,
}


def settle(arrangement: CapitationArrangement, context) -> Priced:
    ruleset, counts = context.ruleset, _population(context, arrangement.commissioner)
    lines, rows, missing = [], [], []
    for month in (m for m in context.months if m in contract_months(ruleset)):
        since, price = price_on(arrangement, ruleset, month)
        unit, people = monthly_micros(arrangement, price), counts.get(month.label)
        words = price_words(arrangement, price)
        if people is None:
            note = f"no population for {arrangement.commissioner} in {month}: nothing is paid for the month"
            rows.append(_detail(arrangement, month, None, words, since, unit, None, note))
            missing.append(_exception(arrangement, month, note))
            continue
        twelfth = f" (a twelfth of {words})" if arrangement.per == "year" else ""
        note = f"{people:,} people in {month} at {format_price(unit)} a person-month{twelfth}"
        lines.append(payment_line(arrangement=arrangement, month=month, unit=UNIT, micros=unit, quantity=people,
                                  price_from=since, note=note))
        pence = check_pence(round_pence(people, unit), f"arrangement {arrangement.id!r}, {month}: {people:,} people at "
                            f"{format_price(unit)} a person-month")
        rows.append(_detail(arrangement, month, people, words, since, unit, pence, note))
    return Priced(lines_frame(lines),
                  pl.DataFrame(missing, schema=EXCEPTION_COLUMNS, orient="row"),
                  {"capitation": pl.DataFrame(rows, schema=CAPITATION_DETAILS, orient="row")})


def _population(context, commissioner: str) -> dict[str, int]:
    frame = context.pricing.tables.get("population") if context.pricing is not None else None
    if frame is None:
        return {}
    return dict(frame.filter(pl.col("commissioner") == commissioner).select("period", "population").iter_rows())


def _detail(arrangement, month: Month, people, words, since, unit: int, pence, note) -> tuple:
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, people, words, since,
            format_price(unit), pence, note)


def _exception(arrangement, month: Month, reason: str) -> tuple:
    return ("population", None, None, arrangement.provider, arrangement.commissioner, "period", month.label,
            "no_population", reason, "flagged")
