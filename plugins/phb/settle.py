"""Personal health budgets, month by month: the lines, the exceptions and the workings.

Lines: an instalment (``day``) for each direct payment or third-party budget held in a statement
month, on the phb arrangement's provider and commissioner; the unbundling lines on the cluster
provider's statement (``unbundle``); a reclaim (``reclaim``, negative) when one falls due
(``reclaim``). Notional budgets pay nothing: the money they commit is in the workings.

Exceptions (source ``budgets``, the budget's row): ``phb_moderation`` for an agreed amount
outside the moderation band around the indicative budget at its start, ``phb_review_overdue``
for a budget whose review is overdue at the end of the last statement month it is held in
(both for validation: the money is still paid), and ``phb_overlap`` (``budgets``).

Workings (``personal_health_budgets``): one row per budget per statement month in which it is
held or something is reclaimed.
"""

from __future__ import annotations

import polars as pl

from localpay.plugin import (PRICED_COLUMNS, Priced, empty_exceptions, pence_price_expr, percent_text,
                             share_price_expr)

from .allocation import band_text, basis_note, indicative, moderation, points_words
from .budgets import budget_exceptions, budgets_for, in_month, review_due
from .reclaim import reclaim_note, reclaim_reason, reclaims
from .text import date_text, join_notes, money_text, points_text, type_words
from .unbundle import unbundle_lines

PAID_TYPES = ("direct_payment", "third_party")
DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "budget_row": pl.Int64, "patient_id": pl.String, "type": pl.String, "agreed_annual_amount": pl.Int64,
    "points": pl.String, "indicative_amount": pl.Int64, "indicative_at_start_amount": pl.Int64,
    "moderation": pl.String, "days_held": pl.Int64, "paid_amount": pl.Int64, "committed_amount": pl.Int64,
    "unbundled_amount": pl.Int64, "reclaimed_amount": pl.Int64, "review_due": pl.Date, "note": pl.String,
}


def settle(arrangement, context) -> Priced:
    """The budgets' lines, exceptions and workings for the statement months."""
    pricing = context.pricing
    if pricing is None:  # settled outside a run: nothing to read budgets from
        return Priced(pl.DataFrame(schema=PRICED_COLUMNS),
                      details={"personal_health_budgets": pl.DataFrame(schema=DETAILS)})
    budgets, overlaps = budgets_for(arrangement, pricing)
    budgets = _moderated(arrangement, pricing, budgets)
    months = [_month(arrangement, pricing, budgets, month) for month in context.months]
    monthly = pl.concat(months) if months else None
    labels = [m.label for m in context.months]
    unbundled = unbundle_lines(arrangement, context.lines, budgets, labels)
    reclaimed = reclaims(arrangement, budgets, context.ruleset, context.months, pricing.horizon).join(
        budgets.select("row", "patient_id"), on="row")
    lines = pl.concat([_instalments(arrangement, monthly), unbundled.select(list(PRICED_COLUMNS)),
                       _reclaim_lines(arrangement, reclaimed)])
    exceptions = pl.concat([overlaps, _moderation_flags(arrangement, budgets, monthly),
                            _overdue_flags(arrangement, monthly)], how="diagonal_relaxed")
    details = _details(arrangement, monthly, unbundled, reclaimed)
    return Priced(lines, exceptions, {"personal_health_budgets": details})


def _moderated(arrangement, pricing, budgets: pl.DataFrame) -> pl.DataFrame:
    """Each budget's indicative budget as at its start, and where its agreed amount stands."""
    asof = budgets.select(key="row", patient_id="patient_id", as_of="start_date", window_start="start_date",
                          window_stop=pl.col("start_date") + pl.duration(days=1))
    found = indicative(arrangement, pricing, asof).select(
        row="key", start_points="points", start_indicative="indicative", start_basis="basis", start_honos="honos_date")
    fraction = arrangement.allocation.moderation
    return budgets.join(found, on="row", how="left").with_columns(
        moderation=moderation(pl.col("agreed_annual_amount"), pl.col("start_indicative"), pl.col("start_basis"),
                              fraction))


