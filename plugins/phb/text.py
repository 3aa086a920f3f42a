"""Words and figures for the personal health budgets' lines, exceptions and workings, as Polars
expressions (one row per budget: the budgets file can be long) and as plain functions."""

from __future__ import annotations

import polars as pl

TYPE_WORDS = {"direct_payment": "direct payment", "third_party": "third-party budget", "notional": "notional budget"}
REGULATION = "NHS (Direct Payments) Regulations 2013, regulation 15"
DAY_UNITS = ("day", "bed day")  # cluster lines priced per day


def money_text(pence: pl.Expr) -> pl.Expr:
    """Integer pence as "£1,234.50" (negative "-£1,234.50"), like ``format_money``."""
    magnitude = pence.abs()
    # thousands separators: reverse, group in threes, reverse back
    whole = (magnitude // 100).cast(pl.String).str.reverse().str.replace_all(r"(\d{3})", "${1},").str.reverse()
    body = pl.concat_str(pl.lit("£"), whole.str.strip_chars_start(","), pl.lit("."),
                         (magnitude % 100).cast(pl.String).str.pad_start(2, "0"))
    return pl.when(pence < 0).then(pl.lit("-") + body).otherwise(body)


def points_text(hundredths: pl.Expr) -> pl.Expr:
    """Points held as integer hundredths, as written: 3400 -> "34", 3450 -> "34.5"."""
    fraction = (hundredths % 100).cast(pl.String).str.pad_start(2, "0").str.strip_chars_end("0")
    whole = (hundredths // 100).cast(pl.String)
    return pl.when(fraction == "").then(whole).otherwise(pl.concat_str(whole, pl.lit("."), fraction))


def date_text(day: pl.Expr) -> pl.Expr:
    return day.dt.to_string("%Y-%m-%d")


def type_words(column: str = "type") -> pl.Expr:
    return pl.col(column).replace_strict(TYPE_WORDS, default=pl.col(column))


def join_notes(*parts: pl.Expr) -> pl.Expr:
    """Notes joined with "; ", leaving out the empty ones; null when there are none."""
    text = pl.concat_str(list(parts), separator="; ", ignore_nulls=True)
    return pl.when(text == "").then(None).otherwise(text)
