"""Reclaiming unspent direct payments (NHS (Direct Payments) Regulations 2013, regulation 15).

As applied, to direct payments only (third-party and notional budgets are not paid to the
person), at two moments:

- **at the budget's review** (``last_review``), when the review falls inside the contract's
  period, on or after the budget's start and before the horizon, and not in the contract's last
  month (the year end covers a review then);
- **at the year end**: the end of the contract, when its last month is a statement month.

*Paid* is the agreed amount for the days held in the financial year before that moment (from
the later of the budget's start and the contract's start), as the instalments pay it. *Kept* is
``threshold_days``' worth: annual x threshold_days / days in the year, rounded half up. The
reclaim is paid - ``spent_to_date`` - kept - what was reclaimed at the review (at the year end),
when that is positive. The budgets file gives ``spent_to_date`` once: it is read as the spending
over the days paid. Everything is recomputed from the budgets file on every run, so a year-end
reclaim deducts a review's reclaim even when the review's month is not in the run.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from localpay.plugin import Month

from .budgets import days_between, days_in_year, financial_year_start, pro_rata
from .text import date_text, money_text

RECLAIM_COLUMNS = {"row": pl.Int64, "period": pl.String, "held_from": pl.Date, "as_at": pl.Date, "kind": pl.String,
                   "days": pl.Int64, "paid": pl.Int64, "spent_to_date": pl.Int64, "kept": pl.Int64, "prior": pl.Int64,
                   "reclaimed": pl.Int64}


def reclaims(arrangement, budgets: pl.DataFrame, ruleset, months, horizon: dt.date) -> pl.DataFrame:
    """One row per reclaim worked out (``RECLAIM_COLUMNS``; ``reclaimed`` may be zero), for the
    statement months only."""
    if arrangement.reclaim is None:
        return pl.DataFrame(schema=RECLAIM_COLUMNS)
    threshold = arrangement.reclaim.threshold_days
    direct = budgets.filter(pl.col("type") == "direct_payment")
    period, last_month = ruleset.period, Month.of(ruleset.period.end)
    review = pl.col("last_review")
    reviewed = direct.filter(
        review.is_not_null() & (review >= pl.col("start_date")) & (review >= period.start) & (review <= period.end)
        & (review < horizon) & (review < last_month.start))
    at_review = _worked(reviewed, review, "review", review.dt.to_string("%Y-%m"), threshold)
    at_review = at_review.with_columns(prior=pl.lit(0, pl.Int64))
    at_review = at_review.with_columns(reclaimed=_positive(pl.col("base")))
    frames = [at_review]
    if last_month in months:
        ended = _worked(direct.filter(pl.col("held_from") < pl.col("held_stop")),
                        pl.lit(period.end + dt.timedelta(days=1)), "year end", pl.lit(last_month.label), threshold)
        ended = ended.join(at_review.select("row", prior="reclaimed"), on="row", how="left").with_columns(
            prior=pl.col("prior").fill_null(0))
        frames.append(ended.with_columns(reclaimed=_positive(pl.col("base") - pl.col("prior"))))
    labels = [m.label for m in months]
    # polars types a cast's keys as names, selectors or types: a dict keyed by name is refused
    found = pl.concat([f.select(list(RECLAIM_COLUMNS)).cast(RECLAIM_COLUMNS) for f in frames])  # type: ignore[arg-type]
    return found.filter(pl.col("period").is_in(labels))


def _worked(budgets: pl.DataFrame, as_at: pl.Expr, kind: str, period: pl.Expr, threshold: int) -> pl.DataFrame:
    last = as_at - pl.duration(days=1)  # the last day paid for
    in_year = days_in_year(last)
    days = days_between(pl.max_horizontal("held_from", financial_year_start(last)),
                        pl.min_horizontal(pl.col("held_stop"), as_at))
    annual = pl.col("agreed_annual_amount")
    return budgets.with_columns(as_at=as_at, kind=pl.lit(kind), period=period, days=days).with_columns(
        paid=pro_rata(annual, pl.col("days"), in_year), kept=pro_rata(annual, threshold, in_year),
    ).with_columns(base=pl.col("paid") - pl.col("spent_to_date") - pl.col("kept"))


def _positive(pence: pl.Expr) -> pl.Expr:
    return pl.when(pence > 0).then(pence).otherwise(0)


def reclaim_note(threshold: int) -> pl.Expr:
    """The working behind a reclaim, in words."""
    moment = (pl.when(pl.col("kind") == "review")
              .then(pl.concat_str(pl.lit("at the review on "), date_text(pl.col("as_at"))))
              .otherwise(pl.lit("at the year end")))
    prior = pl.when(pl.col("prior") > 0).then(pl.concat_str(pl.lit(", less "), money_text(pl.col("prior")),
                                                            pl.lit(" reclaimed at the review"))).otherwise(pl.lit(""))
    return pl.concat_str(
        moment, pl.lit(": paid "), money_text(pl.col("paid")), pl.lit(" for "), pl.col("days").cast(pl.String),
        pl.lit(" days held from "), date_text(pl.col("held_from")), pl.lit(", spent "),
        money_text(pl.col("spent_to_date")), pl.lit(f", kept {threshold} days' worth "), money_text(pl.col("kept")),
        prior, pl.lit(": "), money_text(pl.col("reclaimed")), pl.lit(" reclaimed"))


def reclaim_reason(threshold: int) -> str:
    return (f"reclaimed: unspent direct payment above {threshold} days' worth of the budget "
            "(NHS (Direct Payments) Regulations 2013, regulation 15)")
