"""Stage payments for pathway instances: when each stage falls due, what it pays, and the lines,
re-entry exceptions and ``pathway_stages`` details that show it (the package's docstring gives the
terms).

Each stage is a column of trigger dates over all instances (a short loop over the stages, not
over people). A full stage is one line of quantity 1 at the stage's pence; a pro-rata stage is
the days served at the stage's pence per day in the stage, so the core's rule (quantity x unit
price, rounded half up) gives the amount.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from localpay.plugin import (PRICED_COLUMNS, Priced, amount_expr, conform_exceptions, dated_items,
                             month_label, pence_price_expr, share_price_expr)

from .instances import find_instances, pathway_episodes

DETAIL_COLUMNS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "patient_id": pl.String, "episode_id": pl.String, "entry_date": pl.Date, "stage": pl.String,
    "trigger": pl.String, "trigger_date": pl.Date, "share": pl.String, "days_served": pl.Int64,
    "days_in_stage": pl.Int64, "amount": pl.Int64, "instance": pl.String,
}


def stage_pence(price: Decimal, shares: list[Decimal]) -> list[int]:
    """Each stage's pence: the rounded cumulative amount less the one before, so the stages add
    up to the price (rounded to the penny) exactly, whatever the shares."""
    total, paid, cumulative, pence = price * 100, 0, Decimal(0), []
    for share in shares:
        cumulative += share
        upto = int((total * cumulative).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        pence.append(upto - paid)
        paid = upto
    return pence


def price_pathway(arrangement, ctx) -> Priced:
    on_pathway = pathway_episodes(arrangement, ctx.episodes)
    instances, blocked = find_instances(arrangement, on_pathway, ctx.horizon)
    instances = _triggers(_prices(instances, arrangement, ctx.ruleset.period.start), arrangement, ctx.horizon)
    paid = pl.concat([*_full_stages(instances, arrangement), _pro_rata(instances, arrangement)], how="diagonal_relaxed")
    first, horizon = ctx.months[0].start, ctx.horizon
    paid = paid.filter((pl.col("trigger_date") >= first) & (pl.col("trigger_date") < horizon)).with_columns(
        period=month_label(pl.col("trigger_date")),
        arrangement=pl.lit(arrangement.id), provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner),
    ).sort("period", "patient_id", "entry_date", "trigger_date", "_order")
    details = paid.select([pl.col(c).cast(t) for c, t in DETAIL_COLUMNS.items()])
    return Priced(_lines(paid, arrangement), _reentries(blocked, arrangement, first, horizon),
                  details={"pathway_stages": details})


def _prices(instances: pl.DataFrame, arrangement, period_start: dt.date) -> pl.DataFrame:
    """The price in effect on each entry date (an entry before the first date takes the first),
    as ``price_from`` and each stage's pence ``_p0, _p1, ...``."""
    items = dated_items(arrangement.price, period_start)
    shares = [s.share for s in arrangement.stages]
    table = pl.DataFrame(
        [(k, day, *stage_pence(price, shares)) for k, (day, price) in enumerate(items)], orient="row",
        schema={"_price": pl.Int32, "price_from": pl.Date, **{f"_p{i}": pl.Int64 for i in range(len(shares))}},
    )
    index = pl.lit(0, pl.Int32)
    for k, (day, _) in enumerate(items[1:], start=1):
        index = pl.when(pl.col("entry_date") >= day).then(pl.lit(k, pl.Int32)).otherwise(index)
    return instances.with_columns(_price=index).join(table, on="_price")


def _triggers(instances: pl.DataFrame, arrangement, horizon: dt.date) -> pl.DataFrame:
    """``_t{i}``: the date stage i is paid in full (null if it is not), ``_early{i}``: paid on
    completion before its days were up; and the instance's state as the statement sees it."""
    entry, completed, leave = pl.col("entry_date"), pl.col("completed"), pl.col("leave")
    columns = {}
    for i, stage in enumerate(arrangement.stages):
        early = pl.lit(False)
        if stage.at == "entry":
            due = entry
        elif stage.at == "completion":
            due = completed
        else:
            day = entry + pl.duration(days=stage.after_days)
            early = completed.is_not_null() & (completed < day)
            # strictly after: someone whose stop is that day was last on the pathway the day before
            due = pl.when(early).then(completed).when(leave.is_null() | (leave > day)).then(day)
        columns[f"_t{i}"], columns[f"_early{i}"] = due, early
    state = (pl.when(completed.is_not_null() & (completed < horizon)).then(pl.lit("completed ") + _text(completed))
             .when(leave.is_not_null()).then(pl.lit("left ") + _text(leave)).otherwise(pl.lit("open")))
    return instances.with_columns(**columns, instance=state)


