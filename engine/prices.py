"""Dated price tables as intervals, so a million pieces of days can be priced with one join.

A table covers all time for every key: before a key's first effective date (or for a key with
no price at all) the interval carries a null price, so a join never drops days silently; the
caller reports unpriced days as exceptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from .money import to_micros

BEGINNING = dt.date(1900, 1, 1)
END = dt.date(2200, 1, 1)


def price_table(schedule: Mapping[Any, list[tuple[dt.date, Decimal]]], keys: Iterable[object], key_dtype) -> pl.DataFrame:
    """``schedule``: key -> [(effective from, price in pounds)], sorted. Columns: price_key,
    price_from (null where unpriced), price_start, price_stop, unit_price (micros or null)."""
    rows = []
    for key in keys:
        changes = schedule.get(key, [])
        starts = [BEGINNING] + [day for day, _ in changes]
        stops = [day for day, _ in changes] + [END]
        values: list[int | None] = [None] + [to_micros(price) for _, price in changes]
        froms = [None] + [day for day, _ in changes]
        rows += [(key, f, a, b, v) for f, a, b, v in zip(froms, starts, stops, values) if a < b]
    return pl.DataFrame(
        rows, orient="row",
        schema={"price_key": key_dtype, "price_from": pl.Date, "price_start": pl.Date, "price_stop": pl.Date,
                "unit_price": pl.Int64},
    )


def price_days(pieces: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """Split runs of days (``from_date``, ``stop``, ``price_key``) at every price change."""
    joined = pieces.join(table, on="price_key").filter(
        (pl.col("price_start") < pl.col("stop")) & (pl.col("price_stop") > pl.col("from_date"))
    )
    return joined.with_columns(
        from_date=pl.max_horizontal("from_date", "price_start"),
        stop=pl.min_horizontal("stop", "price_stop"),
    ).drop("price_start", "price_stop")


def price_points(events: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """The price in effect on each event's ``from_date``."""
    return events.join(table, on="price_key").filter(
        (pl.col("price_start") <= pl.col("from_date")) & (pl.col("price_stop") > pl.col("from_date"))
    ).drop("price_start", "price_stop")


def split_months(pieces: pl.DataFrame) -> pl.DataFrame:
    """Split runs of days (``from_date``, ``stop``) at month ends; adds ``month_start`` and
    ``month_stop`` of the month each part falls in."""
    index = lambda day: day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1  # noqa: E731
    last = pl.col("stop") - pl.duration(days=1)
    exploded = pieces.with_columns(_m=pl.int_ranges(index(pl.col("from_date")), index(last) + 1)).explode("_m")
    month_start = pl.date(pl.col("_m") // 12, pl.col("_m") % 12 + 1, 1)
    month_stop = pl.date((pl.col("_m") + 1) // 12, (pl.col("_m") + 1) % 12 + 1, 1)
    return exploded.with_columns(month_start=month_start, month_stop=month_stop).with_columns(
        from_date=pl.max_horizontal("from_date", "month_start"),
        stop=pl.min_horizontal("stop", "month_stop"),
    ).drop("_m")


def month_label(day: pl.Expr) -> pl.Expr:
    return day.dt.to_string("%Y-%m")
