"""History conditions as Polars operations: building ``History`` (each person's periods and
reviews as frames, described in ``history.py``) from the checked episodes, and the helpers a
kind's ``columnar`` method is written with: ``latest`` (an as-of join within a group) and
``running`` (a value carried forward along a key within a group).
"""

from __future__ import annotations

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
        # people numbered in their sorted order, providers by their codes' order: integer keys
        person=(pl.col("patient_id") != pl.col("patient_id").shift(1)).fill_null(True).cum_sum().cast(pl.Int64),
    )
    providers = episodes["provider"].unique().sort()
    episodes = episodes.with_columns(
        # place among the person's episodes: the rows are sorted by person, so count from the
        # row where the person's run begins
        seq=pl.col("row").cast(pl.Int64) - pl.when(pl.col("person") != pl.col("person").shift(1).fill_null(0))
        .then(pl.col("row").cast(pl.Int64)).forward_fill() + 1,
        # ordered as (person, provider) are: the provider's place among the codes, within the person
        person_provider=pl.col("person") * (providers.len() + 1) + pl.col("provider").replace_strict(
            providers, pl.int_range(providers.len(), eager=True), return_dtype=pl.Int64),
    )
    # the first row of each person (people are in runs); both sides sorted by patient id
    people = episodes.filter(pl.col("seq") == 1).select(pl.col("patient_id").set_sorted(), "person")
    found = [episodes.lazy().select("person", date="start")]
    if reviews is not None and not reviews.is_empty():
        mine = reviews.lazy().select("patient_id", "review_date")
        if reviews["patient_id"].is_sorted():
            mine = mine.with_columns(pl.col("patient_id").set_sorted())
        found.append(mine.join(people.lazy(), on="patient_id").select("person", date=days("review_date")))
    # a review twice is harmless to an as-of join (the same date either way): no need to drop it
    every = pl.concat(found).drop_nulls().sort("person", "date").collect()
    return History(episodes, every)


DAY_BITS = 22  # days from 1970 offset by 2^21 fit in 22 bits: a key's group and day in one Int64
GROUP_BITS = 40


def latest(left: pl.DataFrame, right: pl.DataFrame, *, by: str, left_on: str, right_on: str,
           value: str, strict: bool) -> pl.Series:
    """For each row of ``left`` (which has ``row``), ``value`` of the last row of ``right`` in the
    same ``by`` group (an integer column in both, non-negative) whose ``right_on`` (a day
    number) is at most (``strict``: below) the row's ``left_on``, or null; in ``left``'s order.
    One as-of join on a single key of group and day: linear after the sort."""
    if left.is_empty():
        return pl.Series(value, [], dtype=right.schema[value])
    for frame in (left, right):
        groups = frame[by]
        if not groups.dtype.is_integer() or (groups.len() and not groups.is_between(0, (1 << GROUP_BITS) - 1).all()):
            raise ValueError(f"latest: the group column {by!r} must hold integers from 0 to 2^{GROUP_BITS}")

    def key(day: str, shift: int) -> pl.Expr:
        return pl.col(by).cast(pl.Int64) * (1 << DAY_BITS) + pl.col(day).cast(pl.Int64) + ((1 << (DAY_BITS - 1)) - shift)

    # strictly below a day is at most the day before it: days are whole numbers
    keys = _by_key(left.select("row", pl.col(by).cast(pl.Int64).alias("_group"),
                                key(left_on, 1 if strict else 0).alias("_key")))
    found = keys.join_asof(
        _by_key(right.select(pl.col(by).cast(pl.Int64).alias("_found"), key(right_on, 0).alias("_key"),
                             pl.col(value).alias("_value"))),
        on="_key", strategy="backward", check_sortedness=False)
    answer = found.select("row", pl.when(pl.col("_found") == pl.col("_group")).then(pl.col("_value")).alias("_value"))
    if left["row"].is_sorted():
        if answer["row"].is_sorted():  # the usual case: episodes in order of person and start
            return answer["_value"].alias(value)
        return answer.sort("row")["_value"].alias(value)
    return left.select("row").join(answer, on="row", how="left", maintain_order="left")["_value"].alias(value)


def _by_key(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by ``_key`` (often it already is: then only checked) and flagged so."""
    if not frame["_key"].is_sorted():
        frame = frame.sort("_key")
    return frame.with_columns(pl.col("_key").set_sorted())


def running(frame: pl.DataFrame, by: str, on: str, at: pl.Expr, carry: str) -> pl.DataFrame:
    """One row per ``by`` group and ``on`` key: ``value``, the aggregation ``at`` of the rows at
    that key, carried forward along the keys (``carry``: ``max``, the largest so far, or
    ``sum``, a running total). With ``latest``: "of the person's periods starting up to this
    day, the latest stop" is ``running(periods, "person", "start", pl.col("stop").max(), "max")``."""
    if _packable(frame, by, on):
        # one integer key (group, day), as ``latest`` makes it: sorting one number costs half
        # what two columns do, and once sorted the groups are runs of rows (a group-by over
        # sorted keys slices them rather than hashing)
        one = (pl.col(by).cast(pl.Int64) * (1 << DAY_BITS) + pl.col(on).cast(pl.Int64) + (1 << (DAY_BITS - 1)))
        at_key = _by_key(frame.with_columns(one.alias("_key"))).group_by("_key", maintain_order=True).agg(
            pl.col(by).first(), pl.col(on).first(), at.alias("value")).drop("_key")
    else:
        at_key = frame.group_by(by, on).agg(at.alias("value")).sort(by, on)
    # the groups lie in runs once sorted: carry along the whole column and restart at each run,
    # rather than a window per group (millions of groups)
    first = pl.col(by) != pl.col(by).shift(1)
    if carry == "max":
        # a running maximum of (group, value) as one number: a group's numbers all exceed the
        # groups' before it, so within a run it is the run's own running maximum
        low = pl.col("value").min()
        width = (pl.col("value").max() - low + 1).cast(pl.Int64)
        return at_key.with_columns(
            ((pl.col(by).cast(pl.Int64) * width + (pl.col("value") - low)).cum_max() - pl.col(by).cast(pl.Int64) * width
             + low).cast(at_key.schema["value"]).alias("value"))
    total = pl.col("value").cum_sum()
    before_run = pl.when(first.fill_null(True)).then(total - pl.col("value")).forward_fill()
    return at_key.with_columns((total - before_run).alias("value"))


def _packable(frame: pl.DataFrame, by: str, on: str) -> bool:
    """Whether ``by`` and ``on`` fit in one key: a group from 0 to 2^40 and a day within 2^21 of
    1970, neither ever null."""
    if not (frame.schema[by].is_integer() and frame.schema[on].is_integer()) or frame.is_empty():
        return False
    if frame[by].null_count() or frame[on].null_count():
        return False
    bounds = frame.select(pl.col(by).min().alias("a"), pl.col(by).max().alias("b"), pl.col(on).min().alias("c"),
                          pl.col(on).max().alias("d")).row(0)
    if any(b is None for b in bounds):
        return False
    low, high, first, last = bounds
    return 0 <= low and high < (1 << GROUP_BITS) and -(1 << (DAY_BITS - 1)) <= first and last < (1 << (DAY_BITS - 1))


def marked(history: History, rows: pl.Series) -> pl.Series:
    """A kind's answer from the ``row`` numbers of the episodes that satisfy it."""
    return history.episodes["row"].is_in(rows.implode()).alias("match")
