"""Overlapping periods for one patient with one provider: each overlapping day is paid once, to
the later-starting period (on a tie, to the later row of the file), and the overlap is reported.

Most patients have no overlaps, so only the groups that do are cut into elementary segments
(between every start and stop in the group); each segment goes to its winner, and an episode's
segments are merged back into spans of consecutive days.
"""

from __future__ import annotations

import polars as pl

from ..lines import EXCEPTION_COLUMNS

GROUP = ["patient_id", "provider"]


def resolve_overlaps(episodes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``episodes``: row, episode_id, patient_id, provider, commissioner, start_date, until
    (exclusive end, open periods already closed at the horizon). Returns the spans
    (episode_id, span_start, span_stop) and the overlap report."""
    live = episodes.filter(pl.col("until") > pl.col("start_date")).sort([*GROUP, "start_date", "row"])
    live = live.with_columns(_group=_group_number()).with_columns(
        _starts_inside=(_key("start_date") < _key("until").cum_max().shift(1)).fill_null(False)
    )
    groups = live.filter(pl.col("_starts_inside"))["_group"].unique()
    live = live.with_columns(_overlaps=pl.col("_group").is_in(groups.implode())).drop("_starts_inside")
    clean = live.filter(~pl.col("_overlaps")).select("episode_id", span_start="start_date", span_stop="until")
    tangled = live.filter(pl.col("_overlaps")).drop("_group", "_overlaps")
    if tangled.is_empty():
        return clean, pl.DataFrame(schema=EXCEPTION_COLUMNS)
    owned, lost = _share_days(tangled)
    spans = pl.concat([clean, _merge(owned, "episode_id")])
    report = _report(lost, tangled, owned["episode_id"].unique())
    return spans, report


def _group_number() -> pl.Expr:
    """Consecutive numbers for the (patient, provider) groups of a frame sorted by them."""
    changed = pl.lit(False)
    for column in GROUP:
        changed = changed | (pl.col(column) != pl.col(column).shift(1))
    return changed.fill_null(True).cum_sum()


def _key(column: str) -> pl.Expr:
    """A date made comparable across the sorted frame: the group number in the high digits.
    A running maximum of these never carries one group's dates into the next, which makes
    "does this period start before an earlier one ends" one pass instead of a grouped one."""
    days = pl.col(column).cast(pl.Int64)  # days since 1970, within a million either way
    return pl.col("_group").cast(pl.Int64) * 4_000_000 + days + 2_000_000


def _share_days(tangled: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    edges = pl.concat([tangled.select(*GROUP, at="start_date"), tangled.select(*GROUP, at="until")])
    edges = edges.unique().sort([*GROUP, "at"]).with_columns(seg_stop=pl.col("at").shift(-1).over(GROUP))
    segments = edges.filter(pl.col("seg_stop").is_not_null()).rename({"at": "seg_start"})
    covering = segments.join(tangled, on=GROUP).filter(
        (pl.col("start_date") <= pl.col("seg_start")) & (pl.col("until") >= pl.col("seg_stop"))
    )
    ranked = covering.with_columns(
        _rank=pl.struct("start_date", "row").rank("ordinal", descending=True).over([*GROUP, "seg_start"])
    )
    winners = ranked.filter(pl.col("_rank") == 1)
    losers = ranked.filter(pl.col("_rank") > 1).join(
        winners.select(*GROUP, "seg_start", winner="episode_id", winner_row="row"), on=[*GROUP, "seg_start"]
    )
    return winners.select("episode_id", "seg_start", "seg_stop"), losers


def _merge(segments: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """Consecutive segments of one key into spans."""
    ordered = segments.sort([*keys, "seg_start"]).with_columns(
        _new=(pl.col("seg_start") != pl.col("seg_stop").shift(1)).over(keys).fill_null(True)
    ).with_columns(_run=pl.col("_new").cum_sum().over(keys))
    return ordered.group_by([*keys, "_run"]).agg(
        span_start=pl.col("seg_start").min(), span_stop=pl.col("seg_stop").max()
    ).select(*keys, "span_start", "span_stop")


def _report(lost: pl.DataFrame, tangled: pl.DataFrame, owners: pl.Series) -> pl.DataFrame:
    """One exception row per (period, later period) pair: the days moved and to whom."""
    runs = _merge(lost.select("episode_id", "winner", "winner_row", "seg_start", "seg_stop"),
                  "episode_id", "winner", "winner_row")
    runs = runs.join(tangled.select("episode_id", "row", "provider", "commissioner"), on="episode_id")
    days = (pl.col("span_stop") - pl.col("span_start")).dt.total_days()
    last = (pl.col("span_stop") - pl.duration(days=1)).dt.to_string("%Y-%m-%d")
    return runs.sort("row", "span_start").select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider="provider",
        commissioner="commissioner", column=pl.lit("start_date"),
        value=pl.col("span_start").dt.to_string("%Y-%m-%d"),
        reason_code=pl.lit("overlap"),
        reason=pl.concat_str(
            pl.lit("overlaps episode '"), pl.col("winner"), pl.lit("' (row "), pl.col("winner_row").cast(pl.String),
            pl.lit(") from "), pl.col("span_start").dt.to_string("%Y-%m-%d"), pl.lit(" to "), last, pl.lit(" ("),
            days.cast(pl.String), pl.lit(" days); those days are paid once, to the later-starting period"),
        ),
        action=pl.when(pl.col("episode_id").is_in(owners.implode())).then(pl.lit("trimmed")).otherwise(pl.lit("excluded")),
    ).cast(EXCEPTION_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types
