"""How a run reads its input files, and the records it could not read as rows.

A run reads every input file (episodes, assessments and each plugin's input tables, read through
``read_input``) with the same options: the files' encoding (``--encoding``, UTF-8 unless
declared) and the years a date may fall in (the ruleset's ``settings.data_years``). A malformed
record (a value too many or too few, a stray or unclosed quote) is reported as a bad row of its
file with its line; a reader that has no exceptions report of its own (``read_input``) hands them
to the ``malformed_rows`` collector the run holds open while it reads, and without one the read
stops with an error naming them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import InputError
from ..lines import EXCEPTION_COLUMNS
from .columns import ColumnMap
from .csvfile import codec_of
from .records import Malformed

QUOTED = 200  # the most characters of a malformed record quoted in its exception entry


@dataclass(frozen=True)
class TableOptions:
    """How one input file is read, as the ruleset's ``inputs: {<table>: ...}`` block says:
    ``encoding`` its text encoding (None: the run's), ``sheet`` the sheet of a workbook (None:
    the workbook's only sheet, or the one named for the table), ``columns`` the mapping of its
    headers to localpay's fields (None: the file uses localpay's names), ``dates`` columns read as
    dates beside the table's own (a whole number in a workbook's date column is an Excel serial
    date)."""

    encoding: str | None = None
    sheet: str | None = None
    columns: ColumnMap | None = None
    dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadOptions:
    """``encoding``: the input files' text encoding (a UTF-8 byte order mark is allowed in UTF-8).
    ``years``: the first and last year a date in the data may fall in. ``tables``: each input
    table's own options (``TableOptions``) by the table's name (``episodes``, ``assessments``,
    ``budgets``...)."""

    encoding: str = "utf-8"
    years: tuple[int, int] = (1900, 2100)
    tables: tuple[tuple[str, TableOptions], ...] = ()

    def __post_init__(self) -> None:
        codec_of(self.encoding)  # an unknown encoding is refused before any file is read
        for _, table in self.tables:
            if table.encoding is not None:
                codec_of(table.encoding)

    def table(self, what: str) -> TableOptions:
        """The options of the table named ``what`` (the defaults when none are given)."""
        return dict(self.tables).get(what, TableOptions())


_OPTIONS: ContextVar[ReadOptions] = ContextVar("localpay_read_options", default=ReadOptions())
_MALFORMED: ContextVar[list[pl.DataFrame] | None] = ContextVar("localpay_malformed_rows", default=None)
_HEADERS: ContextVar[dict[str, dict[str, str]] | None] = ContextVar("localpay_mapped_headers", default=None)


def options() -> ReadOptions:
    """The options of the reading in progress (the defaults outside one)."""
    return _OPTIONS.get()


@contextmanager
def reading(given: ReadOptions) -> Iterator[ReadOptions]:
    """Read input files with these options while the block runs."""
    token = _OPTIONS.set(given)
    headers = _HEADERS.set({})
    try:
        yield given
    finally:
        _HEADERS.reset(headers)
        _OPTIONS.reset(token)


def note_headers(what: str, headers: dict[str, str]) -> None:
    """Remember, for the reading in progress, the header each mapped field of ``what`` was read from."""
    noted = _HEADERS.get()
    if noted is not None:
        noted[what] = dict(headers)


def mapped_headers() -> dict[str, dict[str, str]]:
    """Each table read in the reading in progress: its mapped fields' headers as the file writes them."""
    return dict(_HEADERS.get() or {})


@contextmanager
def malformed_rows() -> Iterator[list[pl.DataFrame]]:
    """Collect the exception entries of malformed records that ``read_input`` finds in the block."""
    found: list[pl.DataFrame] = []
    token = _MALFORMED.set(found)
    try:
        yield found
    finally:
        _MALFORMED.reset(token)


def entries(malformed: list[Malformed], what: str) -> pl.DataFrame:
    """Exception entries (source ``what``, reason ``malformed_row``) for malformed records."""
    return pl.DataFrame({
        "source": [what] * len(malformed),
        "row": [m.row for m in malformed],
        "episode_id": [None] * len(malformed), "provider": [None] * len(malformed),
        "commissioner": [None] * len(malformed), "column": [m.column for m in malformed],
        "value": [m.text if len(m.text) <= QUOTED else m.text[:QUOTED] + "..." for m in malformed],
        "reason_code": [m.code for m in malformed],
        "reason": [f"{m.reason if m.located else f'line {m.line}: {m.reason}'}; the row is not read" for m in malformed],
        "action": ["excluded"] * len(malformed),
    }, schema=EXCEPTION_COLUMNS)


def hand_over(malformed: list[Malformed], path: Path, what: str, set_aside: pl.DataFrame | None = None) -> None:
    """Give malformed records, and the exception entries of rows ``set_aside`` (a later
    submission's row used in their place), to the collector open, or stop the read naming them."""
    found = _MALFORMED.get()
    if set_aside is not None and set_aside.height:
        if found is None:
            raise InputError(f"{what} file {str(path)!r} has rows that a later submission replaces (rows "
                             f"{', '.join(map(str, set_aside['row'].head(10).to_list()))}) and nothing here reports them")
        found.append(set_aside)
    if not malformed:
        return
    if found is None:
        listed = "; ".join(f"row {m.row}: {m.reason}" if m.located else f"row {m.row} (line {m.line}): {m.reason}"
                           for m in malformed[:10])
        more = f"; and {len(malformed) - 10} more" if len(malformed) > 10 else ""
        raise InputError(f"{what} file {str(path)!r} has rows that cannot be read: {listed}{more}")
    found.append(entries(malformed, what))
