"""Exact money.

Unit prices are held as integer millionths of a pound ("micros") so that Polars can price a
million lines with integer arithmetic; amounts are integer pence. A line's amount is
quantity x unit price rounded to the penny, half up (away from zero on a tie), and totals are
sums of rounded lines. Decimal appears only at the edges: the ruleset and the documents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import cast

import polars as pl

PRICE_PLACES = 6
MICROS_PER_POUND = 10**PRICE_PLACES
MICROS_PER_PENNY = MICROS_PER_POUND // 100
PENNY = Decimal("0.01")


def to_micros(pounds: Decimal) -> int:
    """A price in pounds (at most six places) as integer micros."""
    scaled = pounds * MICROS_PER_POUND
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{pounds} has more than {PRICE_PLACES} decimal places")
    return int(scaled)


def micros_to_decimal(micros: int) -> Decimal:
    """Integer micros as a Decimal in pounds, with at least two places (3.1 -> 3.10)."""
    value = Decimal(micros).scaleb(-PRICE_PLACES).normalize()
    # a whole number of micros is finite, so its exponent is a number, not NaN's or infinity's letter
    return value.quantize(PENNY) if -cast(int, value.as_tuple().exponent) < 2 else value


def pence_to_decimal(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2).quantize(PENNY)


def round_pence(quantity: int, unit_micros: int) -> int:
    """quantity x unit price in pence, rounded half up: the rule for every payment line."""
    value = Decimal(quantity) * Decimal(unit_micros) / MICROS_PER_PENNY
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amount_expr(quantity: pl.Expr, unit_micros: pl.Expr) -> pl.Expr:
    """The vectorised twin of ``round_pence``: integer arithmetic only, half away from zero."""
    product = quantity.cast(pl.Int64) * unit_micros.cast(pl.Int64)
    magnitude = (product.abs() + MICROS_PER_PENNY // 2) // MICROS_PER_PENNY
    return pl.when(product < 0).then(-magnitude).otherwise(magnitude)


def pence_price_expr(pence: pl.Expr) -> pl.Expr:
    """A price given in pence as a unit price in micros, exactly (the schema's unit)."""
    return pence * MICROS_PER_PENNY


def share_price_expr(pence: pl.Expr, units: pl.Expr | int) -> pl.Expr:
    """The unit price, in micros rounded half up, that spreads ``pence`` (never negative) over
    ``units``: with fewer than 10,000 units (a day count, say), ``units`` x it rounds back to
    ``pence`` exactly, since the rounding moves the product by at most half a micro a unit and
    a penny is 10,000 micros."""
    return (2 * pence * MICROS_PER_PENNY + units) // (2 * units)


def pence_text_expr(pence: pl.Expr) -> pl.Expr:
    """Pence as a plain decimal string for CSV (-1234 -> "-12.34")."""
    magnitude = pence.abs()
    body = pl.concat_str(
        (magnitude // 100).cast(pl.String),
        pl.lit("."),
        (magnitude % 100).cast(pl.String).str.pad_start(2, "0"),
    )
    return pl.when(pence < 0).then(pl.lit("-") + body).otherwise(body)


def micros_text_expr(micros: pl.Expr) -> pl.Expr:
    """Micros as a decimal string with two to six places (3100000 -> "3.10", 3123400 -> "3.1234")."""
    magnitude = micros.abs()
    part = magnitude % MICROS_PER_POUND
    # the places the fraction needs, at least two: trailing zeros counted arithmetically
    places = pl.lit(PRICE_PLACES)
    for fewer in range(PRICE_PLACES - 1, 1, -1):
        places = pl.when(part % 10 ** (PRICE_PLACES - fewer) == 0).then(pl.lit(fewer)).otherwise(places)
    fraction = part.cast(pl.String).str.pad_start(PRICE_PLACES, "0").str.head(places)
    body = pl.concat_str((magnitude // MICROS_PER_POUND).cast(pl.String), pl.lit("."), fraction)
    return pl.when(micros < 0).then(pl.lit("-") + body).otherwise(body)


def format_money(value: int | Decimal) -> str:
    """£1,234.50 from integer pence or a Decimal in pounds. Floats are refused, never rounded."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"money must be integer pence or a Decimal, not {type(value).__name__}")
    pounds = pence_to_decimal(value) if isinstance(value, int) else value.quantize(PENNY, ROUND_HALF_UP)
    sign = "-" if pounds < 0 else ""
    return f"{sign}£{abs(pounds):,.2f}"


def format_price(micros: int) -> str:
    """A unit price with the places it carries: £3.10, £3.1234."""
    value = micros_to_decimal(micros)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    return f"{sign}£{int(whole):,}.{fraction}"


def round_half_up(pence: Decimal) -> int:
    """An exact amount in pence (a Decimal, perhaps fractional) rounded to the penny, half up."""
    return int(pence.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pounds_to_pence(pounds: Decimal) -> int:
    return round_half_up(Decimal(pounds) * 100)


def instalments(total_pence: int, count: int) -> list[int]:
    """``total_pence`` in ``count`` instalments that add up to it exactly: instalment k is the
    rounded cumulative share k/count less the rounded share before it (so £1,000.00 in 12 is
    83.33, 83.34, 83.33, ... and never leaves a penny over at the year end)."""
    cumulative = [round_half_up(Decimal(total_pence) * k / count) for k in range(count + 1)]
    return [after - before for before, after in zip(cumulative, cumulative[1:])]
