"""Extra episode columns a ruleset declares for its rules: typed beside their text, and
checked like the built-in columns: a value that does not parse, or a text value outside the
values declared for the column, sends the row to the exceptions report, since a rule could
otherwise decide money on a misread value."""

from __future__ import annotations

import polars as pl

from ..errors import InputError
from ..inputs.checks import RowCheck, not_in, unparsed
from ..inputs.read import date_expr, date_words
from .model import RuleBook

NUMBER = r"^-?\d{1,12}(\.\d{1,6})?$"
NUMBER_WORDS = "a number with at most 6 decimal places"


def typed_columns(frame: pl.DataFrame, book: RuleBook | None, what: str = "episodes") -> pl.DataFrame:
    """The declared columns typed (numbers as integer millionths, dates as dates), with their
    text kept in ``_text_<column>``; a declared column absent from the input is an error."""
    declared = book.declared if book else {}
    absent = [name for name in declared if name not in frame.columns]
    if absent:
        raise InputError(f"the {what} file has no column {', '.join(absent)}, which the ruleset declares "
                         "under inputs.episodes for its rules")
    typed = [f for f in declared.values() if f.type in ("number", "date")]
    if not typed:
        return frame
    return frame.with_columns(pl.col(f.name).alias(f"_text_{f.name}") for f in typed).with_columns(
        _parse(f.name, f.type).alias(f.name) for f in typed
    )


def _parse(name: str, kind: str) -> pl.Expr:
    if kind == "date":
        return date_expr(f"_text_{name}")
    text = pl.col(f"_text_{name}")
    micros = text.str.replace(r"^(-?\d+)$", "$1.0").cast(pl.Decimal(38, 6), strict=False) * 1_000_000
    return pl.when(text.str.contains(NUMBER)).then(micros.cast(pl.Int64, strict=False))


def column_checks(book: RuleBook | None) -> list[RowCheck]:
    checks = []
    for f in (book.declared.values() if book else ()):
        if f.type == "date":
            checks.append(unparsed(f.name, "bad_date", date_words()))
        elif f.type == "number":
            checks.append(unparsed(f.name, "bad_number", NUMBER_WORDS))
        elif f.values:
            checks.append(not_in(f.name, "unknown_value", list(f.values),
                                 f"one of the values the ruleset declares for {f.name}"))
    return checks
