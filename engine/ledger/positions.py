"""Positions: what a set of payment lines comes to for each key, the unit prior-period
adjustments compare.

A key is one arrangement's money for one episode in one month between one provider and one
commissioner; lines for the contract rather than an episode (on account, settlements,
instalments) are keyed by their unit instead of an episode. A position carries the money paid
(payable lines), held and suspended, the days, the first and last day covered, each cluster with
the day it started, each cluster's unit prices, and the rules that decided the lines: enough to
say, when two positions differ, what changed.
"""

from __future__ import annotations

import polars as pl

KEY = ["provider", "commissioner", "arrangement", "period", "item"]
CONTRACT_ITEM = "contract: "  # item of a contract-level line: this, then the line's unit

POSITION_COLUMNS = {
    "provider": pl.String, "commissioner": pl.String, "arrangement": pl.String, "period": pl.String,
    "item": pl.String, "episode_id": pl.String, "patient_id": pl.String, "option": pl.String, "unit": pl.String,
    "paid": pl.Int64, "held": pl.Int64, "suspended": pl.Int64, "quantity": pl.Int64,
    "first_day": pl.String, "last_day": pl.String,
    "clusters": pl.String,  # "3@2025-04-01,4@2025-04-10": each cluster and the first day it covers
    "prices": pl.String,  # "3@7800000": each cluster's unit prices in micros ("-" for no cluster)
    "rules": pl.String,  # the rule ids that decided the lines, sorted, ";"-separated
}


def item_expr() -> pl.Expr:
    return pl.coalesce(pl.col("episode_id"), pl.lit(CONTRACT_ITEM) + pl.col("unit"))


def positions_of(lines: pl.DataFrame) -> pl.DataFrame:
    """Each key's position from its lines, sorted by key. Columnar: two group-bys."""
    if lines.is_empty():
        return pl.DataFrame(schema=POSITION_COLUMNS)
    status = pl.col("status")
    keyed = lines.with_columns(item=item_expr(), cluster_text=pl.col("cluster").cast(pl.String).fill_null("-"))
    by_cluster = keyed.group_by([*KEY, "cluster_text"]).agg(
        started=pl.col("from_date").min(),
        prices=pl.col("unit_price").unique().sort().cast(pl.String).str.join("/"),
        has_cluster=pl.col("cluster").is_not_null().any(),
    ).sort([*KEY, "started", "cluster_text"])
    clusters = by_cluster.group_by(KEY, maintain_order=True).agg(
        clusters=pl.concat_str(pl.col("cluster_text"), pl.lit("@"), pl.col("started").dt.to_string("%Y-%m-%d"))
        .filter(pl.col("has_cluster")).str.join(","),
        prices=pl.concat_str(pl.col("cluster_text"), pl.lit("@"), pl.col("prices")).str.join(","),
    )
    money = keyed.group_by(KEY).agg(
        episode_id=pl.col("episode_id").first(),
        patient_id=pl.col("patient_id").drop_nulls().first(),
        option=pl.col("option").first(),
        unit=pl.col("unit").sort().first(),
        paid=pl.col("amount").filter(status == "payable").sum(),
        held=pl.col("amount").filter(status == "held").sum(),
        suspended=pl.col("value").filter(status == "suspended").sum(),
        quantity=pl.col("quantity").sum(),
        first_day=pl.col("from_date").min().dt.to_string("%Y-%m-%d"),
        last_day=pl.col("to_date").max().dt.to_string("%Y-%m-%d"),
        rules=pl.col("rules").str.split(";").explode().drop_nulls().unique().sort().str.join(";"),
    )
    joined = money.join(clusters, on=KEY, how="left")
    return joined.select([pl.col(c).cast(t) for c, t in POSITION_COLUMNS.items()]).with_columns(
        clusters=pl.when(pl.col("clusters") == "").then(None).otherwise(pl.col("clusters")),
        rules=pl.when(pl.col("rules") == "").then(None).otherwise(pl.col("rules")),
    ).sort(KEY)


def cluster_starts(text: str | None) -> list[tuple[str, str]]:
    """``"3@2025-04-01,4@2025-04-10"`` as ``[("3", "2025-04-01"), ("4", "2025-04-10")]``."""
    return [tuple(part.split("@", 1)) for part in text.split(",")] if text else []  # type: ignore[misc]


def cluster_prices(text: str | None) -> dict[str, list[int]]:
    """``"3@7800000/8000000"`` as ``{"3": [7800000, 8000000]}``."""
    out: dict[str, list[int]] = {}
    for part in (text or "").split(","):
        if part:
            cluster, prices = part.split("@", 1)
            out[cluster] = [int(p) for p in prices.split("/") if p]
    return out
