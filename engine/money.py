"""Exact money.

Unit prices are held as integer millionths of a pound ("micros") so that Polars can price a
million lines with integer arithmetic; amounts are integer pence. A line's amount is
quantity x unit price rounded to the penny, half up (away from zero on a tie), and totals are
sums of rounded lines. Decimal appears only at the edges: the ruleset and the documents.
"""

from __future__ import annotations

import decimal
from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

import polars as pl

from .errors import MoneyError

PRICE_PLACES = 6
MICROS_PER_POUND = 10**PRICE_PLACES
MICROS_PER_PENNY = MICROS_PER_POUND // 100
PENNY = Decimal("0.01")

# The bounds money is computed within, so that no figure can overflow the 64-bit integers it is
# held in (2^63 micros is about £9.2 trillion) into a wrong one. No mental health contract states
# a price, a budget or an annual value of more than a billion pounds, and a run's lines together
# (every month, every arrangement) stay far below a trillion: the whole NHS spends well under that
# in a year. Every sum of lines is then at most MAX_AMOUNT, which is 10^18 micros, below 2^63.
MAX_STATED = Decimal("1000000000")  # pounds: any sum of money a ruleset or a budgets file states
MAX_QUANTITY = 1_000_000_000  # units a ruleset plans (an activity plan's days, episodes)
MAX_AMOUNT_PENCE = 100_000_000_000_000  # £1,000,000,000,000.00: any figure a run computes
MAX_UNIT_MICROS = MAX_AMOUNT_PENCE * MICROS_PER_PENNY  # a unit price, once local rules have moved it


def stated_money(value: Decimal) -> Decimal:
    """A sum of money as a ruleset states it, refused beyond ``MAX_STATED`` (a pydantic validator:
    its ValueError becomes the ruleset's error, with file, line and key)."""
    if value > MAX_STATED:
        raise ValueError(f"a sum of money in a ruleset is at most {format_money(MAX_STATED)}; found {value}")
    return value


def check_pence(pence: int, what: str) -> int:
    """``pence``, or a ``MoneyError`` naming ``what`` if it is beyond the bounds of a run's money."""
    if abs(pence) > MAX_AMOUNT_PENCE:
        raise MoneyError(out_of_range(what, format_money(pence)))
    return pence


def out_of_range(what: str, found: str) -> str:
    return (f"{what} comes to {found}, beyond the {format_money(MAX_AMOUNT_PENCE)} any figure of a run may reach; "
            "nothing was written (is a price or a quantity mistyped?)")


def to_micros(pounds: Decimal) -> int:
    """A price in pounds (at most six places) as integer micros."""
    scaled = pounds * MICROS_PER_POUND
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{pounds} has more than {PRICE_PLACES} decimal places")
    return int(scaled)


def micros_to_decimal(micros: int) -> Decimal:
    """Integer micros as a Decimal in pounds, with at least two places (3.1 -> 3.10)."""
    with _digits_for(micros):
        value = Decimal(micros).scaleb(-PRICE_PLACES).normalize()
        # a whole number of micros is finite, so its exponent is a number, not NaN's or infinity's letter
        return value.quantize(PENNY) if -cast(int, value.as_tuple().exponent) < 2 else value


def pence_to_decimal(pence: int) -> Decimal:
    with _digits_for(pence):
        return Decimal(pence).scaleb(-2).quantize(PENNY)


def _digits_for(number: int | Decimal) -> AbstractContextManager[decimal.Context]:
    """A Decimal context exact for ``number`` and a few places more: the default keeps 28 digits,
    and a figure past them (one named in an error, say) would be rounded or refused."""
    digits = len(str(abs(int(number))))
    return decimal.localcontext(prec=max(decimal.getcontext().prec, digits + PRICE_PLACES + 2))


def round_pence(quantity: int, unit_micros: int) -> int:
    """quantity x unit price in pence, rounded half up (away from zero on a tie): the rule for every
    payment line. In Python's integers, exact however large (a Decimal keeps only 28 digits)."""
    product = quantity * unit_micros
    magnitude = (abs(product) + MICROS_PER_PENNY // 2) // MICROS_PER_PENNY
    return -magnitude if product < 0 else magnitude


def amount_expr(quantity: pl.Expr, unit_micros: pl.Expr) -> pl.Expr:
    """The vectorised twin of ``round_pence``: integer arithmetic only, half away from zero.

    A 64-bit integer: an amount that does not fit is an error when the query runs, never a
    wrapped figure (the product is taken in 128 bits, where it cannot overflow)."""
    return wide_amount_expr(quantity, unit_micros).cast(pl.Int64, strict=True)


def wide_amount_expr(quantity: pl.Expr, unit_micros: pl.Expr) -> pl.Expr:
    """``amount_expr`` as a 128-bit integer, for ``checked_amounts`` to bound before it is stored
    in 64 bits: the product of two 64-bit integers cannot overflow 128."""
    product = quantity.cast(pl.Int64).cast(pl.Int128) * unit_micros.cast(pl.Int64).cast(pl.Int128)
    magnitude = (product.abs() + MICROS_PER_PENNY // 2) // MICROS_PER_PENNY
    return pl.when(product < 0).then(pl.lit(0, pl.Int128) - magnitude).otherwise(magnitude)  # i128 has no negation


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
    with _digits_for(value if isinstance(value, int) or value.is_finite() else 0):
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


def checked_amounts(frame: pl.DataFrame, who: str) -> pl.DataFrame:
    """``frame`` with its ``value`` (pence, any integer type) as 64-bit integers, once each line
    is known to be within ``MAX_AMOUNT_PENCE`` and so is their sum; else a ``MoneyError`` naming
    ``who`` and the first line beyond it."""
    money_total(frame, who)
    return frame.with_columns(pl.col("value").cast(pl.Int64))


def money_total(frame: pl.DataFrame, who: str) -> int:
    """The sum of the lines' values, each taken positive: a ``MoneyError`` naming ``who`` (and the
    first line beyond the bound) if a line or the sum passes ``MAX_AMOUNT_PENCE``. Summed in 128
    bits, so the check itself cannot wrap; any sum of these lines then fits in 64."""
    wide = pl.col("value").cast(pl.Int128).abs()
    biggest, total = frame.select(wide.max().alias("_biggest"), wide.sum().alias("_total")).row(0)
    if biggest is not None and biggest > MAX_AMOUNT_PENCE:
        row = frame.filter(wide > MAX_AMOUNT_PENCE).row(0, named=True)
        raise MoneyError(out_of_range(f"{who}: a line{_line_words(row)}", format_money(int(row["value"]))))
    total = int(total or 0)
    if total > MAX_AMOUNT_PENCE:
        raise MoneyError(out_of_range(f"{who}: the sum of {frame.height:,} lines", format_money(total)))
    return total


def _line_words(row: dict) -> str:
    """Where a line is and what it multiplies: (arrangement a, episode E1, 2025-06: 30 x £3.10)."""
    where = [f"arrangement {row['arrangement']}" if row.get("arrangement") is not None else "",
             f"episode {row['episode_id']}" if row.get("episode_id") is not None else "", row.get("period") or ""]
    text = ", ".join(part for part in where if part)
    if row.get("quantity") is not None and row.get("unit_price") is not None:
        text += f": {row['quantity']:,} x {format_price(int(row['unit_price']))}"
    return f" ({text})" if text else ""
