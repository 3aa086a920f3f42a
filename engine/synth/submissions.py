"""One synthetic extract as the monthly submissions a trust would have sent, with a refresh.

``submissions(episodes, months)`` gives, for each month, the episodes as a submission made at
the end of that month holds them, the year to date: the rows that start on or before the
month's last day, with an end date after that day blanked (the episode was still open then).
A row whose start date cannot be read is in every submission, as sent (the checks except it).

Then each later submission revises the earlier months, as an MHSDS refresh does. For a seeded
small share (``share`` of the rows that qualify, at least one of each kind while any do):

- **late**: a row that starts in a month before the last is absent from that month's
  submission (and the earlier ones) and arrives in the next;
- **withdrawn**: a row present in the submission before is absent from this one and every later;
- **discharge**: the end date is back-dated to a day inside an earlier month;
- **cluster**: a cluster change recorded late: the row ends on a day inside an earlier month and
  a new row (``episode_id`` + ``-R``) for the same person, provider and service, in another
  cluster, starts that day and runs to the row's own end.

A change made in one submission holds in every later one. Same frame, months and seed, same
submissions; every column stays text (dates written ``YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ..inputs.read import date_expr
from ..periods import Month

SUFFIX = "-R"  # the new row of a cluster change recorded late
KINDS = ("withdrawn", "discharge", "cluster")  # the changes a later submission makes to a row it held
CHANGES = {"_row": pl.UInt32, "kind": pl.String, "since": pl.Int64, "day": pl.Date, "new_cluster": pl.String}


def submissions(episodes: pl.DataFrame, months: list[Month], seed: int = 2025,
                share: float = 0.02) -> dict[Month, pl.DataFrame]:
    """Each month's submission of ``episodes`` (text columns, as ``pl.read_csv(path,
    infer_schema=False)`` reads them), in the order of ``months``."""
    months = sorted(months)
    dated = _dated(episodes)
    changes = _changes(dated, months, np.random.default_rng(seed), share)
    return {month: _submitted(dated, changes, months, i).select(episodes.columns) for i, month in enumerate(months)}


def _dated(episodes: pl.DataFrame) -> pl.DataFrame:
    dated = episodes.with_row_index("_row").with_columns(_start=date_expr("start_date"), _end=date_expr("end_date"))
    return dated.with_columns(_usable=_usable())


def _changes(dated: pl.DataFrame, months: list[Month], rng: np.random.Generator, share: float) -> pl.DataFrame:
    """The refresh, one row per changed episode row: its kind, the index of the first
    submission that shows it, and the day (and cluster) it now ends on."""
    chosen = [_late(dated, months, i, rng, share) for i in range(len(months) - 1)]
    taken = _rows(chosen)
    for k in range(1, len(months)):
        for kind in KINDS:
            picked = _revised(dated.filter(~pl.col("_row").is_in(taken.implode())), months, k, kind, rng, share)
            chosen.append(picked)
            taken = pl.concat([taken, picked["_row"]])
    return pl.concat([pl.DataFrame(schema=CHANGES), *chosen], how="diagonal_relaxed").select(list(CHANGES))


def _rows(frames: list[pl.DataFrame]) -> pl.Series:
    return pl.concat([pl.Series("_row", [], pl.UInt32), *(f["_row"] for f in frames)])


def _usable() -> pl.Expr:
    """Rows a change can be told on: readable dates in order, a person, an episode id of its own."""
    unique = pl.col("episode_id").is_not_null() & (pl.col("episode_id").len().over("episode_id") == 1)
    ordered = pl.col("_end").is_null() | (pl.col("_end") >= pl.col("_start"))
    open_or_read = pl.col("end_date").is_null() | pl.col("_end").is_not_null()
    return pl.col("_start").is_not_null() & pl.col("patient_id").is_not_null() & unique & ordered & open_or_read


def _pick(frame: pl.DataFrame, rng: np.random.Generator, share: float) -> pl.DataFrame:
    """A seeded ``share`` of the rows, at least one while there are any."""
    if frame.is_empty():
        return frame
    count = min(frame.height, max(1, round(frame.height * share)))
    return frame[np.sort(rng.choice(frame.height, size=count, replace=False)).tolist()]


def _late(dated: pl.DataFrame, months: list[Month], i: int, rng: np.random.Generator, share: float) -> pl.DataFrame:
    """Rows starting in ``months[i]`` that first arrive in the next month's submission."""
    month = months[i]
    starting = dated.filter(pl.col("_usable"), pl.col("_start").is_between(month.start, month.last_day))
    return _pick(starting, rng, share).select("_row", kind=pl.lit("late"), since=pl.lit(i + 1))


