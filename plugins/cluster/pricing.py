"""Vectorised pricing for the cluster option.

Each episode's owned days (after overlaps) are cut into runs by review state, month and price;
per-review-period and per-episode bases price events (the day a review period or an episode
starts) instead of runs of days. The overdue-review mode then decides each line's status, and
in ``hold`` mode a review releases the days held before it, in the month the review happens.
"""

from __future__ import annotations

import polars as pl

from localpay.plugin import (CLUSTERS, RELEASE_RULE, Priced, conform_exceptions, dated_items, due_expr,
                             empty_exceptions, month_label, price_days, price_points, price_table, split_months)

from .terms import OVERDUE_REASONS, RELEASE_REASON, RELEASED_SAME_MONTH

INPATIENT, INITIAL = "inpatient", "initial"
# the fewest days a review period can last, to bound how many continuation periods to generate
_MIN_DAYS = {code: c.review_days or (181 if c.review_months == 6 else 365) for code, c in CLUSTERS.items()}


# episodes priced at once: the frames a batch makes on its way to lines (runs of days, months,
# prices) are a fraction of what the whole would make at once, and every episode's lines are
# its own, so batches give the same lines
BATCH = 250_000


def price_cluster(arrangement, ctx) -> Priced:
    ruleset = ctx.ruleset
    mode = arrangement.overdue_review or ruleset.settings.overdue_review
    episodes = ctx.episodes.filter(
        (pl.col("provider") == arrangement.provider) & (pl.col("commissioner") == arrangement.commissioner)
    ).with_columns(kind=_kind(arrangement), _batch=pl.int_range(pl.len(), dtype=pl.Int64) // BATCH)
    # held days are released by a later review, so in hold mode the whole contract year counts
    first = ruleset.period.start if mode == "hold" else ctx.months[0].start
    floor, horizon = max(first, ruleset.period.start), ctx.horizon
    table, months = _table(arrangement, ruleset.period.start), [m.label for m in ctx.months]
    batch_of = episodes.lazy().select("episode_id", "_batch")
    segments = _batches(ctx.review_segments.lazy().join(batch_of, on="episode_id").collect())
    spans = _batches(ctx.spans.lazy().join(batch_of, on="episode_id").collect())
    no_segments, no_spans = ctx.review_segments.clear(), ctx.spans.clear()
    priced, unpriced = [], []
    # no episodes: one empty batch, for lines of the right shape
    batches = _batches(episodes) or {0: episodes.drop("_batch")}
    for batch, mine in batches.items():
        lines = _price_batch(mine, spans.get(batch, no_spans), segments.get(batch, no_segments), table, mode, floor,
                             horizon, months)
        priced.append(_finish(lines.filter(pl.col("unit_price").is_not_null()), arrangement))
        unpriced.append(_unpriced(lines, arrangement))
    return Priced(pl.concat(priced, how="diagonal_relaxed"), pl.concat(unpriced, how="diagonal_relaxed"))


def _batches(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    return {key[0]: part for key, part in frame.partition_by("_batch", as_dict=True, include_key=False).items()}


def _price_batch(episodes, spans, segments, table, mode, floor, horizon, months) -> pl.DataFrame:
    days = _day_runs(episodes.filter(pl.col("kind").is_in(["per_day", INPATIENT])), spans, segments, floor, horizon)
    events = pl.concat([
        _review_period_starts(episodes.filter(pl.col("kind") == "per_review_period"), segments),
        _episode_starts(episodes.filter(pl.col("kind").is_in(["per_episode", INITIAL])), segments),
    ], how="diagonal_relaxed")
    events = _owned(events, spans).filter((pl.col("from_date") >= floor) & (pl.col("from_date") < horizon))
    priced = pl.concat([
        price_days(split_months(days), table),
        price_points(events.with_columns(**_month_of("from_date")), table),
    ], how="diagonal_relaxed")
    return _merge_days(_decide(priced, mode, months))


def _kind(arrangement) -> pl.Expr:
    kind = pl.lit(arrangement.basis)
    if arrangement.inpatient_per_day is not None:
        kind = pl.when(pl.col("setting") == "inpatient").then(pl.lit(INPATIENT)).otherwise(kind)
    if arrangement.initial_assessment is not None:
        kind = pl.when(pl.col("cluster") == 0).then(pl.lit(INITIAL)).otherwise(kind)
    return kind


def _table(arrangement, start) -> pl.DataFrame:
    schedule = {str(code): changes for code, changes in arrangement.price_schedule().items()}
    for key, name in ((INPATIENT, "inpatient_per_day"), (INITIAL, "initial_assessment")):
        if getattr(arrangement, name) is not None:
            schedule[key] = dated_items(getattr(arrangement, name), start)
    return price_table(schedule, [str(code) for code in CLUSTERS] + [INPATIENT, INITIAL], pl.String)


def _day_runs(episodes, spans, segments, floor, horizon) -> pl.DataFrame:
    # one lazy query: each join reads only the columns the runs keep
    runs = spans.lazy().join(segments.lazy(), on="episode_id").filter(
        (pl.col("seg_start") < pl.col("span_stop")) & (pl.col("seg_stop") > pl.col("span_start"))
    ).with_columns(
        from_date=pl.max_horizontal("span_start", "seg_start", pl.lit(floor)),
        stop=pl.min_horizontal("span_stop", "seg_stop", pl.lit(horizon)),
    ).filter(pl.col("stop") > pl.col("from_date"))
    runs = runs.join(episodes.lazy().select("episode_id", "row", "patient_id", "cluster", "kind"), on="episode_id")
    return runs.select(
        "episode_id", "row", "patient_id", "cluster", "from_date", "stop", "overdue", "due", "anchor",
        "anchor_kind", "review_after",
        price_key=pl.when(pl.col("kind") == INPATIENT).then(pl.lit(INPATIENT)).otherwise(pl.col("cluster").cast(pl.String)),
        unit=pl.when(pl.col("kind") == INPATIENT).then(pl.lit("bed day")).otherwise(pl.lit("day")),
        quantity=None,
    ).collect()


def _review_period_starts(episodes, segments) -> pl.DataFrame:
    """One event at each anchor, then (while no review comes) one at each further period. An
    event's ``to_date`` is the last day of its review period, whatever the statement month."""
    mine = segments.join(episodes.select("episode_id", "row", "patient_id", "cluster", "stop"), on="episode_id")
    first = mine.filter(~pl.col("overdue")).select(
        "episode_id", "row", "patient_id", "cluster", "due", "anchor", "anchor_kind", "review_after",
        from_date="anchor", overdue=pl.lit(False),
        to_date=pl.min_horizontal("due", "next_anchor", "stop") - pl.duration(days=1),
    )
    late = mine.filter(pl.col("overdue")).with_columns(
        _k=pl.int_ranges(1, (pl.col("seg_stop") - pl.col("anchor")).dt.total_days()
                         // pl.col("cluster").replace_strict(_MIN_DAYS, return_dtype=pl.Int64) + 2)
    ).explode("_k").with_columns(
        from_date=due_expr(pl.col("anchor"), pl.col("cluster"), pl.col("_k")),
        _next=due_expr(pl.col("anchor"), pl.col("cluster"), pl.col("_k") + 1),
    ).filter(pl.col("from_date") < pl.col("seg_stop")).select(
        "episode_id", "row", "patient_id", "cluster", "due", "anchor", "anchor_kind", "review_after", "from_date",
        to_date=pl.min_horizontal("_next", "next_anchor", "stop") - pl.duration(days=1), overdue=pl.lit(True),
    )
    return pl.concat([first, late], how="diagonal_relaxed").with_columns(
        price_key=pl.col("cluster").cast(pl.String), unit=pl.lit("review period"), quantity=pl.lit(1, pl.Int64)
    )


def _episode_starts(episodes, segments) -> pl.DataFrame:
    started = episodes.join(segments.select("episode_id"), on="episode_id", how="semi")
    return started.select(
        "episode_id", "row", "patient_id", "cluster", from_date="start_date",
        to_date=pl.col("stop") - pl.duration(days=1), overdue=pl.lit(False), due=pl.lit(None, pl.Date),
        anchor="start_date", anchor_kind=pl.lit("start"), review_after=pl.lit(None, pl.Date),
        price_key=pl.when(pl.col("kind") == INITIAL).then(pl.lit(INITIAL)).otherwise(pl.col("cluster").cast(pl.String)),
        unit=pl.when(pl.col("kind") == INITIAL).then(pl.lit("initial assessment")).otherwise(pl.lit("episode")),
        quantity=pl.lit(1, pl.Int64),
    )


def _owned(events: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """Events on days the episode owns (a day given to an overlapping period is not its own)."""
    owned = events.join(spans, on="episode_id").filter(
        (pl.col("span_start") <= pl.col("from_date")) & (pl.col("span_stop") > pl.col("from_date"))
    )
    return owned.drop("span_start", "span_stop").unique(["episode_id", "from_date"], keep="first", maintain_order=True)


def _month_of(column: str) -> dict[str, pl.Expr]:
    day = pl.col(column)
    return {"month_start": day.dt.truncate("1mo"), "month_stop": day.dt.truncate("1mo").dt.offset_by("1mo")}


def _decide(lines: pl.DataFrame, mode: str, months: list[str]) -> pl.DataFrame:
    """Status, rules, reason and note from the overdue-review mode; in ``hold`` mode, release
    lines in the month of the review for days held in earlier months."""
    overdue = pl.col("overdue")
    reviewed_in_month = pl.col("review_after").is_not_null() & (pl.col("review_after") < pl.col("month_stop"))
    lines = lines.with_columns(
        quantity=pl.coalesce("quantity", (pl.col("stop") - pl.col("from_date")).dt.total_days()),
        to_date=pl.coalesce("to_date", pl.col("stop") - pl.duration(days=1)),
        period=month_label(pl.col("month_start")),
        note=pl.when(overdue).then(_overdue_note()),
    )
    held = overdue & ~reviewed_in_month if mode == "hold" else pl.lit(False)
    status = {"pay": pl.lit("payable"), "suspend": pl.when(overdue).then(pl.lit("suspended")).otherwise(pl.lit("payable")),
              "hold": pl.when(held).then(pl.lit("held")).otherwise(pl.lit("payable"))}[mode]
    lines = lines.with_columns(
        status=status,
        rules=pl.when(overdue).then(pl.lit(f"overdue-review:{mode}")),
        reason=pl.when(overdue).then(pl.lit(OVERDUE_REASONS[mode])),
    )
    if mode == "hold":
        lines = lines.with_columns(reason=pl.when(overdue & reviewed_in_month).then(pl.lit(RELEASED_SAME_MONTH)).otherwise("reason"))
        released = lines.filter(held & pl.col("review_after").is_not_null()).with_columns(
            period=month_label(pl.col("review_after")), status=pl.lit("payable"),
            rules=pl.lit(RELEASE_RULE), reason=pl.lit(RELEASE_REASON),
        )
        lines = pl.concat([lines, released])
    return lines.filter(pl.col("period").is_in(months))


_SAME_LINE = ["episode_id", "period", "unit", "unit_price", "price_from", "status", "rules", "reason", "note"]


def _merge_days(lines: pl.DataFrame) -> pl.DataFrame:
    """Runs of days that differ only in where a review fell (a review before the due date)
    become one line: same episode, month, price, status and reasons."""
    days = lines.filter(pl.col("stop").is_not_null())
    # only an episode with several lines at one price and status in a month can merge: found
    # by a hash of those keys (a collision only sends a line through the exact merge below)
    alone = ~pl.struct("episode_id", "period", "unit_price", "status").hash().is_duplicated()
    single, days = days.filter(alone), days.filter(~alone)
    ordered = days.sort([*_SAME_LINE, "from_date"], nulls_last=True).with_columns(
        _new=(pl.col("from_date") != pl.col("stop").shift(1)).over(_SAME_LINE).fill_null(True)
    ).with_columns(_run=pl.col("_new").cum_sum().over(_SAME_LINE))
    merged = ordered.group_by([*_SAME_LINE, "_run"]).agg(
        pl.all().exclude("from_date", "stop", "to_date", "quantity", "_new").first(),
        from_date=pl.col("from_date").min(), stop=pl.col("stop").max(), to_date=pl.col("to_date").max(),
        quantity=pl.col("quantity").sum(),
    ).drop("_run", "_new", strict=False)
    return pl.concat([single, merged, lines.filter(pl.col("stop").is_null())], how="diagonal_relaxed")


def _overdue_note() -> pl.Expr:
    reviewed = pl.concat_str(pl.lit("; reviewed "), pl.col("review_after").dt.to_string("%Y-%m-%d"))
    return pl.concat_str(
        pl.lit("review due "), pl.col("due").dt.to_string("%Y-%m-%d"), pl.lit(" (from the "),
        pl.when(pl.col("anchor_kind") == "start").then(pl.lit("period start on ")).otherwise(pl.lit("review on ")),
        pl.col("anchor").dt.to_string("%Y-%m-%d"), pl.lit(")"),
        pl.when(pl.col("review_after").is_not_null()).then(reviewed).otherwise(pl.lit("; no review yet")),
    )


def _finish(lines: pl.DataFrame, arrangement) -> pl.DataFrame:
    return lines.with_columns(
        arrangement=pl.lit(arrangement.id), option=pl.lit("cluster"), provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), clause=pl.lit(arrangement.clause),
    )


def _unpriced(lines: pl.DataFrame, arrangement) -> pl.DataFrame:
    missing = lines.filter(pl.col("unit_price").is_null())
    if missing.is_empty():
        return empty_exceptions()
    per_row = missing.group_by("row", "episode_id", "price_key").agg(
        first=pl.col("from_date").min(), last=pl.col("to_date").max(), cluster=pl.col("cluster").first()
    )
    what = pl.when(pl.col("price_key") == INPATIENT).then(pl.lit("inpatient bed-day price")).when(
        pl.col("price_key") == INITIAL).then(pl.lit("initial-assessment price")).otherwise(
        pl.concat_str(pl.lit("price for cluster "), pl.col("price_key")))
    return conform_exceptions(per_row.sort("row").select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), column=pl.lit("cluster"), value=pl.col("cluster").cast(pl.String),
        reason_code=pl.lit("no_price"),
        reason=pl.concat_str(pl.lit(f"arrangement '{arrangement.id}' has no "), what, pl.lit(" in effect from "),
                             pl.col("first").dt.to_string("%Y-%m-%d"), pl.lit(" to "), pl.col("last").dt.to_string("%Y-%m-%d"),
                             pl.lit("; those days are not paid")),
    ))
