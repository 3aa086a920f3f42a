"""Every CSV localpay writes goes through here, so that each is safe to open in a spreadsheet.

- **Formulas neutralised**, as OWASP's *CSV Injection* page recommends: a text cell that begins
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a single quote
  before it (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), and a cell holding a quote, a comma or
  a line break is quoted with its quotes doubled. A cell that begins with single quotes and then
  one of those characters gains one quote too, so that reading back (``recover``) is exact.
- **Numbers stay numbers**: a column Polars holds as a number, and each text column the writer is
  told holds numbers (money localpay writes as ``-12.34``, a percentage as ``-5.0%``), is written
  as it is when the value is exactly a number or a percentage (``^-?\\d+(\\.\\d+)?%?$``).
  Whether a cell is a number is decided by its column, never guessed from its text: an episode id
  ``-12`` is text, and written ``'-12``.
- **UTF-8 with a byte order mark** (Excel's "CSV UTF-8"), so that ``£`` opens intact in Excel on
  Windows; ``LOCALPAY_CSV_BOM=0`` leaves the mark out.

Data localpay writes for itself to read back as *input* (the synthetic episodes and tables) is
written by ``write_input_csv``: the mark, but never a quote added, since an input's leading quote
is data. ``read_csv`` is how localpay reads back a CSV it wrote: the mark dropped and each
neutralised cell as it was."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, cast

import polars as pl

from . import fileio
from .errors import OutputError

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list; the patterns below spell it out
BOM_SETTING = "LOCALPAY_CSV_BOM"
BOM = b"\xef\xbb\xbf"

_ADDED = r"^'*[=+\-@\t\r]"  # a cell that gets a quote: a trigger, after any single quotes
_REMOVE = r"^'+[=+\-@\t\r]"  # a cell read back that had one added
NUMBER = r"^-?\d+(\.\d+)?%?$"  # a number, or a percentage
_ADDED_RE, _REMOVE_RE = re.compile(_ADDED), re.compile(_REMOVE)


def with_bom() -> bool:
    """Whether CSVs start with a UTF-8 byte order mark: ``LOCALPAY_CSV_BOM``, ``1`` (the default)
    or ``0``."""
    text = os.environ.get(BOM_SETTING, "").strip()
    if text in ("", "1"):
        return True
    if text == "0":
        return False
    raise OutputError(f"{BOM_SETTING}={text!r} must be 1 (write a byte order mark, the default) or 0 (none)")


def neutralise(value: str) -> str:
    """``value`` as a text cell is written: a quote before it if it would start a formula."""
    return "'" + value if _ADDED_RE.match(value) else value


def recover(value: str) -> str:
    """A text cell as it was before ``neutralise``."""
    return value[1:] if _REMOVE_RE.match(value) else value


def safe_frame(frame: pl.DataFrame, numbers: Iterable[str] = ()) -> pl.DataFrame:
    """``frame`` with every text cell neutralised, but a number in a numeric column or in one of
    the text columns named in ``numbers``."""
    numbers = set(numbers)
    unknown = numbers - set(frame.columns)
    if unknown:  # a column renamed and not here would be neutralised silently; say so instead
        raise ValueError(f"number columns {sorted(unknown)} are not in the table")
    changed = []
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean or dtype == pl.Null:
            continue
        text = pl.col(name).cast(pl.String)
        safe = pl.when(text.str.contains(_ADDED)).then(pl.lit("'") + text).otherwise(text)
        if name in numbers:
            safe = pl.when(text.str.contains(NUMBER)).then(text).otherwise(safe)
        changed.append(safe.alias(name))
    return frame.with_columns(changed) if changed else frame


def write_csv(path: Path, frame: pl.DataFrame, numbers: Sequence[str] = (), date_format: str | None = "%Y-%m-%d",
              null_value: str = "") -> str:
    """``frame`` as a CSV safe to open in a spreadsheet, written atomically; the file's SHA-256,
    taken as it is written."""
    return _write(path, safe_frame(frame, numbers), date_format, null_value)


def write_input_csv(path: Path, frame: pl.DataFrame) -> str:
    """Data localpay will read back as input (synthetic episodes and tables): the byte order mark,
    every value as it is."""
    return _write(path, frame, None, "")


def _write(path: Path, frame: pl.DataFrame, date_format: str | None, null_value: str) -> str:
    bom = with_bom()
    digest = []

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            hashing = fileio._Hashing(handle)
            frame.write_csv(cast(IO[bytes], hashing), include_bom=bom, date_format=date_format, null_value=null_value)
        digest.append(hashing.digest.hexdigest())

    fileio.atomic_write_with(path, write)  # looked up when called, as a test's fault injection needs
    return digest[0]


def read_csv(path: Path, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """A CSV localpay wrote, every column as text, each cell as it was before it was written."""
    frame = pl.read_csv(path, infer_schema=False, columns=list(columns) if columns is not None else None)
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_REMOVE)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
        for c in frame.columns)
