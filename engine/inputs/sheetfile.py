"""An input file that is an Excel workbook, copied as a numbered CSV for the CSV path to read.

The sheet read is the one the ruleset names (``inputs: {episodes: {sheet: NAME}}``), else the
workbook's only sheet, else the one named for the table (``episodes``, case aside); never the
first of several. Its header is its first row holding a value. Each data row is numbered with
the sheet's own row number (as Excel shows it, so a reported row is found where the user looks),
fully empty rows are left out, and a row with a cell that cannot be read (an error value, a
formula without a saved result, a value in a column the header does not name) is reported as a
bad row naming the sheet and the cell (``Episodes!F7``), the rest of the sheet still read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import polars as pl
from openpyxl.utils import get_column_letter

from ..errors import InputError
from .csvfile import Layout
from .headers import as_written, tidy
from .reading import options
from .records import ROW, Malformed
from .workbook import Cell, Sheet, WorkbookError, cell_name, choose, open_workbook, sheet_ref

# the columns localpay reads as dates, where a whole number is an Excel serial date
DATE_COLUMNS = {
    "episodes": ("start_date", "end_date"),
    "assessments": ("assessment_date",),
    "budgets": ("start_date", "end_date", "last_review"),
}
# the columns localpay reads as months (YYYY-MM), where a date cell on the first of a month is that month
MONTH_COLUMNS = {
    "returns": ("period",),
    "population": ("period",),
}


# the sheet each input table was read from, and its columns by tidy name, while ``sheets_read`` is open
_SHEETS: ContextVar[dict[str, tuple[str, list[str]]] | None] = ContextVar("localpay_sheets_read", default=None)


@contextmanager
def sheets_read() -> Iterator[dict[str, tuple[str, list[str]]]]:
    """Note, by table, the sheet and columns of each workbook read in the block (``name_cells``)."""
    found: dict[str, tuple[str, list[str]]] = {}
    token = _SHEETS.set(found)
    try:
        yield found
    finally:
        _SHEETS.reset(token)


def name_cells(exceptions: pl.DataFrame, sheets: dict[str, tuple[str, list[str]]]) -> pl.DataFrame:
    """Exception entries of a table read from a workbook, their reason followed by the cell
    their row and column name (`` (cell Episodes!F14)``), unless it names one already."""
    for what, (sheet, names) in sorted(sheets.items()):
        letters = {name: get_column_letter(i + 1) for i, name in enumerate(names)}
        # the column as localpay names it, or as the file's header does (``columns.as_headed``)
        letter = pl.col("column").str.strip_chars().str.to_lowercase().replace_strict(
            letters, default=None, return_dtype=pl.String)
        ref = pl.concat_str(pl.lit(f" (cell {sheet_ref(sheet)}!"), letter,
                            pl.col("row").cast(pl.String), pl.lit(")"))
        named = ((pl.col("source") == what) & letter.is_not_null() & pl.col("row").is_not_null()
                 & ~pl.col("reason").fill_null("").str.starts_with("cell "))
        exceptions = exceptions.with_columns(
            reason=pl.when(named).then(pl.col("reason").fill_null("") + ref).otherwise(pl.col("reason")))
    return exceptions


def date_columns(what: str) -> frozenset[str]:
    """The columns of the table ``what`` read as dates, by their tidy header: its own, those the
    reading's options add (a ruleset's declared date columns), and each header a column mapping
    reads one of them from."""
    return _headers(what, DATE_COLUMNS.get(what, ()) + options().table(what).dates)


def month_columns(what: str) -> frozenset[str]:
    """The columns of the table ``what`` read as months, by their tidy header, mapped ones too."""
    return _headers(what, MONTH_COLUMNS.get(what, ()))


def _headers(what: str, fields: tuple[str, ...]) -> frozenset[str]:
    """``fields`` and each header the table's column mapping reads one of them from, tidy."""
    table = options().table(what)
    mapped = dict(table.columns.fields) if table.columns else {}
    headers = [tidy(header) for field in fields if field in mapped for header in mapped[field].columns]
    return frozenset(fields + tuple(headers))


def workbook_layout(path: Path, what: str, scratch: Path) -> Layout:
    """The sheet to read copied into ``scratch`` as a numbered UTF-8 CSV (see the module)."""
    shown = f"{what} file {str(path)!r}"
    try:
        book = open_workbook(path)
    except WorkbookError as error:
        raise InputError(f"{shown} {error}") from None
    try:
        name = choose(book.names, options().table(what).sheet, what, f"inputs: {{{what}: {{sheet: NAME}}}} in the ruleset")
        sheet = book.sheet(name, date_columns(what), month_columns(what))
        noted = _SHEETS.get()
        if noted is not None:
            noted[what] = (name, [tidy(n) for n in sheet.names])
        copy = scratch / "sheet.csv"
        records, malformed = _copy(sheet, copy)
    except WorkbookError as error:
        raise InputError(f"{shown} {error}") from None
    except InputError:
        raise
    except Exception as error:  # a damaged part of the workbook met while reading its rows
        raise InputError(f"{shown} cannot be read as an .xlsx workbook: {type(error).__name__}: {error}") from None
    finally:
        book.close()
    if not sheet.names:
        raise InputError(f"{shown} has no header: sheet {name!r} is empty; its first row should name the columns")
    return Layout(copy, sheet.names, records, True, malformed)


def _copy(sheet: Sheet, copy: Path) -> tuple[int, list[Malformed]]:
    width = len(sheet.names)
    names = [as_written(n) for n in sheet.names]  # a bad cell's column as the file's header names it
    records, malformed = 0, []
    with open(copy, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([ROW, *sheet.names])
        for number, cells in sheet.rows:
            records += 1
            problems = _problems(sheet.name, number, cells, names, width)
            if problems:
                first = problems[0]
                malformed.append(Malformed(number, number, first[2], "; ".join(p[1] for p in problems),
                                           column=first[0], located=True,
                                           code="bad_cell" if first[0] else "malformed_row"))
                continue
            writer.writerow([number, *[c.text for c in cells], *([""] * (width - len(cells)))])
    return records, malformed


def _problems(sheet: str, row: int, cells: list[Cell], names: list[str], width: int) -> list[tuple[str | None, str, str]]:
    """(column, what is wrong, the value quoted) for each cell of the row that cannot be read;
    the column is the header as the sheet writes it."""
    found: list[tuple[str | None, str, str]] = []
    for i, cell in enumerate(cells):
        where = cell_name(sheet, i + 1, row)
        if cell.problem:
            column = names[i] if i < width else None
            found.append((column, f"cell {where} ({column or 'no column'}) {cell.problem}", cell.problem.split()[-1]
                          if "error" in cell.problem else ""))
        elif i >= width and cell.text:
            found.append((None, f"cell {where} holds {cell.text[:40]!r} but its column has no name in the header",
                          cell.text))
    return found
