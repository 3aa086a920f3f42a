"""Synthetic assessments: an MHCT (with HoNOS) when each period starts, reviews before each
review period runs out (except for people whose reviews lapse), and WEMWBS for some people."""

from __future__ import annotations

import numpy as np
import polars as pl

from .clusters import CLUSTERS

_REVIEW_DAYS = {code: c.review_days or c.review_months * 30 for code, c in CLUSTERS.items()}


def assessments_for(periods: pl.DataFrame, spec, rng: np.random.Generator, epoch) -> pl.DataFrame:
    extract = (spec.extract - epoch).days + 1
    providers = {i: p for i, (p, _) in enumerate(spec.pairs)}
    lapsing = pl.Series(rng.random(spec.people) < spec.overdue_share)
    frame = periods.with_columns(
        provider=pl.col("pair").replace_strict(providers, return_dtype=pl.String),
        _lapse=pl.Series(lapsing).gather(periods["person"]),
        _every=pl.col("cluster").replace_strict(_REVIEW_DAYS, return_dtype=pl.Int64),
        _until=pl.min_horizontal(pl.col("stop").fill_null(extract), pl.lit(extract)),
    )
    margin = pl.Series(rng.uniform(0.55, 0.95, size=frame.height))
    frame = frame.with_columns(_step=(pl.col("_every") * margin).cast(pl.Int64).clip(lower_bound=14))
    count = ((pl.col("_until") - pl.col("start")) // pl.col("_step")).clip(0, 40)
    reviews = frame.filter(~pl.col("_lapse")).with_columns(_k=pl.int_ranges(1, count + 1)).explode("_k").filter(
        pl.col("_k").is_not_null()).with_columns(day=pl.col("start") + pl.col("_k") * pl.col("_step"))
    mhct = pl.concat([frame.with_columns(day=pl.col("start")), reviews.drop("_k")], how="diagonal")
    mhct = mhct.filter(pl.col("day") < extract).select("person", "provider", "cluster", "day")
    honos_items = rng.integers(0, 5, size=(mhct.height, 12)) * (rng.random((mhct.height, 12)) < 0.45)
    honos = mhct.with_columns(
        [pl.Series(f"item_{i + 1}", honos_items[:, i]) for i in range(12)],
    ).with_columns(total=pl.sum_horizontal([f"item_{i + 1}" for i in range(12)]), tool=pl.lit("HoNOS"))
    wemwbs_people = mhct.group_by("person").agg(pl.col("day").min(), pl.col("provider").first(),
                                                 last=pl.col("day").max()).sort("person")
    chosen = wemwbs_people.filter(pl.Series(rng.random(wemwbs_people.height) < 0.3))
    wemwbs = pl.concat([chosen.select("person", "provider", "day"), chosen.select("person", "provider", day="last")])
    wemwbs_items = rng.integers(1, 6, size=(wemwbs.height, 14))
    wemwbs = wemwbs.with_columns(
        [pl.Series(f"item_{i + 1}", wemwbs_items[:, i]) for i in range(14)], tool=pl.lit("WEMWBS"),
    ).with_columns(total=pl.sum_horizontal([f"item_{i + 1}" for i in range(14)]))
    parts = [mhct.with_columns(tool=pl.lit("MHCT")), honos, wemwbs]
    every = pl.concat(parts, how="diagonal").sort("person", "day", "tool")
    return every.select(
        patient_id=pl.format("P{}", (pl.col("person") + 1).cast(pl.String).str.pad_start(7, "0")),
        provider="provider",
        assessment_date=(pl.lit(epoch) + pl.duration(days=pl.col("day"))).dt.to_string("%Y-%m-%d"),
        tool="tool",
        cluster=pl.when(pl.col("tool") == "MHCT").then(pl.col("cluster").cast(pl.String)),
        total=pl.col("total").cast(pl.String),
        **{f"item_{i}": pl.col(f"item_{i}").cast(pl.String) for i in range(1, 15)},
    ).unique(maintain_order=True)
