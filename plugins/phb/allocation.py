"""Indicative budgets from the resource allocation system, and moderation against them.

As applied, for a person as at a date:

- **Need** is their latest HoNOS dated on or before that date with a score for every item the
  allocation weights (a HoNOS missing a weighted item is passed over: a blank would count as no
  need). Points = the sum of weight x item score, plus the points for the cluster of their latest
  episode starting on or before the date (with the commissioner and, when the option unbundles,
  with the unbundled arrangements' providers).
- **Money**: points x ``price_per_point``, or the annual amount of the highest band whose
  ``from`` is at or below the points; rounded half up to the penny.
- **Exclusion**: a person with an episode matching ``excluded`` (with the commissioner) on any
  day of the window gets no indicative budget (a high-cost placement, say).
- **Moderation**: an agreed annual amount below indicative x (1 - m) or above indicative x
  (1 + m) is outside the band, compared exactly (integer arithmetic, no rounding).

Points and weights are held as integer hundredths, money as integer pence.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from localpay.plugin import pounds_to_pence, to_micros

from .text import date_text, money_text, points_text

FAR = dt.date(2200, 1, 1)  # stands for "not ended" where a comparison needs a date
BASES = ("indicative", "excluded", "no HoNOS")


def hundredths(value) -> int:
    return int(value * 100)


def indicative(arrangement, pricing, asof: pl.DataFrame) -> pl.DataFrame:
    """``asof``: ``key, patient_id, as_of, window_start, window_stop`` (half-open). The result,
    one row per key: ``points`` (hundredths, null without a usable HoNOS), ``indicative``
    (pence, null without one), ``basis`` (one of ``BASES``) and ``honos_date``."""
    allocation = arrangement.allocation
    scored = _latest(asof, _scored(pricing.assessments, allocation.item_weights), "honos_date",
                     ["honos_date", "_row"], ["honos_date", "item_points"])
    episodes = _episodes(arrangement, pricing).select("patient_id", "cluster", "episode_id", _from="start_date")
    clusters = _latest(asof, episodes, "_from", ["_from", "episode_id"], ["cluster"])
    found = asof.select("key").join(scored, on="key", how="left").join(clusters, on="key", how="left")
    found = found.with_columns(
        points=pl.col("item_points") + cluster_points(allocation, pl.col("cluster")),
        _excluded=pl.col("key").is_in(_excluded_keys(arrangement, pricing, asof).implode()),
    )
    found = found.with_columns(
        points=pl.when(~pl.col("_excluded")).then(pl.col("points")),
        basis=pl.when(pl.col("_excluded")).then(pl.lit("excluded"))
        .when(pl.col("item_points").is_null()).then(pl.lit("no HoNOS")).otherwise(pl.lit("indicative")),
    )
    return found.with_columns(indicative=annual_amount(allocation, pl.col("points"))).select(
        "key", "points", "indicative", "basis", "honos_date")


def _scored(assessments: pl.DataFrame | None, weights: dict) -> pl.DataFrame:
    """HoNOS rows with every weighted item scored: ``patient_id, honos_date, _row, item_points``."""
    schema = {"patient_id": pl.String, "honos_date": pl.Date, "_row": pl.Int64, "item_points": pl.Int64}
    columns = [f"item_{item}" for item in weights]
    if assessments is None or any(c not in assessments.columns for c in columns):
        return pl.DataFrame(schema=schema)
    score = {item: pl.col(f"item_{item}").cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
             for item in weights}
    complete = pl.all_horizontal([s.is_between(0, 4) for s in score.values()])
    points = weighted_points(weights, score)
    row = pl.col("row") if "row" in assessments.columns else pl.lit(0)
    return assessments.filter((pl.col("tool") == "HoNOS") & complete.fill_null(False)).select(
        "patient_id", honos_date="assessment_date", _row=row.cast(pl.Int64), item_points=points.cast(pl.Int64))


def weighted_points(weights: dict, scores: dict[int, pl.Expr]) -> pl.Expr:
    """HoNOS points in hundredths: the sum of weight x score over the weighted items."""
    return pl.sum_horizontal([scores[item] * hundredths(weight) for item, weight in weights.items()])


def cluster_points(allocation, cluster: pl.Expr) -> pl.Expr:
    """The points (hundredths) for a person's cluster; none for a cluster not listed, or none known."""
    table = {code: hundredths(p) for code, p in (allocation.cluster_points or {}).items()}
    return cluster.replace_strict(table, default=0, return_dtype=pl.Int64).fill_null(0)