def _full_stages(instances: pl.DataFrame, arrangement) -> list[pl.DataFrame]:
    frames = []
    for i, stage in enumerate(arrangement.stages):
        label = f"stage {stage.id} ({stage.share_text}): "
        early = pl.col(f"_early{i}")
        if stage.at == "entry":
            note, trigger = pl.lit(label + "at entry"), pl.lit("entry")
        elif stage.at == "completion":
            note = pl.lit(label + "completed ") + _text(pl.col("completed")) + pl.when(pl.col("by_max")).then(
                pl.lit(f" (the maximum duration, {arrangement.max_duration_days} days)")).otherwise(pl.lit(""))
            trigger = pl.lit("completion")
        else:
            note = pl.when(early).then(
                pl.lit(label + "completed ") + _text(pl.col("completed")) + pl.lit(f", before its {stage.after_days} days")
            ).otherwise(pl.lit(label + stage.trigger))
            trigger = pl.when(early).then(pl.lit("completion")).otherwise(pl.lit(stage.trigger))
        frames.append(instances.filter(pl.col(f"_t{i}").is_not_null()).select(
            _common(), _order=pl.lit(i), stage=pl.lit(stage.id), share=pl.lit(stage.share_text), trigger=trigger,
            trigger_date=f"_t{i}", quantity=pl.lit(1, pl.Int64), unit=pl.lit("stage"),
            unit_price=pence_price_expr(pl.col(f"_p{i}")), amount=f"_p{i}", days_served=pl.lit(None, pl.Int64),
            days_in_stage=pl.lit(None, pl.Int64), reason=pl.lit(None, pl.String), note=note,
        ))
    return frames


def _pro_rata(instances: pl.DataFrame, arrangement) -> pl.DataFrame:
    """The next unpaid stage, for the days served towards it, for each instance left early."""
    stages = arrangement.stages
    if arrangement.leaving_early != "pro_rata":
        return instances.clear().select(_common())
    entry = pl.col("entry_date")
    unpaid = [pl.col(f"_t{i}").is_null() for i in range(len(stages))]
    left = instances.with_columns(_next=pl.coalesce([pl.when(u).then(pl.lit(i)) for i, u in enumerate(unpaid)]))
    left = left.filter(pl.col("leave").is_not_null() & pl.col("_next").is_not_null())

    def pick(values) -> pl.Expr:  # the next stage's value, from one expression per stage
        chosen = pl.lit(None)
        for i, value in enumerate(values):
            chosen = pl.when(pl.col("_next") == i).then(value).otherwise(chosen)
        return chosen

    dues = [entry + pl.duration(days=s.after_days or arrangement.max_duration_days or 0) for s in stages]
    left = left.with_columns(_prev=pl.max_horizontal(entry, *[f"_t{i}" for i in range(len(stages))]),
                             _next_due=pick(dues), _pence=pick([pl.col(f"_p{i}") for i in range(len(stages))]))
    left = left.with_columns(days_served=(pl.col("leave") - pl.col("_prev")).dt.total_days(),
                             days_in_stage=(pl.col("_next_due") - pl.col("_prev")).dt.total_days()).with_columns(
        unit_price=share_price_expr(pl.col("_pence"), pl.col("days_in_stage")),  # a day's worth of the stage
    )
    label = pick([pl.lit(f"stage {s.id} ({s.share_text}): pro rata, ") for s in stages])
    return left.select(
        _common(), _order=pl.col("_next"), stage=pick([pl.lit(s.id) for s in stages]),
        share=pick([pl.lit(s.share_text) for s in stages]), trigger=pl.lit("pro rata"), trigger_date="leave",
        quantity="days_served", unit=pl.lit("day"), unit_price="unit_price", days_served="days_served",
        days_in_stage="days_in_stage", amount=amount_expr(pl.col("days_served"), pl.col("unit_price")),
        reason=pl.concat_str(pl.lit("left the pathway on "), _text(pl.col("leave")),
                             pl.lit(": the next stage is paid pro rata for the days served")),
        note=pl.concat_str(label, pl.col("days_served").cast(pl.String), pl.lit(" of "),
                           pl.col("days_in_stage").cast(pl.String), pl.lit(" days")),
    )


def _common() -> list[pl.Expr]:
    return [pl.col(c) for c in ("patient_id", "episode_id", "cluster", "entry_date", "price_from", "instance")]


def _text(day: pl.Expr) -> pl.Expr:
    return day.dt.to_string("%Y-%m-%d")


def _lines(paid: pl.DataFrame, arrangement) -> pl.DataFrame:
    lines = paid.with_columns(
        option=pl.lit("pathway"), from_date="entry_date", to_date="trigger_date", status=pl.lit("payable"),
        rules=pl.lit(None, pl.String), clause=pl.lit(arrangement.clause, pl.String),
    )
    return lines.select([pl.col(c).cast(t) for c, t in PRICED_COLUMNS.items()])


def _reentries(blocked: pl.DataFrame, arrangement, first: dt.date, horizon: dt.date) -> pl.DataFrame:
    inside = blocked.filter((pl.col("entry_date") >= first) & (pl.col("entry_date") < horizon))
    gap = arrangement.reentry_gap_days
    return conform_exceptions(inside.sort("row").select(
        source=pl.lit("episodes"), row="row", episode_id="episode_id", provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), column=pl.lit("start_date"), value=_text(pl.col("entry_date")),
        reason_code=pl.lit("pathway_reentry"),
        reason=pl.concat_str(
            pl.lit(f"the person's previous pathway under '{arrangement.id}' ended on "), _text(pl.col("end")),
            pl.lit(f"; with a re-entry gap of {gap} days a new one can start from "), _text(pl.col("until")),
            pl.lit(", so this entry starts none"),
        ),
    ))
