"""The returns file: figures a provider supplies for goals no data set holds.

CSV (or Parquet) with ``measure, period, numerator, denominator`` and optionally ``provider``
(blank: any provider). ``period`` is the month the figures are as at, ``YYYY-MM``. A bad row goes
to the exceptions report (source ``returns``) and is not used; the run goes on.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..inputs.checks import RowCheck, first_clean, missing, not_in, run_checks, unparsed
from ..inputs.read import integer_expr, read_input
from .indicators import RETURNS_COLUMNS

REQUIRED = ("measure", "period", "numerator", "denominator")
PARSED = ("period", "numerator", "denominator")


def read_returns(path: Path) -> pl.DataFrame:
    frame = read_input(path, "returns", REQUIRED, ("provider",))
    return frame.with_columns(**{f"_text_{c}": pl.col(c) for c in PARSED}).with_columns(
        period=pl.when(pl.col("_text_period").str.contains(r"^\d{4}-(0[1-9]|1[0-2])$")).then(pl.col("_text_period")),
        numerator=integer_expr("_text_numerator"),
        denominator=integer_expr("_text_denominator"),
    )


KEY = ["measure", "period", "provider"]


def returns_checks(providers: list[str]) -> list[RowCheck]:
    """Every check of a returns row (a repeated return after those of the row alone)."""
    return [*_row_checks(providers), _DUPLICATE]


def _row_checks(providers: list[str]) -> list[RowCheck]:
    return [
        *(missing(c, parsed=c in PARSED) for c in REQUIRED),
        unparsed("period", "bad_period", "a month written YYYY-MM"),
        unparsed("numerator", "bad_number", "a whole number"),
        unparsed("denominator", "bad_number", "a whole number"),
        RowCheck("bad_number", "numerator", pl.col("numerator") < 0,
                 pl.concat_str(pl.lit("a count cannot be negative, found "), pl.col("_text_numerator"))),
        RowCheck("bad_number", "denominator", pl.col("denominator") < 0,
                 pl.concat_str(pl.lit("a count cannot be negative, found "), pl.col("_text_denominator"))),
        RowCheck("numerator_above_denominator", "numerator", pl.col("numerator") > pl.col("denominator"),
                 pl.concat_str(pl.lit("the numerator "), pl.col("_text_numerator"),
                               pl.lit(" is more than the denominator "), pl.col("_text_denominator"))),
        not_in("provider", "unknown_provider", providers, "a provider party to the ruleset"),
    ]


# a clean row repeating the measure, month (as parsed) and provider of an earlier clean row
_DUPLICATE = RowCheck(
    "duplicate_return", "measure", pl.col("_clean") & (pl.col("row") != pl.col("_first_row")),
    pl.concat_str(pl.lit("a second return for "), pl.col("measure"), pl.lit(" in "), pl.col("period"),
                  pl.lit("; the first, on row "), pl.col("_first_row").cast(pl.String), pl.lit(", is used")))


def check_returns(frame: pl.DataFrame, providers: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The usable rows (``RETURNS_COLUMNS``) and the exception rows for the rest."""
    # the first clean row of each measure, month and provider is used; the reason names it on the others
    frame = first_clean(frame.with_columns(episode_id=pl.lit(None, pl.String)), _row_checks(providers), KEY)
    exceptions = run_checks(frame, returns_checks(providers), "returns")
    good = frame.join(exceptions.select("row").unique(), on="row", how="anti")
    return good.select([pl.col(c).cast(t) for c, t in RETURNS_COLUMNS.items()]), exceptions
