"""Reading input tables (CSV or Parquet) and parsing their columns.

Everything is read as text first, so that a value that does not parse is reported as the user
wrote it instead of being silently turned into null by type inference.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import polars as pl

from ..clusters import CLUSTERS
from ..errors import InputError

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and UK spreadsheets' day/month/year
DATE_WORDS = "a date written YYYY-MM-DD or DD/MM/YYYY"


def read_table(path: Path, what: str) -> pl.DataFrame:
    """A CSV or Parquet file as text columns with tidy lower-case headers, blanks as null, and
    a 1-based ``row`` number (the header is not counted)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} file {str(path)!r} does not exist")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            lazy = pl.scan_parquet(path)
        else:
            lazy = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy")
        columns = lazy.collect_schema().names()
        names = [name.replace("\ufeff", "").strip().lower() for name in columns]
        written = names if path.suffix.lower() in (".parquet", ".pq") else _csv_header(path)
        repeated = sorted({n for n in written if written.count(n) > 1})
        if repeated:
            raise InputError(f"{what} file {str(path)!r} has repeated columns: {', '.join(repeated)}")
        # one lazy pass: text, trimmed, blanks as null (reading then cleaning would hold two copies)
        text = [pl.col(c).cast(pl.String).str.strip_chars() for c in columns]
        frame = lazy.select([pl.when(t == "").then(None).otherwise(t).alias(n) for t, n in zip(text, names)])
        return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64)).collect()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(f"cannot read {what} file {str(path)!r}: {str(error).splitlines()[0]}") from None


def _csv_header(path: Path) -> list[str]:
    """The header as written: Polars quietly renames a repeated column, which would hide it."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), [])
    return [name.strip().lower() for name in header]


def read_input(path: Path, what: str, required: tuple[str, ...], optional: tuple[str, ...]) -> pl.DataFrame:
    """``read_table``, refusing a file without the required columns; absent optional columns
    are added empty, so later stages can rely on them."""
    frame = read_table(path, what)
    absent = [c for c in required if c not in frame.columns]
    if absent:
        found = ", ".join(c for c in frame.columns if c != "row") or "none"
        raise InputError(
            f"{what} file {str(path)!r} lacks the required columns: {', '.join(absent)} (found: {found})"
        )
    return frame.with_columns([pl.lit(None, pl.String).alias(c) for c in optional if c not in frame.columns])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def date_expr(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])


def cluster_expr(column: str) -> pl.Expr:
    """"3" and "03" are cluster 3; anything else that is not a national cluster is null."""
    text = pl.col(column)
    code = pl.when(text.str.contains(r"^\d{1,3}$")).then(text.cast(pl.Int16, strict=False))
    return pl.when(code.is_in(list(CLUSTERS))).then(code).cast(pl.Int8)


def integer_expr(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.when(text.str.contains(r"^-?\d{1,9}$")).then(text.cast(pl.Int64, strict=False))
