"""Reading input tables (CSV, Parquet or an Excel workbook) and parsing their columns.

Everything is read as text first, so that a value that does not parse is reported as the user
wrote it instead of being silently turned into null by type inference.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..clusters import CLUSTERS
from ..errors import InputError
from ..lines import EXCEPTION_COLUMNS
from .checks import RowCheck, run_checks
from .columns import apply, latest_rows, require_latest
from .csvfile import layout
from .headers import as_written, tidy
from .records import ROW, Malformed
from .reading import entries, hand_over, note_headers, options
from .sheetfile import workbook_layout
from .workbook import is_workbook, refused

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and UK spreadsheets' day/month/year
# what database and spreadsheet exports add to a date: its midnight. Any other time is refused,
# never rounded: localpay counts whole days, and a period from 14:30 is not one it can guess at.
MIDNIGHT = r"^(?: 00:00(?::00(?:\.0+)?)?|T00:00:00(?:\.0+)?(?:Z|\+00:00)?)?$"
DATE_WORDS = "a date written YYYY-MM-DD or DD/MM/YYYY"
TIME_WORDS = "a time, if any, must be midnight"
PARQUET = (".parquet", ".pq")


def date_words() -> str:
    """What a date in the data must be, with the years of the reading in progress."""
    first, last = options().years
    return f"{DATE_WORDS} (a four-digit year, from {first} to {last}; {TIME_WORDS})"


@dataclass(frozen=True)
class Table:
    """An input file opened for reading: ``lazy`` its rows as text columns with tidy names and a
    1-based ``row`` number, ``names`` the tidy names, ``records`` the data records the file holds
    (None for Parquet, whose rows are counted by its reader), ``malformed`` the records that are
    not rows (left out of ``lazy``; their row numbers are skipped), ``set_aside`` the exception
    entries of rows a later submission in the file replaces (left out of ``lazy`` too),
    ``headers`` the headers of ``names`` as the file writes them (empty: as ``names``)."""

    lazy: pl.LazyFrame
    names: list[str]
    records: int | None
    malformed: list[Malformed]
    set_aside: pl.DataFrame | None = None
    headers: tuple[str, ...] = ()

    @property
    def left_out(self) -> int:
        """The file's records that are not rows of ``lazy``."""
        return len(self.malformed) + (self.set_aside.height if self.set_aside is not None else 0)


