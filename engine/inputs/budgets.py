"""Personal health budgets and populations: the input tables the PHB and capitation options read.

**Budgets** (``--budgets``): one row per agreed budget: ``patient_id, start_date, end_date``
(blank: still held), ``type`` (``direct_payment``, ``third_party`` or ``notional``),
``agreed_annual_amount``, ``spent_to_date`` (pounds), and optionally ``commissioner`` and
``last_review`` (the date of the latest review of the budget).

**Population** (``--population``): ``commissioner, period, population``: the people a
commissioner's capitation is paid for in a month (``YYYY-MM``).

Bad rows go to the exceptions report (source ``budgets`` or ``population``) and are not used.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..money import MAX_STATED, format_money
from .checks import RowCheck, first_clean, missing, not_in, run_checks, unparsed
from .read import date_expr, date_words, integer_expr, read_input

BUDGET_TYPES = ("direct_payment", "third_party", "notional")
BUDGET_REQUIRED = ("patient_id", "start_date", "type", "agreed_annual_amount", "spent_to_date")
BUDGET_OPTIONAL = ("end_date", "commissioner", "last_review")
BUDGET_PARSED = ("start_date", "end_date", "last_review", "type", "agreed_annual_amount", "spent_to_date")
BUDGET_COLUMNS = {"row": pl.Int64, "patient_id": pl.String, "commissioner": pl.String, "start_date": pl.Date,
                  "end_date": pl.Date, "type": pl.String, "agreed_annual_amount": pl.Int64,
                  "spent_to_date": pl.Int64, "last_review": pl.Date}  # money in pence
POPULATION_REQUIRED = ("commissioner", "period", "population")
POPULATION_COLUMNS = {"row": pl.Int64, "commissioner": pl.String, "period": pl.String, "population": pl.Int64}
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def pence_expr(column: str) -> pl.Expr:
    """Pounds written as text ("1234.5", "1,234.50", "£700") as integer pence; null if not money."""
    text = pl.col(column).str.replace_all(r"[£,]", "")
    valid = text.str.contains(r"^\d{1,15}(\.\d{1,2})?$")  # at most 10^17 pence, in 64 bits; bounded by the checks
    pounds = text.str.split(".").list.get(0, null_on_oob=True)
    pence = text.str.split(".").list.get(1, null_on_oob=True).fill_null("").str.pad_end(2, "0")
    return pl.when(valid).then(pounds.cast(pl.Int64, strict=False) * 100 + pence.cast(pl.Int64, strict=False))


def read_budgets(path: Path) -> pl.DataFrame:
    frame = read_input(path, "budgets", BUDGET_REQUIRED, BUDGET_OPTIONAL)
    return frame.with_columns(**{f"_text_{c}": pl.col(c) for c in BUDGET_PARSED}).with_columns(
        start_date=date_expr("_text_start_date"), end_date=date_expr("_text_end_date"),
        last_review=date_expr("_text_last_review"),
        type=pl.col("_text_type").str.to_lowercase().str.replace_all(r"[\s-]+", "_"),
        agreed_annual_amount=pence_expr("_text_agreed_annual_amount"), spent_to_date=pence_expr("_text_spent_to_date"),
    )


def budget_checks(commissioners: list[str]) -> list[RowCheck]:
    return [
        *(missing(c, parsed=c in BUDGET_PARSED) for c in BUDGET_REQUIRED),
        unparsed("start_date", "bad_date", date_words()),
        unparsed("end_date", "bad_date", date_words()),
        unparsed("last_review", "bad_date", date_words()),
        RowCheck("end_before_start", "end_date", pl.col("end_date") < pl.col("start_date"),
                 pl.concat_str(pl.lit("the budget ends ("), pl.col("_text_end_date"), pl.lit(") before it starts ("),
                               pl.col("_text_start_date"), pl.lit(")"))),
        RowCheck("unknown_type", "type", pl.col("_text_type").is_not_null() & ~pl.col("type").is_in(BUDGET_TYPES),
                 pl.concat_str(pl.lit(f"expected one of {', '.join(BUDGET_TYPES)}, found '"), pl.col("_text_type"),
                               pl.lit("'"))),
        unparsed("agreed_annual_amount", "bad_amount", "an amount in pounds with at most two decimal places"),
        unparsed("spent_to_date", "bad_amount", "an amount in pounds with at most two decimal places"),
        beyond_stated("agreed_annual_amount"),
        beyond_stated("spent_to_date"),
        not_in("commissioner", "unknown_commissioner", commissioners, "a commissioner party to the ruleset"),
    ]


def beyond_stated(column: str) -> RowCheck:
    """An amount above the most a ruleset may state (``money.MAX_STATED``): no budget is that large,
    so it is a slip of the keyboard, reported rather than paid."""
    return RowCheck("bad_amount", column, pl.col(column) > int(MAX_STATED * 100),
                    pl.concat_str(pl.lit(f"expected an amount of at most {format_money(MAX_STATED)}, found '"),
                                  pl.col(f"_text_{column}"), pl.lit("'")))


def check_budgets(frame: pl.DataFrame, commissioners: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The usable budgets (``BUDGET_COLUMNS``) and the exception rows for the rest."""
    frame = frame.with_columns(episode_id=pl.lit(None, pl.String), provider=pl.lit(None, pl.String))
    exceptions = run_checks(frame, budget_checks(commissioners), "budgets")
    good = frame.join(exceptions.select("row").unique(), on="row", how="anti")
    return good.select([pl.col(c).cast(t) for c, t in BUDGET_COLUMNS.items()]), exceptions


def read_population(path: Path) -> pl.DataFrame:
    frame = read_input(path, "population", POPULATION_REQUIRED, ())
    return frame.with_columns(_text_period=pl.col("period"), _text_population=pl.col("population")).with_columns(
        period=pl.when(pl.col("_text_period").str.contains(MONTH)).then(pl.col("_text_period")),
        population=integer_expr("_text_population"),
    )


def check_population(frame: pl.DataFrame, commissioners: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = frame.with_columns(episode_id=pl.lit(None, pl.String), provider=pl.lit(None, pl.String))
    checks = [
        *(missing(c, parsed=c != "commissioner") for c in POPULATION_REQUIRED),
        unparsed("period", "bad_period", "a month written YYYY-MM"),
        unparsed("population", "bad_number", "a whole number of people"),
        RowCheck("bad_number", "population", pl.col("population") < 0,
                 pl.concat_str(pl.lit("a population cannot be negative, found "), pl.col("_text_population"))),
        not_in("commissioner", "unknown_commissioner", commissioners, "a commissioner party to the ruleset"),
    ]
    # the first clean row of a commissioner's month (as parsed) is used; a later clean one repeats it
    frame = first_clean(frame, checks, ["commissioner", "period"])
    checks.append(RowCheck("duplicate_population", "period", pl.col("_clean") & (pl.col("row") != pl.col("_first_row")),
                           pl.concat_str(pl.lit("a second population for "), pl.col("commissioner"), pl.lit(" in "),
                                         pl.col("period"), pl.lit("; the first, on row "),
                                         pl.col("_first_row").cast(pl.String), pl.lit(", is used"))))
    exceptions = run_checks(frame, checks, "population")
    good = frame.join(exceptions.select("row").unique(), on="row", how="anti")
    return good.select([pl.col(c).cast(t) for c, t in POPULATION_COLUMNS.items()]), exceptions
