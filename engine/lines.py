"""Payment lines and exception rows: the two tables every stage writes into.

A plugin returns lines without ``value``, ``amount`` or ``statement_id``; the core adds them, so
the rule "value = quantity x unit price, rounded half up to the penny" holds on every line
whoever priced it (a line a local rule splits between funders carries its share of that value,
divided to the penny). Suspended lines carry amount zero: the days are shown, not paid; so do the lines of an
arrangement marked ``shadow: true`` (status ``shadow``), priced in full beside what is paid.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .errors import MoneyError, PluginError
from .money import MAX_UNIT_MICROS, MICROS_PER_PENNY, checked_amounts, format_price, wide_amount_expr
from .periods import Month
from .ruleset import Arrangement

STATUSES = ("payable", "held", "suspended", "shadow")
ZERO_STATUSES = ("suspended", "shadow")  # shown at their value, paid nothing
SHADOW_REASON = "shadow: priced in full for comparison, not paid"
# the rule id on a line that releases money held earlier (days held pending a review, paid in the
# month of the review): whoever counts activity by month counts those days where they were held
RELEASE_RULE = "overdue-review:release"

PRICED_COLUMNS = {
    "arrangement": pl.String,
    "option": pl.String,
    "provider": pl.String,
    "commissioner": pl.String,
    "period": pl.String,  # the statement month, YYYY-MM
    "episode_id": pl.String,  # null on contract-level lines
    "patient_id": pl.String,
    "cluster": pl.Int8,
    "from_date": pl.Date,  # the first day the line covers
    "to_date": pl.Date,  # the last day it covers (inclusive, as people read dates)
    "quantity": pl.Int64,
    "unit": pl.String,
    "unit_price": pl.Int64,  # micros: millionths of a pound
    "price_from": pl.Date,  # the date that price took effect
    "status": pl.String,
    "rules": pl.String,  # ids of the rules and settings that decided this line, ";"-separated
    "clause": pl.String,
    "reason": pl.String,  # why the line has its status, in words (same text for like lines)
    "note": pl.String,  # the particulars for this line (dates, review due)
}
LINE_COLUMNS = {
    "statement_id": pl.String, **PRICED_COLUMNS,
    "option_price": pl.Int64,  # micros: the unit price as the option priced it, before local rules
    "share": pl.String,  # a funder's share when a rule splits the line ("80%"), else null
    "value": pl.Int64,  # pence: what the line is worth at its price (its share of it, if split)
    "amount": pl.Int64,  # pence: what is paid: the value, or zero for a suspended line
}
LINE_ORDER = ["statement_id", "period", "arrangement", "episode_id", "from_date", "to_date", "status", "unit", "price_from",
              "unit_price", "rules"]

EXCEPTION_COLUMNS = {
    "source": pl.String,  # episodes, assessments
    "row": pl.Int64,  # data row number, 1-based, header not counted
    "episode_id": pl.String,
    "provider": pl.String,
    "commissioner": pl.String,
    "column": pl.String,
    "value": pl.String,
    "reason_code": pl.String,
    "reason": pl.String,
    "action": pl.String,  # excluded: not priced; trimmed: priced for fewer days; flagged: priced, for validation
}
EXCEPTION_ORDER = ["source", "row", "reason_code", "column", "value", "reason"]


def payment_line(*, arrangement: Arrangement, month: Month, unit: str, pence: int | None = None, micros: int | None = None,
                 quantity: int = 1, start: dt.date | None = None, price_from: dt.date | None = None,
                 provider: str | None = None, status: str = "payable", reason: str | None = None,
                 note: str | None = None) -> dict[str, object]:
    """One contract-level payment line (a row of ``PRICED_COLUMNS``) of ``arrangement`` for
    ``month``: its option, parties and clause, from ``start`` (the month's first day unless
    given) to the month's last day.

    The unit price is given in pence (``pence``) or, for a price finer than a penny, in
    millionths of a pound (``micros``): exactly one of them. ``price_from`` is the day that
    price took effect (``start`` unless given); ``provider`` is the arrangement's unless given
    (an alliance pays each member). No episode, person or cluster: use a frame for those.
    """
    if (pence is None) == (micros is None):
        raise ValueError("a payment line has its unit price in pence or in micros, not both or neither")
    start = start or month.start
    unit_price = pence * MICROS_PER_PENNY if pence is not None else micros
    assert unit_price is not None  # exactly one of them was given (checked above)
    if abs(unit_price) > MAX_UNIT_MICROS:  # beyond what a line's 64-bit unit price may hold
        raise MoneyError(f"arrangement {arrangement.id!r}, {month}: a unit price of {format_price(unit_price)} is beyond "
                         f"the {format_price(MAX_UNIT_MICROS)} a unit price of a run may reach; nothing was written")
    return {
        "arrangement": arrangement.id, "option": arrangement.option, "provider": provider or arrangement.provider,
        "commissioner": arrangement.commissioner, "period": month.label, "episode_id": None, "patient_id": None,
        "cluster": None, "from_date": start, "to_date": month.last_day, "quantity": quantity, "unit": unit,
        "unit_price": unit_price, "price_from": price_from or start,
        "status": status, "rules": None, "clause": arrangement.clause, "reason": reason, "note": note,
    }


def lines_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows from ``payment_line`` as a frame of ``PRICED_COLUMNS``; no rows, an empty frame."""
    return pl.DataFrame(rows, schema=PRICED_COLUMNS) if rows else pl.DataFrame(schema=PRICED_COLUMNS)