def _latest(asof: pl.DataFrame, found: pl.DataFrame, dated: str, order: list[str], keep: list[str]) -> pl.DataFrame:
    """Each key's latest row of ``found`` (by ``order``) dated on or before its ``as_of``."""
    joined = asof.select("key", "patient_id", "as_of").join(found, on="patient_id")
    joined = joined.filter(pl.col(dated) <= pl.col("as_of")).sort("key", *order)
    return joined.group_by("key", maintain_order=True).agg(pl.col(keep).last())


def _episodes(arrangement, pricing) -> pl.DataFrame:
    """The episodes a person's cluster is read from: with the commissioner and, when the option
    unbundles, with the providers it unbundles from."""
    mine = pricing.episodes.filter(pl.col("commissioner") == arrangement.commissioner)
    if arrangement.unbundle is not None:
        providers = [pricing.ruleset.arrangement(name).provider for name in arrangement.unbundle.of]
        mine = mine.filter(pl.col("provider").is_in(providers))
    return mine


def _excluded_keys(arrangement, pricing, asof: pl.DataFrame) -> pl.Series:
    excluded = arrangement.allocation.excluded
    if excluded is None:
        return pl.Series("key", [], asof.schema["key"])
    placements = pricing.episodes.filter((pl.col("commissioner") == arrangement.commissioner) & excluded.expr())
    placements = placements.select("patient_id", "start_date", _stop=pl.col("stop").fill_null(FAR))
    hits = asof.join(placements, on="patient_id").filter(
        (pl.col("start_date") < pl.col("window_stop")) & (pl.col("_stop") > pl.col("window_start")))
    return hits["key"].unique()


def annual_amount(allocation, points: pl.Expr) -> pl.Expr:
    """Points (hundredths) as an annual amount in pence, rounded half up."""
    if allocation.price_per_point is not None:
        # pence = points/100 x micros/1e6 x 100 = hundredths x micros / 1e6
        return (points * to_micros(allocation.price_per_point) + 500_000) // 1_000_000
    amount = pl.lit(None, pl.Int64)
    for band in allocation.bands:  # the highest band reached wins: later bands are tested last
        amount = pl.when(points >= hundredths(band.start)).then(pl.lit(pounds_to_pence(band.annual))).otherwise(amount)
    return pl.when(points.is_not_null()).then(amount)


def moderation(agreed: pl.Expr, indicative: pl.Expr, basis: pl.Expr, fraction) -> pl.Expr:
    """"inside" or "outside" the band, or why there is no indicative budget to moderate against."""
    share = int(fraction * 1_000_000)  # a percentage has at most four places: exact in millionths
    below = agreed * 1_000_000 < indicative * (1_000_000 - share)
    above = agreed * 1_000_000 > indicative * (1_000_000 + share)
    return (pl.when(basis == "excluded").then(pl.lit("excluded"))
            .when(indicative.is_null()).then(pl.lit("no indicative"))
            .when(below | above).then(pl.lit("outside")).otherwise(pl.lit("inside")))


def band_text(indicative: pl.Expr, fraction) -> pl.Expr:
    """The moderation band as money, each end rounded half up to the penny for display."""
    share = int(fraction * 1_000_000)
    low = (indicative * (1_000_000 - share) + 500_000) // 1_000_000
    high = (indicative * (1_000_000 + share) + 500_000) // 1_000_000
    return pl.concat_str(money_text(low), pl.lit(" to "), money_text(high))


def basis_note(basis: pl.Expr, as_of: pl.Expr, excluded_words: str | None, window: str) -> pl.Expr:
    """Why a person has no indicative budget, in words (null when they have one)."""
    return (pl.when(basis == "no HoNOS").then(pl.concat_str(
        pl.lit("no indicative budget: no HoNOS with every weighted item scored on or before "), date_text(as_of)))
        .when(basis == "excluded").then(pl.lit(f"no indicative budget: excluded by an episode where {excluded_words} "
                                               f"{window}")))


def points_words(points: pl.Expr) -> pl.Expr:
    return pl.concat_str(points_text(points), pl.lit(" points"))
