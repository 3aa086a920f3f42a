"""Excel workbooks (``.xlsx``, ``.xlsm``) read as text, cell by cell, as a CSV would be.

A sheet is read with openpyxl, streamed row by row: its reader reports each cell's type (text,
number, date-formatted number, boolean, error) and whether a formula has a cached value, which a
reader that converts whole columns loses (an error cell would become a blank). Each cell becomes
the text Excel shows for it: text as written (leading zeros kept), a whole number without
``.0``, any other number to 15 significant digits (Excel's precision, so a formula's
``102.00000000000001`` reads ``102``), ``TRUE``/``FALSE``, a date-formatted cell as
``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` when it holds a time of day). A whole number in a column
read as a date is an Excel serial date (a date whose format was lost). An error cell (``#N/A``)
or a formula without a cached value is never read as a value: its row is reported, naming the
sheet and the cell.

A workbook is a zip of XML parts: it is refused, naming the file, when it is not one (a CSV
renamed, a truncated copy, an encrypted workbook), and when its parts would unpack to more than
``LOCALPAY_WORKBOOK_MAX_MB`` (default 4000 MB) or a sheet is larger than Excel's own limits.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from ..errors import LocalpayError
from ..fileio import megabytes_setting
from .cells import EPOCH_1900, EPOCH_1904, serial_date, text_of
from .headers import tidy

WORKBOOKS = (".xlsx", ".xlsm")
REFUSED = {".xls": "an Excel 97-2003 workbook (.xls)", ".xlsb": "an Excel binary workbook (.xlsb)",
           ".ods": "an OpenDocument spreadsheet (.ods)"}
MAX_MB_VAR = "LOCALPAY_WORKBOOK_MAX_MB"
DEFAULT_MAX_MB = 4000.0
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's own limits
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls, or a workbook encrypted with a password


class WorkbookError(LocalpayError):
    """A workbook that cannot be read at all; the caller says which file it is."""


@dataclass(frozen=True)
class Cell:
    """A cell of a sheet: its ``text`` as Excel shows it, or the ``problem`` that keeps it from
    being read (an error value, a formula without a cached value)."""

    text: str
    problem: str | None = None
    number: bool = False
    dated: bool = False  # a date-formatted cell (Excel stores a date)


@dataclass
class Sheet:
    """A sheet being read: its ``name``, the ``names`` of its header (as written), the
    ``header_row`` they stand in, and its data ``rows``: (sheet row number, cells), fully empty
    rows left out."""

    name: str
    names: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Cell]]]


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOKS


def refused(path: Path) -> str | None:
    """Why a spreadsheet of a kind localpay does not read is refused, or None."""
    kind = REFUSED.get(path.suffix.lower())
    return f"is {kind}, which localpay does not read; save it as .xlsx or CSV" if kind else None


def sheet_ref(sheet: str) -> str:
    """A sheet's name as a cell reference starts with it: ``Episodes``; a name that is not a
    plain word quoted, as Excel writes it (``'Ep!sodes'``, ``'Tom''s'``)."""
    plain = sheet.replace("_", "a").isalnum()
    return sheet if plain else "'" + sheet.replace("'", "''") + "'"


def cell_ref(column: int, row: int) -> str:
    """A cell within its sheet: ``C14``."""
    return f"{get_column_letter(column)}{row}"


def cell_name(sheet: str, column: int, row: int) -> str:
    """``Episodes!C14``, ``'Ep!sodes'!C14``: the sheet (``sheet_ref``) and the cell (``cell_ref``)."""
    return f"{sheet_ref(sheet)}!{cell_ref(column, row)}"


def max_unpacked() -> int:
    """The most bytes a workbook's parts may unpack to, from ``LOCALPAY_WORKBOOK_MAX_MB`` (default 4000)."""
    return megabytes_setting(MAX_MB_VAR, DEFAULT_MAX_MB, 1_000_000)


