"""Synthetic assessments: an MHCT (with HoNOS) when each period starts, reviews before each
review period runs out (except for people whose reviews lapse), and WEMWBS for some people."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..clusters import CLUSTERS

_REVIEW_DAYS = {code: c.review_days or (c.review_months or 0) * 30 for code, c in CLUSTERS.items()}


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
    wemwbs = _wemwbs(mhct, spec, rng, epoch, extract)
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


def _wemwbs(mhct: pl.DataFrame, spec, rng: np.random.Generator, epoch, extract: int) -> pl.DataFrame:
    """WEMWBS for three people in ten: when first seen in the contract year (or at first contact,
    if later), and again six to sixteen weeks on, most items a point up or down, a little more
    often up (so about half improve by three points or more)."""
    people = mhct.group_by("person").agg(pl.col("day").min(), pl.col("provider").first()).sort("person")
    chosen = people.filter(pl.Series(rng.random(people.height) < 0.3)).with_columns(
        day=pl.max_horizontal("day", pl.lit((spec.year_start - epoch).days)))
    later = chosen.with_columns(day=pl.col("day") + pl.Series(rng.integers(42, 112, size=chosen.height)))
    first_items = rng.integers(1, 6, size=(chosen.height, 14))
    later_items = np.clip(first_items + rng.choice([-1, 0, 0, 1, 1, 1], size=first_items.shape), 1, 5)
    frames = [frame.with_columns([pl.Series(f"item_{i + 1}", items[:, i]) for i in range(14)])
              for frame, items in ((chosen, first_items), (later, later_items))]
    return pl.concat(frames).filter(pl.col("day") < extract).with_columns(
        tool=pl.lit("WEMWBS"), total=pl.sum_horizontal([f"item_{i + 1}" for i in range(14)]))
