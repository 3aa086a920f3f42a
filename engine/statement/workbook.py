"""``statements.xlsx``: a run's statements as a workbook for finance teams, written with
XlsxWriter.

``Summary`` and a sheet per statement (``sheets``), then ``Lines``, ``Exceptions`` and
``Adjustments``: the rows of ``lines.csv``, ``exceptions.csv`` and ``adjustments.csv``, column
for column, header frozen and filtered; a table longer than a sheet is split across sheets
(``Lines``, ``Lines (2)``, ...), and one longer than ``LOCALPAY_XLSX_ROWS`` is left to its CSV.
Each cell is written by its kind (``cells``): money a number in pounds, dates dates, text text.
The sheets are written row by row (XlsxWriter's ``constant_memory``), spilling to temporary
files beside the output, so a large run's workbook needs little memory.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError, XlsxWriterException

from ..errors import OutputError
from ..fileio import atomic_write_with, file_sha256
from .cells import MICROS_COLUMNS, PENCE_COLUMNS, Formats, column_writer
from .sheets import statement_sheet, summary_sheet, widths

SHEET_ROWS = 1_048_576  # the most rows a worksheet holds, its header among them
ROWS_SETTING, ROWS_DEFAULT = "LOCALPAY_XLSX_ROWS", 250_000
RESERVED = {"history"}  # a sheet name Excel keeps for itself
NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\']")


def rows_limit() -> int:
    """The most rows ``Lines``, ``Exceptions`` or ``Adjustments`` takes, ``LOCALPAY_XLSX_ROWS``
    (default 250,000): a table with more is left to its CSV, the sheet saying so."""
    text = os.environ.get(ROWS_SETTING, "").strip().replace(",", "").replace("_", "")
    if not text:
        return ROWS_DEFAULT
    if not text.isdigit() or len(text) > 12:
        raise OutputError(f"{ROWS_SETTING}={os.environ[ROWS_SETTING]!r} is not a whole number of rows from 0 "
                          f"(default {ROWS_DEFAULT:,})")
    return int(text)


def write_workbook(path: Path, statements: list[dict], tables: list[tuple[str, str, pl.DataFrame]],
                   created: dt.date) -> str:
    """``statements.xlsx`` at ``path``, atomically; its SHA-256. ``tables`` are (sheet name, CSV
    file, frame) in the order given; ``created`` is the date the document properties carry, so
    that the same run gives the same bytes."""
    limit = rows_limit()
    atomic_write_with(path, lambda tmp: _write(tmp, statements, tables, created, limit))
    return file_sha256(path)


def _write(tmp: Path, statements: list[dict], tables: list[tuple[str, str, pl.DataFrame]], created: dt.date,
           limit: int) -> None:
    book = xlsxwriter.Workbook(str(tmp), {
        "constant_memory": True, "tmpdir": str(tmp.parent),  # row by row, spilled beside the output
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    first = statements[0] if statements else None
    book.set_properties({
        "title": f"Payment statements {first['period']['label']}" if first else "Payment statements",
        "subject": first["ruleset"]["title"] if first else "", "author": "localpay",
        "created": dt.datetime.combine(created, dt.time()),
    })
    formats = Formats(book)
    parts = [(name, file, frame, _chunks(frame.height, limit)) for name, file, frame in tables]
    fixed = ["Summary", *(_chunk_name(name, i) for name, _, _, chunks in parts for i in range(max(len(chunks), 1)))]
    names = sheet_names([f"{s['provider']['code']}-{s['commissioner']['code']}" for s in statements], fixed)
    summary_sheet(book.add_worksheet("Summary"), formats, statements, names)
    for statement, name in zip(statements, names):
        statement_sheet(book.add_worksheet(name), formats, statement)
    for name, file, frame, chunks in parts:
        if not chunks:
            _left_out(book.add_worksheet(name), formats, name, file, frame.height, limit)
        for i, (start, length) in enumerate(chunks):
            _table(book.add_worksheet(_chunk_name(name, i)), formats, frame.slice(start, length))
    try:
        book.close()
    except FileCreateError as error:  # XlsxWriter wraps the OSError of a file it could not make
        cause = error.args[0] if error.args and isinstance(error.args[0], OSError) else OSError(str(error))
        raise cause from None
    except XlsxWriterException as error:
        raise OutputError(f"could not write statements.xlsx: {error}") from None


def _chunks(rows: int, limit: int) -> list[tuple[int, int]]:
    """(first row, rows) of each sheet a table takes; none when it has more rows than ``limit``.
    An empty table is one sheet holding the header."""
    if rows > limit:
        return []
    per = SHEET_ROWS - 1
    return [(start, min(per, rows - start)) for start in range(0, rows, per)] or [(0, 0)]


def _chunk_name(name: str, i: int) -> str:
    return name if i == 0 else f"{name} ({i + 1})"


def sheet_names(wanted: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """A valid, unique sheet name for each of ``wanted``, as readable as it can be: at most 31
    characters (as Excel counts them, in UTF-16), none of ``[]:*?/\\'``, unique ignoring case
    among themselves and ``taken`` (``RT2-01W``, or ``RT2-01W (2)`` after another that came out
    the same)."""
    used = {name.lower() for name in taken} | RESERVED
    out = []
    for text in wanted:
        base = NOT_IN_NAMES.sub("_", "".join(c if c.isprintable() else "_" for c in text)).strip() or "Statement"
        name, n = _clip(base, 31), 1
        while name.lower() in used:
            n += 1
            suffix = f" ({n})"
            name = _clip(base, 31 - len(suffix)) + suffix
        used.add(name.lower())
        out.append(name)
    return out


def _clip(text: str, units: int) -> str:
    """``text`` cut to at most ``units`` UTF-16 code units (a character beyond the BMP takes two)."""
    while len(text.encode("utf-16-le")) // 2 > units:
        text = text[:-1]
    return text


def _left_out(sheet: Any, formats: Formats, name: str, file: str, height: int, limit: int) -> None:
    sheet.write_string(0, 0, f"{height:,} rows: more than the workbook takes ({ROWS_SETTING}={limit:,}); "
                             f"every row is in {file}.", formats.warning)
    sheet.set_column(0, 0, 100)


def _table(sheet: Any, formats: Formats, frame: pl.DataFrame) -> None:
    """A CSV's rows (or a sheet's share of them), column for column, header frozen and filtered."""
    writers = [column_writer(sheet, formats, name, frame.schema[name]) for name in frame.columns]
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, name, formats.header)
    for r, values in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(values):
            if value is not None:
                writers[col](r, col, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))
    widths(sheet, [_width(frame, name) for name in frame.columns])


def _width(frame: pl.DataFrame, name: str) -> float:
    """A column wide enough for its header and its first rows' values, within reason."""
    sample = frame[name].head(200)
    longest = max((len(str(v)) for v in sample.to_list() if v is not None), default=0)
    if frame.schema[name] == pl.Date:
        longest = 10
    elif name in PENCE_COLUMNS or name in MICROS_COLUMNS:
        longest = max(longest, 10) + 3
    return min(max(longest, len(name)) + 2, 60)
