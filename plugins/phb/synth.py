"""Synthetic budgets for ``localpay demo``: for each phb arrangement, one row per chosen person
(the same people for every commissioner, so an area with two funders has integrated budgets, a
part from each), starting a few days after one of their HoNOS assessments.

The agreed amount is the indicative budget this option's own allocation gives for that HoNOS (a
blank item read as 0) and the cluster of the MHCT beside it, times 0.85 to 1.25, to the pound:
most agreed inside the moderation band, some outside it. Some budgets have ended, most direct
payments are partly unspent, and a review follows about three months in. The number of people
and the share taking direct payments follow the bundled area's shape, if it has one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from localpay.plugin import Ruleset, SynthSpec, area_shape

from .allocation import annual_amount, cluster_points, weighted_points

EPOCH = dt.date(1970, 1, 1)
ITEMS = range(1, 13)


def synthesise_budgets(ruleset: Ruleset, spec: SynthSpec, episodes: pl.DataFrame, assessments: pl.DataFrame,
                       rng: np.random.Generator) -> pl.DataFrame | None:
    phbs = [a for a in ruleset.arrangements if a.option == "phb"]
    if not phbs:
        return None
    shape = area_shape(ruleset.document.area)
    chosen = _budget_holders(spec, shape, phbs[0], episodes, assessments, rng)
    n, extract = chosen.height, _days(spec.extract)
    direct = shape.direct_payments if shape else 0.4
    kind = np.where(rng.random(n) < direct, "direct_payment", np.where(rng.random(n) < 0.6, "third_party", "notional"))
    start = (chosen["day"] + pl.Series(rng.integers(1, 10, size=n))).clip(upper_bound=extract)
    ends = start + pl.Series(rng.integers(60, 300, size=n))
    ended = pl.Series(rng.random(n) < 0.12) & (ends <= extract)
    reviewed = start + pl.Series(rng.integers(80, 100, size=n))
    # per mille of the money paid so far that has been spent
    spent = pl.Series(np.where(kind == "direct_payment", rng.integers(550, 1000, size=n), rng.integers(850, 1000, size=n)))
    factor = pl.Series(rng.integers(85, 126, size=n))  # per cent of the indicative budget
    held = (pl.select(pl.when(ended).then(ends).otherwise(extract + 1)).to_series()
            - start.clip(lower_bound=_days(spec.year_start))).clip(lower_bound=0)
    frames = []
    for arrangement in phbs:
        # to the pound, and at least 100.00
        agreed = ((_indicative_pence(arrangement, chosen) * factor + 5_000) // 10_000 * 100).clip(lower_bound=10_000)
        paid = agreed * held // 365
        frames.append(pl.DataFrame({
            "patient_id": chosen["patient_id"],
            "start_date": _date_text(start),
            "end_date": _date_text(ends).zip_with(ended, pl.Series([None] * n, dtype=pl.String)),
            "type": pl.Series(kind, dtype=pl.String),
            "agreed_annual_amount": _pounds_text(agreed),
            "spent_to_date": _pounds_text(paid * spent // 1000),
            "commissioner": pl.Series([arrangement.commissioner] * n, dtype=pl.String),
            "last_review": _date_text(reviewed).zip_with(reviewed <= extract, pl.Series([None] * n, dtype=pl.String)),
        }))
    return pl.concat(frames)


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _date_text(days: pl.Series) -> pl.Series:
    return pl.select((pl.lit(EPOCH) + pl.duration(days=pl.lit(days))).dt.to_string("%Y-%m-%d")).to_series()


def _pounds_text(pence: pl.Series) -> pl.Series:
    return pl.select(pl.format("{}.{}", pence // 100, (pence % 100).cast(pl.String).str.pad_start(2, "0"))).to_series()


def _budget_holders(spec: SynthSpec, shape, first, episodes: pl.DataFrame, assessments: pl.DataFrame,
                    rng: np.random.Generator) -> pl.DataFrame:
    """The people holding a budget, each with one HoNOS (``day``, the item scores) and the
    cluster of the MHCT beside it: people with episodes for the first phb commissioner, if any."""
    honos = assessments.filter(pl.col("tool") == "HoNOS").with_columns(
        day=(pl.col("assessment_date").str.to_date() - pl.lit(EPOCH)).dt.total_days())
    clusters = assessments.filter(pl.col("tool") == "MHCT").select("patient_id", "assessment_date", "cluster")
    honos = honos.join(clusters.unique(["patient_id", "assessment_date"], keep="first", maintain_order=True),
                       on=["patient_id", "assessment_date"], how="left", suffix="_mhct")
    window = honos.filter(pl.col("day").is_between(_days(spec.year_start) - 270, _days(spec.extract) - 7))
    theirs = episodes.filter(pl.col("commissioner") == first.commissioner)["patient_id"].drop_nulls().unique()
    if theirs.len():
        window = window.filter(pl.col("patient_id").is_in(theirs.implode()))
    people = window["patient_id"].unique().sort()
    wanted = shape.budgets if shape else 0
    count = wanted if isinstance(wanted, int) else round(wanted * spec.people)
    picked = people.gather(np.sort(rng.choice(people.len(), size=min(count, people.len()), replace=False)))
    rows = window.filter(pl.col("patient_id").is_in(picked.implode())).sort("patient_id", "day")
    # one of each person's HoNOS, at random
    rows = rows.with_columns(_key=pl.Series(rng.random(rows.height))).sort("patient_id", "_key")
    return rows.unique("patient_id", keep="first", maintain_order=True).sort("patient_id").with_columns(
        cluster=pl.col("cluster_mhct").cast(pl.Int64, strict=False),
        **{f"item_{i}": pl.col(f"item_{i}").cast(pl.Int64, strict=False).fill_null(0) for i in ITEMS})


def _indicative_pence(arrangement, chosen: pl.DataFrame) -> pl.Series:
    """The option's indicative budget a year, in pence, for each chosen person's HoNOS and cluster."""
    allocation = arrangement.allocation
    points = weighted_points(allocation.item_weights, {i: pl.col(f"item_{i}") for i in ITEMS}) + cluster_points(
        allocation, pl.col("cluster"))
    return chosen.select(pence=annual_amount(allocation, points))["pence"]