def _revised(dated: pl.DataFrame, months: list[Month], k: int, kind: str, rng: np.random.Generator,
             share: float) -> pl.DataFrame:
    """Rows submission ``k - 1`` held and submission ``k`` changes in the way ``kind`` says."""
    before = months[k - 1]
    held = dated.filter(pl.col("_usable"), pl.col("_start") <= before.last_day,
                                 pl.col("_end").is_null() | (pl.col("_end") >= months[0].start))
    if kind == "withdrawn":
        return _pick(held, rng, share).select("_row", kind=pl.lit(kind), since=pl.lit(k))
    # a day inside an earlier month, after the start and before the end as now known
    low = pl.max_horizontal(pl.col("_start") + pl.duration(days=1), pl.lit(months[0].start))
    high = pl.min_horizontal(pl.col("_end") - pl.duration(days=1), pl.lit(before.last_day))
    spans = held.with_columns(_low=low, _high=high).filter(pl.col("_low") <= pl.col("_high"))
    if kind == "cluster":
        spans = _with_new_cluster(spans, dated.filter(pl.col("_usable")), rng)
    picked = _pick(spans, rng, share)
    offsets = (rng.random(picked.height) * ((picked["_high"] - picked["_low"]).dt.total_days() + 1).to_numpy())
    picked = picked.with_columns(day=pl.col("_low") + pl.duration(days=pl.lit(pl.Series(offsets.astype(np.int64)))))
    return picked.select("_row", "day", *(["new_cluster"] if kind == "cluster" else []),
                         kind=pl.lit(kind), since=pl.lit(k))


def _with_new_cluster(spans: pl.DataFrame, usable: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Each row with another cluster that its provider's service takes (a seeded draw from the
    clusters of that provider and service, by number); rows with none left out."""
    number = pl.col("cluster").cast(pl.Int16, strict=False)
    offered = (usable.filter(number.is_not_null()).group_by("provider", "service")
               .agg(_offered=number.unique().sort()))
    joined = spans.join(offered, on=["provider", "service"], how="left").with_columns(
        _others=pl.col("_offered").list.set_difference(pl.concat_list(number)))
    joined = joined.filter(pl.col("_others").list.len() > 0)
    draws = pl.Series(rng.random(joined.height))
    index = (draws * pl.col("_others").list.len()).cast(pl.Int64)
    return joined.with_columns(new_cluster=pl.col("_others").list.get(index).cast(pl.String)).drop(
        "_offered", "_others")


def _submitted(dated: pl.DataFrame, changes: pl.DataFrame, months: list[Month], i: int) -> pl.DataFrame:
    """Submission ``i``: the changes it shows made, then the rows it could hold, ends blanked."""
    shown = changes.filter(pl.when(pl.col("kind") == "late").then(pl.col("since") > i)
                           .otherwise(pl.col("since") <= i))
    frame = dated.join(shown, on="_row", how="left")
    frame = frame.filter(pl.col("kind").is_null() | ~pl.col("kind").is_in(["late", "withdrawn"]))
    frame = pl.concat([_cut_short(frame), _new_rows(frame)])
    return _as_of(frame.sort("_row", "episode_id"), months[i].last_day)


def _cut_short(frame: pl.DataFrame) -> pl.DataFrame:
    ends = pl.col("kind").is_in(["discharge", "cluster"])
    return frame.with_columns(end_date=pl.when(ends).then(pl.col("day").dt.to_string("%Y-%m-%d"))
                              .otherwise("end_date"),
                              _end=pl.when(ends).then(pl.col("day")).otherwise("_end"))


def _new_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The new period of each cluster change recorded late: from the day to the row's own end."""
    moved = frame.filter(pl.col("kind") == "cluster")
    return moved.with_columns(episode_id=pl.col("episode_id") + SUFFIX, cluster=pl.col("new_cluster"),
                              start_date=pl.col("day").dt.to_string("%Y-%m-%d"), _start=pl.col("day"))


def _as_of(frame: pl.DataFrame, last_day: dt.date) -> pl.DataFrame:
    """The rows a submission made on ``last_day`` holds: started by then (or with a start date
    that cannot be read), and still open then when they end later."""
    frame = frame.filter(pl.col("_start").is_null() | (pl.col("_start") <= last_day))
    return frame.with_columns(end_date=pl.when(pl.col("_end") > last_day).then(pl.lit(None, pl.String))
                              .otherwise("end_date"))