@contextmanager
def opened(path: Path, what: str) -> Iterator[Table]:
    """A CSV, Parquet or workbook file, lazily, as text columns with tidy lower-case headers,
    blanks as null, and a 1-based ``row`` number (the header is not counted; in a workbook, the
    sheet's own row number). A CSV file is checked as bytes first (``csvfile``): in the table's
    declared encoding or else the reading's, with any line endings, each malformed record
    reported rather than the whole file refused; a workbook's sheet is copied as such a CSV
    first (``sheetfile``). The table's column mapping, if it has one, is applied (``mapped``).
    Query the table inside the block."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} file {str(path)!r} does not exist")
    if why := refused(path):
        raise InputError(f"{what} file {str(path)!r} {why}")
    _fits_options(path, what)
    with tempfile.TemporaryDirectory(prefix="localpay-input-") as scratch:
        try:
            if path.suffix.lower() in PARQUET:
                lazy, records, malformed, numbered = pl.scan_parquet(path), None, [], False
                written = None
                shown = [name for name in lazy.collect_schema().names()]
            else:
                found = (workbook_layout(path, what, Path(scratch)) if is_workbook(path)
                         else layout(path, what, options().table(what).encoding or options().encoding, Path(scratch)))
                lazy = pl.scan_csv(found.path, infer_schema=False, encoding="utf8")
                records, malformed, numbered = found.records, found.malformed, found.numbered
                written = [tidy(name) for name in found.header]
                shown = [as_written(name) for name in found.header]
            columns = lazy.collect_schema().names()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise _unreadable(path, what, error) from None
        if numbered:
            columns = [c for c in columns if c != ROW]
        names = [tidy(name) for name in columns]
        repeated = sorted({n for n in (written or names) if (written or names).count(n) > 1})
        if repeated:
            raise InputError(f"{what} file {str(path)!r} has repeated columns: {', '.join(repeated)}")
        if "row" in names:  # localpay's own row number, which every entry of the exceptions report quotes
            header = shown[names.index("row")] if len(shown) == len(names) else "row"
            raise InputError(f"{what} file {str(path)!r} has a column {header!r}: localpay numbers the rows of a "
                             "file in a column named row (any case), which this one would hide; rename it in the file")
        # one lazy pass: text, trimmed, blanks as null (reading then cleaning would hold two copies)
        text = [pl.col(c).cast(pl.String).str.strip_chars() for c in columns]
        cleaned = [pl.when(t == "").then(None).otherwise(t).alias(n) for t, n in zip(text, names)]
        if numbered:
            frame = lazy.select(pl.col(ROW).cast(pl.Int64).alias("row"), *cleaned)
        else:
            frame = lazy.select(cleaned).with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
        yield mapped(Table(frame, names, records, malformed, headers=tuple(shown)), path, what)


def mapped(table: Table, path: Path, what: str) -> Table:
    """The table with its columns named as localpay's fields by the table's mapping (the
    ruleset's or the run's preset), and the rows a later submission replaces set aside."""
    mapping = options().table(what).columns
    if mapping is None:
        return table
    written = list(table.headers) if len(table.headers) == len(table.names) else table.names
    require_latest(mapping, table.names, written, path, what)
    done = apply(mapping, table.lazy, table.names, written, path, what)
    note_headers(what, done.headers)
    lazy, set_aside = done.lazy, None
    if mapping.latest:
        shown = dict(zip(table.names, written))
        set_aside = latest_rows(mapping, lazy, done.names, what, shown)
        if set_aside is not None and set_aside.height:
            lazy = lazy.filter(~pl.col("row").is_in(set_aside["row"].implode()))
    return Table(lazy, done.names, table.records, table.malformed, set_aside)


def _fits_options(path: Path, what: str) -> None:
    """A ruleset's ``encoding:`` is for a CSV file and ``sheet:`` for a workbook; given for a file
    of another kind it would do nothing, and the ruleset cannot know the file's kind before the run."""
    given = options().table(what)
    kind = ("an .xlsx workbook, which holds its own text encoding" if is_workbook(path)
            else "a Parquet file, which holds its own text encoding" if path.suffix.lower() in PARQUET else None)
    if given.encoding is not None and kind is not None:
        raise InputError(f"{what} file {str(path)!r} is {kind}, but the ruleset's inputs: {{{what}: {{encoding: "
                         f"{given.encoding}}}}} names one; encoding: is for a CSV file: remove it, or give the file as CSV")
    if given.sheet is not None and not is_workbook(path):
        shown = "a Parquet file" if path.suffix.lower() in PARQUET else "a CSV file"
        raise InputError(f"{what} file {str(path)!r} is {shown}, which has no sheets, but the ruleset's inputs: "
                         f"{{{what}: {{sheet: {given.sheet}}}}} names one; sheet: is for an .xlsx workbook: remove it, "
                         "or give the workbook")


def check_count(table: Table, produced: int, path: Path, what: str) -> None:
    """The rows the reader produced are the records counted in the file, but the malformed."""
    if table.records is not None and produced != table.records - table.left_out:
        raise InputError(f"{what} file {str(path)!r} holds {table.records} records but "
                         f"{produced + table.left_out} were read; nothing was computed from it")


def read_table(path: Path, what: str) -> pl.DataFrame:
    """An input file read whole (see ``opened``); its malformed records handed to the collector
    open (``reading.malformed_rows``)."""
    with opened(path, what) as table:
        frame = collect(table.lazy, path, what)
        check_count(table, frame.height, path, what)
        hand_over(table.malformed, path, what, table.set_aside)
    return frame


def collect(lazy: pl.LazyFrame, path: Path, what: str, streaming: bool = False) -> pl.DataFrame:
    """Run a query over an input file; a file that cannot be read is an ``InputError``."""
    try:
        return lazy.collect(engine="streaming" if streaming else "auto")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise _unreadable(path, what, error) from None


def _unreadable(path: Path, what: str, error: Exception) -> InputError:
    return InputError(f"cannot read {what} file {str(path)!r}: {str(error).splitlines()[0]}")


@dataclass(frozen=True)
class Checked:
    """An input file read and checked: the ``usable`` rows (typed), an ``exceptions`` entry for
    every other row, and how many rows were read."""

    usable: pl.DataFrame
    exceptions: pl.DataFrame
    rows_read: int


@dataclass(frozen=True)
class Plan:
    """How ``read_checked`` reads a file with given columns: ``parse`` adds the typed columns
    (beside ``_text_<column>`` for those whose text a check quotes), ``checks`` are the row
    checks, ``keep`` the columns of a usable row, ``reads`` the columns ``parse`` reads."""

    parse: Callable[[pl.LazyFrame], pl.LazyFrame]
    checks: list[RowCheck]
    keep: list[str]
    reads: list[str]