def statement_id_expr() -> pl.Expr:
    return pl.concat_str(pl.col("provider"), pl.col("commissioner"), pl.col("period"), separator="-")


def finalise_lines(frame: pl.DataFrame, who: str) -> pl.DataFrame:
    """Check a plugin's lines against the schema, then add statement ids and amounts."""
    missing = [c for c in PRICED_COLUMNS if c not in frame.columns]
    if missing:
        raise PluginError(f"{who} returned payment lines without the columns: {', '.join(missing)}")
    try:
        frame = frame.select([pl.col(c).cast(t, strict=True) for c, t in PRICED_COLUMNS.items()])
    except pl.exceptions.PolarsError as error:
        raise PluginError(f"{who} returned payment lines of the wrong types: {error}") from None
    bad = frame.filter(~pl.col("status").is_in(STATUSES))["status"].unique().to_list()
    if bad:
        raise PluginError(f"{who} returned lines with unknown statuses {bad}; expected one of {list(STATUSES)}")
    amount = wide_amount_expr(pl.col("quantity"), pl.col("unit_price"))
    frame = frame.with_columns(
        statement_id=statement_id_expr(),
        option_price=pl.col("unit_price"),
        share=pl.lit(None, pl.String),
        value=amount,
    )
    return checked_amounts(frame, who).with_columns(amount=paid_expr()).select(list(LINE_COLUMNS))


def paid_expr() -> pl.Expr:
    """The amount paid: the line's value, or zero if its status pays nothing."""
    return pl.when(pl.col("status").is_in(ZERO_STATUSES)).then(0).otherwise(pl.col("value")).cast(pl.Int64)


def empty_lines() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_COLUMNS)


def empty_exceptions() -> pl.DataFrame:
    return pl.DataFrame(schema=EXCEPTION_COLUMNS)


def conform_exceptions(frame: pl.DataFrame) -> pl.DataFrame:
    """Exception rows in the standard columns (absent ones null)."""
    if frame.width == 0:
        return empty_exceptions()
    return frame.select(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in EXCEPTION_COLUMNS.items()]
    )


def shadowed(lines: pl.DataFrame, arrangements: list[str]) -> pl.DataFrame:
    """The lines of shadow arrangements, priced in full but paid nothing (status ``shadow``)."""
    if not arrangements:
        return lines
    mine = pl.col("arrangement").is_in(arrangements)
    return lines.with_columns(
        status=pl.when(mine).then(pl.lit("shadow")).otherwise(pl.col("status")),
        reason=pl.when(mine & pl.col("reason").is_null()).then(pl.lit(SHADOW_REASON)).otherwise(pl.col("reason")),
    ).with_columns(amount=paid_expr())
