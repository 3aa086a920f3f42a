"""The budgets an arrangement pays, the days each is held, its instalments and its reviews.

As applied:

- **Whose budgets**: rows of the budgets file with the arrangement's commissioner, or with none
  named. When several commissioners pay budgets (a phb arrangement each), a budget naming none
  is not used and is reported (``phb_no_commissioner``): it would be paid twice. A budget starting while an earlier budget of the same person is still held is not used
  and is reported (``phb_overlap``): each day is paid once.
- **Days held** are half-open, ``[start, stop)``, ``stop`` following the ruleset's day count
  (the end date itself is held under ``inclusive_end``); an open budget runs to the horizon. Days
  outside the contract's period are not held under it.
- **Instalments**: the agreed annual amount for the days held, over the days in the financial
  year (366 when it contains 29 February). Each month pays the amount held to the end of the
  month in the financial year less the amount held to its start, each rounded half up to the
  penny (cumulative rounding): a budget held all year is paid exactly its agreed amount.
- **Reviews**: the first is due ``first_within_months`` after the start; once a review on or
  after the start has taken place (by the end of the month in question), the next is due
  ``then_every_months`` after it (calendar months; the 31st becomes the month's last day).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from localpay.plugin import BUDGET_COLUMNS, DAY_COUNTS, Month, days_in_financial_year

from .text import date_text

FAR = dt.date(2200, 1, 1)


def budgets_for(arrangement, pricing) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the budgets used, with ``stop``, ``held_from`` and ``held_stop``; exception rows for the
    budgets not used)."""
    frame = pricing.tables.get("budgets", pl.DataFrame(schema=BUDGET_COLUMNS))
    ruleset = pricing.ruleset
    payers = [a.commissioner for a in ruleset.arrangements if a.option == arrangement.option]
    unnamed = pl.col("commissioner").is_null()
    mine = frame.filter((unnamed & (len(payers) == 1)) | (pl.col("commissioner") == arrangement.commissioner))
    # reported once, by the first phb arrangement
    ambiguous = frame.filter(unnamed) if len(payers) > 1 and payers[0] == arrangement.commissioner else frame.head(0)
    extra = pl.duration(days=DAY_COUNTS[ruleset.settings.day_count])
    mine = mine.with_columns(stop=pl.col("end_date") + extra).sort("patient_id", "start_date", "row")
    # the furthest any earlier budget of the person runs: starting before it is an overlap
    reach = pl.col("stop").fill_null(FAR).cum_max().shift(1).over("patient_id")
    mine = mine.with_columns(_clash=(pl.col("start_date") < reach).fill_null(False))
    clashes = mine.filter(pl.col("_clash"))
    contract_stop = ruleset.period.end + dt.timedelta(days=1)
    used = mine.filter(~pl.col("_clash")).drop("_clash").with_columns(
        held_from=pl.max_horizontal("start_date", pl.lit(ruleset.period.start)),
        held_stop=pl.min_horizontal(pl.col("stop").fill_null(pricing.horizon), pl.lit(pricing.horizon),
                                    pl.lit(contract_stop)),
    )
    overlaps = budget_exceptions(
        arrangement, clashes, "phb_overlap", "start_date", date_text(pl.col("start_date")),
        pl.concat_str(pl.lit("the budget starts on "), date_text(pl.col("start_date")),
                      pl.lit(" while an earlier budget of the same person is still held; each day is paid once, "
                             "under the earlier budget, so this one is not used")))
    unclaimed = budget_exceptions(
        arrangement, ambiguous, "phb_no_commissioner", "commissioner", pl.lit(None, pl.String),
        pl.lit(f"the budget names no commissioner, and {' and '.join(payers)} each pay personal health budgets: "
               "name the commissioner; the budget is not used"))
    return used, pl.concat([overlaps, unclaimed])


def budget_exceptions(arrangement, rows: pl.DataFrame, code: str, column: str, value: pl.Expr, reason: pl.Expr,
                      action: str = "excluded") -> pl.DataFrame:
    """Exception rows about budgets (source ``budgets``, the budget's row), on the statement of
    the arrangement's provider and commissioner."""
    return rows.select(
        source=pl.lit("budgets"), row="row", episode_id=pl.lit(None, pl.String),
        provider=pl.lit(arrangement.provider), commissioner=pl.lit(arrangement.commissioner), column=pl.lit(column),
        value=value, reason_code=pl.lit(code), reason=reason, action=pl.lit(action))


def days_between(start: pl.Expr, stop: pl.Expr) -> pl.Expr:
    """Days in ``[start, stop)``; none if it is empty."""
    return (stop - start).dt.total_days().clip(lower_bound=0)


def pro_rata(annual: pl.Expr, days: pl.Expr | int, in_year: pl.Expr | int) -> pl.Expr:
    """annual x days / days in the year, in pence, rounded half up (all non-negative)."""
    return (annual * days * 2 + in_year) // (in_year * 2)


def in_month(month: Month) -> dict[str, pl.Expr]:
    """Each budget's days held in the month, and its instalment (``month_amount``, pence)."""
    first, in_year = month.financial_year_start, days_in_financial_year(month)
    held_from, held_stop = pl.col("held_from"), pl.col("held_stop")
    in_year_from = pl.max_horizontal(held_from, pl.lit(first))
    up_to_end = days_between(in_year_from, pl.min_horizontal(held_stop, pl.lit(month.stop)))
    before = days_between(in_year_from, pl.min_horizontal(held_stop, pl.lit(month.start)))
    annual = pl.col("agreed_annual_amount")
    return {
        "days_held": days_between(pl.max_horizontal(held_from, pl.lit(month.start)),
                                  pl.min_horizontal(held_stop, pl.lit(month.stop))),
        "days_to_date": up_to_end,
        "to_date_amount": pro_rata(annual, up_to_end, in_year),
        "month_amount": pro_rata(annual, up_to_end, in_year) - pro_rata(annual, before, in_year),
        "days_in_year": pl.lit(in_year, pl.Int64),
    }


def review_due(month: Month, review) -> pl.Expr:
    """When the budget's next review is due, as known at the end of the month."""
    last = pl.col("last_review")
    reviewed = last.is_not_null() & (last >= pl.col("start_date")) & (last <= pl.lit(month.last_day))
    return (pl.when(reviewed).then(last.dt.offset_by(f"{review.then_every_months}mo"))
            .otherwise(pl.col("start_date").dt.offset_by(f"{review.first_within_months}mo")))


def financial_year_start(day: pl.Expr) -> pl.Expr:
    year = day.dt.year()
    return pl.date(pl.when(day.dt.month() >= 4).then(year).otherwise(year - 1), 4, 1)


def days_in_year(day: pl.Expr) -> pl.Expr:
    """Days in the financial year containing ``day``: 366 when it contains 29 February."""
    start = financial_year_start(day)
    return (start.dt.offset_by("1y") - start).dt.total_days()
