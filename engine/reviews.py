"""Cluster review periods.

A period's review clock starts at its start date and restarts at each MHCT review (same patient,
same provider) inside it. From each such anchor, the days up to the cluster's maximum review
period are *in review*; days from then until the next review (or the end) are *overdue*.
NHS Digital counts a person within their review period when the latest assessment date plus the
period falls after the day in question; that is the rule here, day by day.
"""

from __future__ import annotations

import polars as pl

from .clusters import review_offsets


def due_expr(anchor: pl.Expr, cluster: pl.Expr, periods: pl.Expr | int = 1) -> pl.Expr:
    """The date ``periods`` maximum review periods after ``anchor`` for the cluster: months are
    calendar months from the anchor (31 August + 6 months = 28 February), never accumulated."""
    offsets = review_offsets()
    amount = cluster.replace_strict({c: int(o[:-2] if o.endswith("mo") else o[:-1]) for c, o in offsets.items()},
                                    return_dtype=pl.Int64)
    unit = cluster.replace_strict({c: "mo" if o.endswith("mo") else "d" for c, o in offsets.items()},
                                  return_dtype=pl.String)
    return anchor.dt.offset_by(pl.concat_str((amount * periods).cast(pl.String), unit))


def review_anchors(episodes: pl.DataFrame, reviews: pl.DataFrame) -> pl.DataFrame:
    """Each episode's anchors: its start, then every review inside it before ``horizon``.
    Columns: episode_id, cluster, anchor, anchor_kind (start | review), next_anchor (the next
    review, null if none), until (the episode's exclusive end, open periods closed at horizon)."""
    return _anchors(episodes.lazy(), reviews.lazy()).collect()


def _anchors(episodes: pl.LazyFrame, reviews: pl.LazyFrame) -> pl.LazyFrame:
    base = episodes.select("row", "episode_id", "patient_id", "provider", "cluster", "start_date", "until")
    starts = base.select("row", anchor="start_date", anchor_kind=pl.lit("start"))
    inside = base.select("row", "patient_id", "provider", "start_date", "until").join(
        reviews.select("patient_id", "provider", "review_date"), on=["patient_id", "provider"]).filter(
        (pl.col("review_date") > pl.col("start_date")) & (pl.col("review_date") < pl.col("until"))
    ).select("row", anchor="review_date", anchor_kind=pl.lit("review")).unique()
    # sorted by the integer row, the next anchor of the same episode is simply the next line
    anchors = pl.concat([starts, inside]).sort("row", "anchor")
    same = pl.col("row").shift(-1) == pl.col("row")
    anchors = anchors.with_columns(next_anchor=pl.when(same).then(pl.col("anchor").shift(-1)))
    return anchors.join(base.select("row", "episode_id", "cluster", "until"), on="row").drop("row")


def review_segments(episodes: pl.DataFrame, reviews: pl.DataFrame) -> pl.DataFrame:
    """Runs of days with one review state. Columns: episode_id, seg_start, seg_stop, overdue,
    anchor, anchor_kind, due (the date the review fell due), next_anchor (the next review, null
    if none yet), review_after (the same, on overdue runs only: the review that ended them)."""
    anchors = _anchors(episodes.lazy(), reviews.lazy()).with_columns(
        due=due_expr(pl.col("anchor"), pl.col("cluster")),
        end=pl.coalesce("next_anchor", "until"),
    )
    in_review = anchors.select(
        "episode_id", seg_start="anchor", seg_stop=pl.min_horizontal("due", "end"), overdue=pl.lit(False),
        anchor="anchor", anchor_kind="anchor_kind", due="due", review_after=pl.lit(None, pl.Date),
        next_anchor="next_anchor",
    )
    overdue = anchors.filter(pl.col("due") < pl.col("end")).select(
        "episode_id", seg_start="due", seg_stop="end", overdue=pl.lit(True),
        anchor="anchor", anchor_kind="anchor_kind", due="due", review_after="next_anchor",
        next_anchor="next_anchor",
    )
    segments = pl.concat([in_review, overdue])
    return segments.filter(pl.col("seg_stop") > pl.col("seg_start")).collect()