@dataclass
class Workbook:
    """An open workbook: its sheet names, and each sheet read on demand (``sheet``)."""

    book: Any
    names: list[str]

    def sheet(self, name: str, dates: frozenset[str] = frozenset(), months: frozenset[str] = frozenset()) -> Sheet:
        """The sheet ``name``, its header read; a whole number in a column whose tidy name
        (stripped, lower case) is in ``dates`` is read as an Excel serial date; a date cell on
        the first of a month in a column in ``months`` is read as that month, ``YYYY-MM`` (what
        Excel stores when ``2025-06`` is typed; any other date is left as the date, which a month
        column refuses, quoting it)."""
        sheet = self.book[name]
        rows = _rows(self.book, sheet)
        for number, cells in rows:
            break
        else:
            return Sheet(name, [], 0, iter(()))
        names = [c.text for c in cells]
        while names and not names[-1].strip():
            names.pop()
        blank = [cell_name(name, i + 1, number) for i, n in enumerate(names) if not n.strip()]
        if blank:
            raise WorkbookError(f"sheet {name!r}: the header (row {number}) has no name in {', '.join(blank)}")
        tidied = [tidy(n) for n in names]
        repeated = [n for i, n in enumerate(tidied) if n in tidied[:i]]
        if repeated:
            cells_of = [", ".join(cell_name(name, i + 1, number) for i, t in enumerate(tidied) if t == n)
                        for n in dict.fromkeys(repeated)]
            raise WorkbookError(f"sheet {name!r}: the header (row {number}) repeats column names: "
                                + "; ".join(f"{n!r} in {c}" for n, c in zip(dict.fromkeys(repeated), cells_of)))
        serial = {i for i, t in enumerate(tidied) if t in dates}
        monthly = {i for i, t in enumerate(tidied) if t in months}
        epoch = EPOCH_1904 if self.book.epoch.year == 1904 else EPOCH_1900
        return Sheet(name, names, number, ((n, _monthly(_dated(c, serial, epoch), monthly)) for n, c in rows))

    def close(self) -> None:
        self.book.close()


def open_workbook(source: Path | bytes, limit: int | None = None) -> Workbook:
    """A workbook from a file or its bytes; ``WorkbookError`` saying why one cannot be read.
    ``limit``: the most bytes its parts may unpack to (default ``max_unpacked()``)."""
    limit = limit or max_unpacked()  # a bad setting is its own error, not the file's
    handle: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    try:
        start = handle.read(8)
        handle.seek(0)
        if start == OLE:
            raise WorkbookError("is not an .xlsx workbook: it is encrypted (saved with a password) or an Excel 97-2003 "
                                ".xls file; save it as .xlsx without a password, or as CSV")
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            raise WorkbookError("is not an .xlsx workbook (not a zip archive, or a truncated one); "
                                "save it from Excel as .xlsx, or as CSV") from None
        unpacked = sum(i.file_size for i in archive.infolist())
        if unpacked > limit:
            raise WorkbookError(f"would unpack to {unpacked / 1_000_000:.0f} MB, more than a workbook may "
                                f"({limit / 1_000_000:g} MB; {MAX_MB_VAR} sets another bound)")
        archive.close()
        handle.seek(0)
        with warnings.catch_warnings():  # openpyxl's notes on parts it skips (data validation...)
            warnings.simplefilter("ignore")
            book = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except WorkbookError:
        handle.close()
        raise
    except Exception as error:  # a damaged or hostile file: any failure of the parser is the file's
        handle.close()
        raise WorkbookError(f"cannot be read as an .xlsx workbook: {_said(error)}") from None
    return Workbook(book, [str(n) for n in book.sheetnames])