def _month(arrangement, pricing, budgets: pl.DataFrame, month) -> pl.DataFrame:
    asof = budgets.select(key="row", patient_id="patient_id", as_of=pl.lit(month.last_day),
                          window_start=pl.lit(month.start), window_stop=pl.lit(month.stop))
    now = indicative(arrangement, pricing, asof).rename({"key": "row"})
    return budgets.join(now, on="row", how="left").with_columns(
        period=pl.lit(month.label), month_start=pl.lit(month.start), month_last=pl.lit(month.last_day),
        review_due=review_due(month, arrangement.review), **in_month(month),
    ).with_columns(
        overdue=(pl.col("days_held") > 0) & (pl.col("review_due") <= pl.col("month_last")),
        basis_note=basis_note(pl.col("basis"), pl.col("month_last"), _excluded_words(arrangement), "in the month"),
    )


def _excluded_words(arrangement) -> str | None:
    excluded = arrangement.allocation.excluded
    return excluded.describe() if excluded is not None else None


def _instalments(arrangement, monthly: pl.DataFrame | None) -> pl.DataFrame:
    if monthly is None:
        return pl.DataFrame(schema=PRICED_COLUMNS)
    paid = monthly.filter(pl.col("type").is_in(PAID_TYPES) & (pl.col("days_held") > 0))
    days = pl.col("days_held")
    before = pl.col("to_date_amount") - pl.col("month_amount")
    note = pl.concat_str(
        type_words(), pl.lit(" of "), money_text(pl.col("agreed_annual_amount")), pl.lit(" a year over the "),
        pl.col("days_in_year").cast(pl.String), pl.lit(" days of the financial year: "),
        pl.col("days_to_date").cast(pl.String), pl.lit(" days held to "), date_text(pl.col("month_last")),
        pl.lit(", "), money_text(pl.col("to_date_amount")),
        pl.when(before > 0).then(pl.concat_str(pl.lit(", less "), money_text(before), pl.lit(" paid before")))
        .otherwise(pl.lit("")))
    return paid.select(
        arrangement=pl.lit(arrangement.id), option=pl.lit("phb"), provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), period="period", episode_id=pl.lit(None, pl.String),
        patient_id="patient_id", cluster=pl.lit(None, pl.Int8),
        from_date=pl.max_horizontal("held_from", "month_start"),
        to_date=pl.min_horizontal(pl.col("held_stop") - pl.duration(days=1), "month_last"),
        quantity=days, unit=pl.lit("day"),
        # the month's instalment over its days, to the micro: days x this rounds back to it exactly
        unit_price=share_price_expr(pl.col("month_amount"), days), price_from="start_date",
        status=pl.lit("payable"), rules=pl.lit(None, pl.String), clause=pl.lit(arrangement.clause, pl.String),
        reason=pl.lit(None, pl.String), note=note,
    ).cast(PRICED_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types


def _reclaim_lines(arrangement, reclaimed: pl.DataFrame) -> pl.DataFrame:
    due = reclaimed.filter(pl.col("reclaimed") > 0)
    if due.is_empty():
        return pl.DataFrame(schema=PRICED_COLUMNS)
    threshold = arrangement.reclaim.threshold_days
    return due.select(
        arrangement=pl.lit(arrangement.id), option=pl.lit("phb"), provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), period="period", episode_id=pl.lit(None, pl.String),
        patient_id="patient_id", cluster=pl.lit(None, pl.Int8), from_date="held_from",
        to_date=pl.col("as_at") - pl.duration(days=1), quantity=pl.lit(1), unit=pl.lit("reclaim"),
        unit_price=pence_price_expr(-pl.col("reclaimed")), price_from="held_from", status=pl.lit("payable"),
        rules=pl.lit(None, pl.String), clause=pl.lit(arrangement.clause, pl.String),
        reason=pl.lit(reclaim_reason(threshold)), note=reclaim_note(threshold),
    ).cast(PRICED_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types


def _moderation_flags(arrangement, budgets: pl.DataFrame, monthly: pl.DataFrame | None) -> pl.DataFrame:
    """Budgets held in the statement months whose agreed amount is outside the band."""
    if monthly is None:
        return empty_exceptions()
    held = monthly.filter(pl.col("days_held") > 0)["row"].unique().implode()
    outside = budgets.filter((pl.col("moderation") == "outside") & pl.col("row").is_in(held))
    fraction = arrangement.allocation.moderation
    agreed, start = pl.col("agreed_annual_amount"), pl.col("start_indicative")
    side = pl.when(agreed > start).then(pl.lit("above")).otherwise(pl.lit("below"))
    reason = pl.concat_str(
        pl.lit("agreed "), money_text(agreed), pl.lit(" a year is "), side,
        pl.lit(f" the moderation band of {percent_text(fraction)} either side of the indicative budget of "),
        money_text(start), pl.lit(" ("), points_words(pl.col("start_points")), pl.lit(", HoNOS of "),
        date_text(pl.col("start_honos")), pl.lit("): "), band_text(start, fraction), pl.lit("; approval needed"))
    return budget_exceptions(arrangement, outside, "phb_moderation", "agreed_annual_amount", money_text(agreed), reason,
                             "flagged")


def _overdue_flags(arrangement, monthly: pl.DataFrame | None) -> pl.DataFrame:
    """Budgets whose review is overdue at the end of the last statement month they are held in."""
    if monthly is None:
        return empty_exceptions()
    latest = monthly.filter(pl.col("days_held") > 0).sort("row", "period").group_by("row", maintain_order=True).last()
    overdue = latest.filter(pl.col("overdue"))
    review = arrangement.review
    reviewed = pl.col("last_review").is_not_null() & (pl.col("last_review") >= pl.col("start_date")) & (
        pl.col("last_review") <= pl.col("month_last"))
    since = (pl.when(reviewed).then(pl.concat_str(pl.lit(f"{review.then_every_months} months after the review on "),
                                                  date_text(pl.col("last_review"))))
             .otherwise(pl.concat_str(pl.lit(f"within {review.first_within_months} months of the start on "),
                                      date_text(pl.col("start_date")))))
    reason = pl.concat_str(pl.lit("review due by "), date_text(pl.col("review_due")), pl.lit(" ("), since,
                           pl.lit("), not done by "), date_text(pl.col("month_last")))
    return budget_exceptions(arrangement, overdue, "phb_review_overdue", "last_review", date_text(pl.col("last_review")),
                             reason, "flagged")


def _details(arrangement, monthly: pl.DataFrame | None, unbundled: pl.DataFrame,
             reclaimed: pl.DataFrame) -> pl.DataFrame:
    if monthly is None:
        return pl.DataFrame(schema=DETAILS)
    taken = unbundled.group_by("budget_row", "period").agg(unbundled_amount=pl.col("unbundled_amount").sum())
    back = reclaimed.select("row", "period", reclaimed_amount="reclaimed", reclaim_note=reclaim_note(
        arrangement.reclaim.threshold_days) if arrangement.reclaim else pl.lit(None, pl.String))
    rows = monthly.join(taken.rename({"budget_row": "row"}), on=["row", "period"], how="left").join(
        back, on=["row", "period"], how="left").with_columns(
        unbundled_amount=pl.col("unbundled_amount").fill_null(0),
        reclaimed_amount=pl.col("reclaimed_amount").fill_null(0))
    rows = rows.filter((pl.col("days_held") > 0) | (pl.col("reclaimed_amount") > 0))
    notional = pl.col("type") == "notional"
    return rows.select(
        arrangement=pl.lit(arrangement.id), provider=pl.lit(arrangement.provider),
        commissioner=pl.lit(arrangement.commissioner), period="period", budget_row="row", patient_id="patient_id",
        type=type_words(), agreed_annual_amount="agreed_annual_amount", points=points_text(pl.col("points")),
        indicative_amount="indicative", indicative_at_start_amount="start_indicative", moderation="moderation",
        days_held="days_held", paid_amount=pl.when(notional).then(0).otherwise(pl.col("month_amount")),
        committed_amount=pl.when(notional).then(pl.col("month_amount")).otherwise(0),
        unbundled_amount="unbundled_amount", reclaimed_amount="reclaimed_amount", review_due="review_due",
        note=join_notes(pl.col("basis_note"), pl.when(pl.col("overdue")).then(pl.lit("review overdue")),
                        pl.when(pl.col("reclaimed_amount") > 0).then(pl.col("reclaim_note"))),
    ).cast(DETAILS).sort("period", "budget_row")  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types
