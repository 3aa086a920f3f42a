"""Pathway instances from episodes: who entered when, and when they completed or left.

Episodes on the pathway are grouped per person into runs that follow on without a gap (a
cumulative maximum of ``stop``, so an overlap or a next episode starting on the stop keeps the
run going). Instances are then opened in rounds: each round opens, for every person, the first
entry episode allowed (none open, past any re-entry gap) and closes it; a person has as many
rounds as instances, so the loop is over rounds, never over people.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

FAR = dt.date(2200, 1, 1)  # stands for "not yet ended" where a maximum needs a date

ENTRY_COLUMNS = ["patient_id", "episode_id", "row", "cluster", "entry_date", "_run", "run_stop"]


def pathway_episodes(arrangement, episodes: pl.DataFrame) -> pl.DataFrame:
    """The arrangement's episodes on the pathway, each with its run (``_run``, per person) and
    the run's exclusive end (``run_stop``, null while open)."""
    entry, continuing = arrangement.entry.expr(), arrangement.continuing.expr()
    completes = pl.lit(False)
    if arrangement.completion is not None:
        completes = arrangement.completion.expr() & pl.col("stop").is_not_null()
    mine = episodes.filter(
        (pl.col("provider") == arrangement.provider) & (pl.col("commissioner") == arrangement.commissioner)
        # a period that ends the day it starts has no days: it is on no pathway
        & (pl.col("stop").is_null() | (pl.col("stop") > pl.col("start_date")))
    ).with_columns(_entry=entry, _on=entry | continuing, _completes=completes).filter(pl.col("_on"))
    mine = mine.sort("patient_id", "start_date", "episode_id").with_columns(
        _reach=pl.col("stop").fill_null(FAR).cum_max().over("patient_id"))
    mine = mine.with_columns(
        _new=(pl.col("start_date") > pl.col("_reach").shift(1).over("patient_id")).fill_null(True))
    mine = mine.with_columns(_run=pl.col("_new").cast(pl.Int32).cum_sum().over("patient_id"))
    run_stop = pl.col("stop").fill_null(FAR).max().over("patient_id", "_run")
    return mine.with_columns(run_stop=pl.when(run_stop < FAR).then(run_stop)).drop("_reach", "_new")


def find_instances(arrangement, on_pathway: pl.DataFrame, horizon: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(instances, blocked re-entries). An instance: the entry episode's columns and
    ``completed`` (date or null), ``by_max`` (completed by the maximum duration), ``leave``
    (date they left early, or null) and ``end`` (completed or left, null while open).
    A blocked re-entry: an entry episode inside the gap, with the ``end`` before it and
    ``until``, the first day a new instance could start."""
    entries = on_pathway.filter(pl.col("_entry")).select(
        "patient_id", "episode_id", "row", "cluster", "_run", "run_stop", entry_date="start_date").select(ENTRY_COLUMNS)
    completions = on_pathway.filter(pl.col("_completes")).select(
        "patient_id", "_run", _c_start="start_date", _c_stop="stop")
    gap = pl.duration(days=arrangement.reentry_gap_days)
    opened, blocked = [], []
    while not entries.is_empty():
        first = entries.sort("patient_id", "entry_date", "episode_id").unique("patient_id", keep="first",
                                                                              maintain_order=True)
        first = _close(first, completions, arrangement.max_duration_days, horizon)
        opened.append(first)
        ended = first.filter(pl.col("end").is_not_null()).select("patient_id", "end", until=pl.col("end") + gap)
        # a person whose instance is still open can enter no other
        later = entries.join(ended, on="patient_id")
        blocked.append(later.filter((pl.col("entry_date") >= pl.col("end")) & (pl.col("entry_date") < pl.col("until"))))
        entries = later.filter(pl.col("entry_date") >= pl.col("until")).select(ENTRY_COLUMNS)
    if not opened:
        none = pl.lit(None, pl.Date)
        return _close(entries, completions, None, horizon), entries.with_columns(end=none, until=none)
    return pl.concat(opened), pl.concat(blocked)


def _close(first: pl.DataFrame, completions: pl.DataFrame, longest: int | None, horizon: dt.date) -> pl.DataFrame:
    """Each new instance's completion, leave date and end."""
    by_condition = first.select("row", "patient_id", "_run", "entry_date").join(
        completions, on=["patient_id", "_run"]
    ).filter(pl.col("_c_start") >= pl.col("entry_date")).group_by("row").agg(_by_condition=pl.col("_c_stop").min())
    first = first.join(by_condition, on="row", how="left")
    by_max = pl.lit(None, pl.Date)
    if longest is not None:
        last = pl.col("entry_date") + pl.duration(days=longest)
        # still on the pathway on that day: the run stops after it (or has not stopped)
        by_max = pl.when(pl.col("run_stop").is_null() | (pl.col("run_stop") > last)).then(last)
    first = first.with_columns(_by_max=by_max).with_columns(
        completed=pl.min_horizontal("_by_condition", "_by_max"),
    ).with_columns(
        by_max=pl.col("_by_max").is_not_null() & (pl.col("_by_max") == pl.col("completed")),
        # a run that stops on or after the horizon has not ended yet, as far as the statement knows
        leave=pl.when(pl.col("completed").is_null() & (pl.col("run_stop") < horizon)).then(pl.col("run_stop")),
        end=pl.coalesce("completed", "run_stop"),
    )
    return first.drop("_by_condition", "_by_max")