def choose(names: list[str], wanted: str | None, table: str, how: str) -> str:
    """The sheet to read: ``wanted`` when named; else the only sheet; else the one named for
    ``table`` (case aside). ``how`` says how a sheet is named, for the error."""
    listed = ", ".join(repr(n) for n in names) or "none"
    if wanted is not None:
        if wanted in names:
            return wanted
        raise WorkbookError(f"has no sheet {wanted!r}; its sheets are {listed}")
    if len(names) == 1:
        return names[0]
    named = [n for n in names if n.strip().lower() == table.lower()]
    if len(named) == 1:
        return named[0]
    if not names:
        raise WorkbookError("has no sheet")
    named_for = f" and none is named {table!r}" if table else ""
    raise WorkbookError(f"has {len(names)} sheets ({listed}){named_for}; say which to read with {how}")


def _said(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser, marking a formula cell that has no cached value (with cached
    values only, it would read as an empty cell)."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        saved = element.findtext(VALUE_TAG)  # a number's result is never empty; a text one may be ("")
        if (cell["value"] is None and element.find(FORMULA_TAG) is not None and not saved
                and element.get("t", "n") not in ("str", "s", "inlineStr")):
            cell["data_type"] = "uncached"
        elif cell["data_type"] == "e" and element.get("t") != "e":  # a date-formatted number out of range
            cell["data_type"], cell["value"] = "undated", saved
        return cell


def _rows(book: Any, sheet: Any) -> Iterator[tuple[int, list[Cell]]]:
    """Each row holding a value: its number and its cells (as wide as its last one)."""
    with sheet._get_source() as source:  # openpyxl's own read-only rows, with the cell types its reader sees
        parser = _Parser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                         date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        parsed = parser.parse()
        while True:
            with warnings.catch_warnings():  # a date cell out of range is an error cell, reported as one
                warnings.simplefilter("ignore")
                step = next(parsed, None)
            if step is None:
                return
            number, found = step
            if number > MAX_ROWS:
                raise WorkbookError(f"sheet {sheet.title!r} has a row {number}, past Excel's last row ({MAX_ROWS})")
            cells: dict[int, Cell] = {}
            for item in found:
                column = item["column"]
                if not 1 <= column <= MAX_COLUMNS:
                    raise WorkbookError(f"sheet {sheet.title!r} row {number} has a cell in column {column}, "
                                        f"past Excel's last column ({MAX_COLUMNS})")
                cell = _cell(item, sheet.title, number)
                if cell.text or cell.problem:
                    cells[column] = cell
            if cells:
                width = max(cells)
                yield number, [cells.get(i, Cell("")) for i in range(1, width + 1)]


def _cell(item: dict[str, Any], sheet: str, row: int) -> Cell:
    value, kind = item["value"], item["data_type"]
    if kind == "e":
        return Cell("", f"holds the error {value}")
    if kind == "undated":
        return Cell("", f"holds the number {value} formatted as a date, beyond the dates Excel can show")
    if kind == "uncached":
        return Cell("", "holds a formula with no saved result (open and save the workbook in Excel, "
                        "or paste it as values)")
    return Cell(text_of(value), number=isinstance(value, (int, float)) and not isinstance(value, bool),
                dated=isinstance(value, dt.date))


def _dated(cells: list[Cell], serial: set[int], epoch: dt.date) -> list[Cell]:
    """The cells of a row, a whole number in a date column read as a serial date."""
    if not serial:
        return cells
    out = list(cells)
    for i in serial:
        if i < len(out) and out[i].number and out[i].text.isdigit():
            found = serial_date(float(out[i].text), epoch)
            if found:
                out[i] = Cell(found)
    return out


def _monthly(cells: list[Cell], months: set[int]) -> list[Cell]:
    """The cells of a row, a date cell on the first of a month in a month column read as the month."""
    if not months:
        return cells
    out = list(cells)
    for i in months:
        if i < len(out) and out[i].dated and len(out[i].text) == 10 and out[i].text.endswith("-01"):
            out[i] = Cell(out[i].text[:7])
    return out
