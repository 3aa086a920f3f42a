"""Unbundling: the money for a personal health budget taken out of the provider's cluster payment.

As applied, to each line of the named cluster arrangements for a person who holds a budget
(status ``payable`` or ``held``; a suspended or shadow line pays nothing to take from, and a
line a local rule splits between funders is left to the split):

- a line priced per day (``day``, ``bed day``) is reduced for the days it shares with the
  budget: days x the cut, where the cut is ``percent`` of its unit price, or (``by: budget``)
  the budget's daily amount (annual / days in the financial year) capped at the unit price;
- a line priced once (a review period, an episode) is reduced by ``percent`` of its unit price
  when it falls due on a day the budget is held; ``by: budget`` leaves it alone (the option's
  check refuses ``by: budget`` for an arrangement not priced per day).

Each reduction is a negative line of the phb arrangement on the cluster line's provider,
commissioner, month, episode and status (a held cluster line is unbundled as held), so it sits
on the provider's statement beside the payment it reduces. Unit prices are rounded half up to
the millionth of a pound, amounts (by the core) half up to the penny.
"""

from __future__ import annotations

import polars as pl

from localpay.plugin import PRICED_COLUMNS, amount_expr, percent_text, share_price_expr

from .budgets import days_between, days_in_year
from .text import DAY_UNITS, date_text, type_words

UNBUNDLED = {**PRICED_COLUMNS, "budget_row": pl.Int64, "unbundled_amount": pl.Int64}


def unbundle_lines(arrangement, lines: pl.DataFrame, budgets: pl.DataFrame, labels: list[str]) -> pl.DataFrame:
    """The negative lines (``PRICED_COLUMNS``) with the budget's row and the amount taken off
    (``budget_row``, ``unbundled_amount``, pence, positive)."""
    terms = arrangement.unbundle
    if terms is None:
        return pl.DataFrame(schema=UNBUNDLED)
    cluster = lines.filter(
        pl.col("arrangement").is_in(terms.of) & pl.col("status").is_in(["payable", "held"]) & pl.col("share").is_null()
        & (pl.col("commissioner") == arrangement.commissioner) & pl.col("period").is_in(labels)
        & pl.col("patient_id").is_not_null())
    held = budgets.select("patient_id", "start_date", "held_from", "held_stop", "type", "agreed_annual_amount",
                          budget_row="row")
    joined = cluster.join(held, on="patient_id").with_columns(
        _by_day=pl.col("unit").is_in(DAY_UNITS), _stop=pl.col("to_date") + pl.duration(days=1))
    joined = joined.with_columns(
        # a day line is cut to the days held; a line priced once stays whole
        _from=pl.when("_by_day").then(pl.max_horizontal("from_date", "held_from")).otherwise("from_date"),
        _until=pl.when("_by_day").then(pl.min_horizontal("_stop", "held_stop")).otherwise("_stop"),
    )
    on_held_day = (pl.col("held_from") <= pl.col("from_date")) & (pl.col("from_date") < pl.col("held_stop"))
    joined = joined.with_columns(
        _quantity=pl.when(pl.col("_by_day")).then(days_between(pl.col("_from"), pl.col("_until")))
        .when(on_held_day).then(pl.col("quantity")).otherwise(0),
        _cut=_cut(terms),
    ).filter((pl.col("_quantity") > 0) & pl.col("_cut").is_not_null() & (pl.col("_cut") > 0))
    return joined.select(
        arrangement=pl.lit(arrangement.id), option=pl.lit("phb"), provider="provider", commissioner="commissioner",
        period="period", episode_id="episode_id", patient_id="patient_id", cluster="cluster", from_date="_from",
        to_date=pl.col("_until") - pl.duration(days=1), quantity="_quantity", unit="unit",
        unit_price=-pl.col("_cut"), price_from="price_from", status="status", rules=pl.lit(None, pl.String),
        clause=pl.lit(arrangement.clause, pl.String), reason=pl.lit(unbundle_reason(arrangement)),
        note=_note(), budget_row="budget_row", unbundled_amount=amount_expr(pl.col("_quantity"), pl.col("_cut")),
    ).cast(UNBUNDLED)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types


def _cut(terms) -> pl.Expr:
    """What comes off each unit, in micros, rounded half up (prices are never negative)."""
    price = pl.col("unit_price")
    if terms.percent is not None:
        share = int(terms.percent * 1_000_000)  # at most four places of a percentage: exact
        return (price * share + 500_000) // 1_000_000
    in_year = days_in_year(pl.col("from_date"))
    daily = share_price_expr(pl.col("agreed_annual_amount"), in_year)
    return pl.when(pl.col("_by_day")).then(pl.min_horizontal(price, daily))


def unbundle_reason(arrangement) -> str:
    """The same words on every like line: the particulars go in the note."""
    terms = arrangement.unbundle
    if terms.percent is not None:
        cut = f"{percent_text(terms.percent)} of the cluster price"
    else:
        cut = "the budget's daily amount, up to the cluster price,"
    return (f"unbundled for a personal health budget ({arrangement.id}): {cut} taken off for the days the person "
            "holds the budget")


def _note() -> pl.Expr:
    return pl.concat_str(pl.lit("budgets row "), pl.col("budget_row").cast(pl.String), pl.lit(": "),
                         type_words(), pl.lit(" from "), date_text(pl.col("start_date")), pl.lit("; "),
                         pl.col("_quantity").cast(pl.String), pl.lit(" of the line's "),
                         pl.col("quantity").cast(pl.String), pl.lit(" "), pl.col("unit"),
                         pl.when(pl.col("quantity") == 1).then(pl.lit("")).otherwise(pl.lit("s")))