def read_checked(path: Path, what: str, required: tuple[str, ...], optional: tuple[str, ...],
                 plan: Callable[[list[str]], Plan]) -> Checked:
    """Read, parse and check a file in one streaming pass that keeps only what later stages use.

    ``plan(columns)`` says how, for a file with those columns (absent optional ones included).
    Only the typed columns are kept; the rows a check finds bad are read again for the text
    their exception entries quote, so a large file is never held as text. Checks here are
    row-local (each row judged on its own values), as the built-in ones are.
    """
    with opened(path, what) as table:
        checked = _checked(table, path, what, required, optional, plan)
    return checked


def _checked(table: Table, path: Path, what: str, required: tuple[str, ...], optional: tuple[str, ...],
             plan: Callable[[list[str]], Plan]) -> Checked:
    lazy, names = table.lazy, table.names
    _require(names, path, what, required)
    absent = [c for c in optional if c not in names]
    lazy = lazy.with_columns([pl.lit(None, pl.String).alias(c) for c in absent])
    columns = names + absent
    how = plan(columns)
    parse, found = how.parse, how.checks
    bad = pl.any_horizontal([c.bad.fill_null(False) for c in found]) if found else pl.lit(False)
    frame = collect(parse(lazy).select("row", *how.keep, _bad=bad), path, what, streaming=True)
    check_count(table, frame.height, path, what)
    flagged = frame.filter(pl.col("_bad"))["row"]
    exceptions = pl.DataFrame(schema=EXCEPTION_COLUMNS)
    if flagged.len():
        # the flagged rows' text, read again: holding every row's text to report a few would
        # cost more memory than the file's size; only the columns the checks and parsing read
        quoted = {name.removeprefix("_text_") for check in found for expr in (check.bad, check.reason)
                  for name in expr.meta.root_names()}
        wanted = [c for c in columns if c in quoted or c in how.keep or c in how.reads or c in EXCEPTION_COLUMNS]
        rows = lazy.select("row", *wanted).filter(pl.col("row").is_in(flagged.implode()))
        exceptions = run_checks(collect(parse(rows), path, what, streaming=True), found, what)
        if not exceptions["row"].unique().sort().equals(flagged.sort()):  # every bad row reported, no other
            raise InputError(f"{what} file {str(path)!r} changed while it was being read; run again")
    if table.malformed:
        exceptions = pl.concat([exceptions, entries(table.malformed, what)])
    if table.set_aside is not None:
        exceptions = pl.concat([exceptions, table.set_aside])
    return Checked(frame.filter(~pl.col("_bad")).drop("_bad"), exceptions, frame.height + table.left_out)


def _require(names: list[str], path: Path, what: str, required: tuple[str, ...]) -> None:
    absent = [c for c in required if c not in names]
    if absent:
        found = ", ".join(names) or "none"
        mapping = options().table(what).columns
        mapped = f"; the columns named as mapped: {mapping.origin}" if mapping else ""
        raise InputError(
            f"{what} file {str(path)!r} lacks the required columns: {', '.join(absent)} (found: {found}{mapped})"
        )


def read_input(path: Path, what: str, required: tuple[str, ...], optional: tuple[str, ...]) -> pl.DataFrame:
    """``read_table``, refusing a file without the required columns; absent optional columns
    are added empty, so later stages can rely on them."""
    frame = read_table(path, what)
    _require([c for c in frame.columns if c != "row"], path, what, required)
    return frame.with_columns([pl.lit(None, pl.String).alias(c) for c in optional if c not in frame.columns])



def date_expr(column: str) -> pl.Expr:
    """A date written YYYY-MM-DD or DD/MM/YYYY with a four-digit year inside the reading's years
    (``date_words``), alone or followed by its midnight as exports write it (`` 00:00``,
    `` 00:00:00``, `` 00:00:00.000``, ``T00:00:00``, ``T00:00:00.000``, each ``T`` one with a
    ``Z`` or ``+00:00`` or neither); null otherwise. The years are four-digit ones
    (``DataYears``), so a year in them was written in four digits; what follows the date's ten
    characters must be a midnight, which leaves no room for a sign or a fifth digit."""
    text = pl.col(column)
    day, rest = text.str.slice(0, 10), text.str.slice(10)
    first, last = options().years
    parsed = pl.coalesce([day.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])
    return pl.when(rest.str.contains(MIDNIGHT) & parsed.dt.year().is_between(first, last)).then(parsed)


def cluster_expr(column: str) -> pl.Expr:
    """"3" and "03" are cluster 3; anything else that is not a national cluster is null."""
    text = pl.col(column)
    code = pl.when(text.str.contains(r"^\d{1,3}$")).then(text.cast(pl.Int16, strict=False))
    return pl.when(code.is_in(list(CLUSTERS))).then(code).cast(pl.Int8)


def integer_expr(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.when(text.str.contains(r"^-?\d{1,9}$")).then(text.cast(pl.Int64, strict=False))
