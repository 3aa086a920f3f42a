"""Row checks: each marks the episode rows it finds bad and says why.

Checks are declared through the ``localpay_episode_checks`` hook (the built-in ones too, in
``localpay.inputs.default_checks``) and run vectorised over the whole input. Every bad row goes
to the exceptions report; the run goes on with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..lines import EXCEPTION_COLUMNS


@dataclass(frozen=True)
class RowCheck:
    """``bad`` is a boolean expression over the parsed episode frame (typed columns, with each
    parsed column's original text in ``_text_<column>``); ``reason`` is a text expression
    explaining, for one bad row, what was expected and what was found."""

    code: str
    column: str
    bad: pl.Expr
    reason: pl.Expr

    def exceptions(self, frame: pl.DataFrame, source: str) -> pl.DataFrame:
        value = f"_text_{self.column}" if f"_text_{self.column}" in frame.columns else self.column
        hits = frame.filter(self.bad.fill_null(False))
        return hits.select(
            source=pl.lit(source),
            row=pl.col("row").cast(pl.Int64),
            episode_id=pl.col("episode_id") if "episode_id" in frame.columns else pl.lit(None, pl.String),
            provider=pl.col("provider"),
            commissioner=pl.col("commissioner") if "commissioner" in frame.columns else pl.lit(None, pl.String),
            column=pl.lit(self.column),
            value=pl.col(value).cast(pl.String) if value in frame.columns else pl.lit(None, pl.String),
            reason_code=pl.lit(self.code),
            reason=self.reason,
            action=pl.lit("excluded"),
        ).cast(EXCEPTION_COLUMNS)  # type: ignore[arg-type]  # polars types a cast's keys as names, selectors or types


def run_checks(frame: pl.DataFrame, checks: list[RowCheck], source: str) -> pl.DataFrame:
    return pl.concat([check.exceptions(frame, source) for check in checks], how="vertical")


def first_clean(frame: pl.DataFrame, checks: list[RowCheck], key: list[str]) -> pl.DataFrame:
    """``frame`` with ``_clean`` (no check of ``checks`` finds the row bad) and ``_first_row``
    (the first clean row of the row's ``key``), for a check of rows that repeat an earlier one:
    only a clean row can repeat another, and only a clean row is the one used, so a row already
    bad is never also a duplicate (of another bad row whose key failed to parse, most often)."""
    bad = pl.any_horizontal([c.bad.fill_null(False) for c in checks]) if checks else pl.lit(False)
    return frame.with_columns(_clean=~bad).with_columns(
        _first_row=pl.when(pl.col("_clean")).then(pl.col("row")).min().over(key))


def missing(column: str, parsed: bool = False) -> RowCheck:
    text = pl.col(f"_text_{column}" if parsed else column)
    return RowCheck("missing_value", column, text.is_null(), pl.lit(f"{column} is empty; a value is required"))


def unparsed(column: str, code: str, expected: str) -> RowCheck:
    """The text is there but did not parse to the column's type."""
    text = pl.col(f"_text_{column}")
    return RowCheck(code, column, text.is_not_null() & pl.col(column).is_null(),
                    pl.concat_str(pl.lit(f"expected {expected}, found '"), text, pl.lit("'")))


def not_in(column: str, code: str, allowed: list[str], what: str) -> RowCheck:
    listed = ", ".join(allowed)
    return RowCheck(code, column, pl.col(column).is_not_null() & ~pl.col(column).is_in(allowed),
                    pl.concat_str(pl.lit("'"), pl.col(column), pl.lit(f"' is not {what} (expected one of: {listed})")))

