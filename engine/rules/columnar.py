"""History conditions as Polars operations: building ``History`` (each person's periods and
reviews as frames, described in ``history.py``) from the checked episodes, and the helpers a
kind's ``columnar`` method is written with: ``latest`` (an as-of join within a group) and
``running`` (a value carried forward along a key within a group).
"""

from __future__ import annotations

from collections.abc import Sequence
import polars as pl

from ..clusters import CLUSTERS
from .fields import EPOCH
from .history import SUPER_CLASSES, History

SUPER_CLASS_CODES = {code: SUPER_CLASSES[c.super_class] for code, c in CLUSTERS.items()}


def days(column: str) -> pl.Expr:
    return (pl.col(column) - pl.lit(EPOCH)).dt.total_days().cast(pl.Int64)


def history_of(ordered: pl.DataFrame, reviews: pl.DataFrame | None) -> History:
    """``ordered``: checked episodes sorted by ``patient_id, start_date, episode_id``, with
    ``until`` (the stop, closed at the horizon); ``reviews``: ``patient_id, review_date``, or None.
    A period starting after the horizon stops on its first day (``episode_facts`` alike): it is
    never "the previous period" of itself."""
    episodes = ordered.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), "episode_id", "patient_id", "provider",
        cluster=pl.col("cluster").cast(pl.Int64),
        sc=pl.col("cluster").cast(pl.Int64).replace_strict(SUPER_CLASS_CODES, return_dtype=pl.Int64),
        start=days("start_date"), stop=pl.max_horizontal(days("until"), days("start_date")),
    ).with_columns(seq=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("patient_id"))
    starts = episodes.select("patient_id", date="start")
    found = [starts]
    if reviews is not None and not reviews.is_empty():
        found.append(reviews.select("patient_id", date=days("review_date")))
    every = pl.concat(found).drop_nulls().unique().sort("patient_id", "date")
    return History(episodes, every)


def latest(left: pl.DataFrame, right: pl.DataFrame, *, by: str | Sequence[str], left_on: str, right_on: str,
           value: str, strict: bool) -> pl.Series:
    """For each row of ``left`` (which has ``row``), ``value`` of the last row of ``right`` in the
    same ``by`` group whose ``right_on`` is at most (``strict``: below) the row's ``left_on``, or
    null; in ``left``'s order. ``right`` holds one row per group and key (aggregate it first)."""
    by = [by] if isinstance(by, str) else list(by)
    if left.is_empty():
        return pl.Series(value, [], dtype=right.schema[value])
    keys = left.select("row", *by, pl.col(left_on).alias("_key")).sort("_key")
    found = keys.join_asof(right.select(*by, pl.col(right_on).alias("_key"), pl.col(value).alias("_value")).sort("_key"),
                           on="_key", by=by, strategy="backward", allow_exact_matches=not strict,
                           check_sortedness=False)
    return left.select("row").join(found.select("row", "_value"), on="row", how="left",
                                   maintain_order="left")["_value"].alias(value)


def running(frame: pl.DataFrame, by: str | Sequence[str], on: str, at: pl.Expr, carry: str) -> pl.DataFrame:
    """One row per ``by`` group and ``on`` key: ``value``, the aggregation ``at`` of the rows at
    that key, carried forward along the keys (``carry``: ``max``, the largest so far, or
    ``sum``, a running total). With ``latest``: "of the person's periods starting up to this
    day, the latest stop" is ``running(periods, "patient_id", "start", pl.col("stop").max(), "max")``."""
    by = [by] if isinstance(by, str) else list(by)
    at_key = frame.group_by(*by, on).agg(at.alias("value")).sort(*by, on)
    carried = pl.col("value").cum_max() if carry == "max" else pl.col("value").cum_sum()
    return at_key.with_columns(carried.over(by).alias("value"))


def marked(history: History, rows: pl.Series) -> pl.Series:
    """A kind's answer from the ``row`` numbers of the episodes that satisfy it."""
    return history.episodes["row"].is_in(rows.implode()).alias("match")
