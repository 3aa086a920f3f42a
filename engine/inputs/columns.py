"""Column mappings: an input file's own column headers read as localpay's fields.

A mapping (the ruleset's ``inputs: {<table>: {columns: ...}}``, a preset shipped with localpay, or
``--columns PRESET``) says, for each field it maps, the header of the file's column that holds it
(or several, the first present; or a constant ``{value: TEXT}``). Fields not mapped keep
localpay's own name. Headers are matched trimmed and case-insensitively, as every header is read.
``latest: <column>`` keeps, of the rows that share an id, only those of the latest value of that
column (an extract with one row per submission month); each earlier row is set aside with its own
exception entry, never dropped unseen. A ``latest`` column the ruleset names must be in the file,
as any mapped column; a preset's own (``UniqMonthID``) is used when the file has it. ``row`` is
localpay's own column (each row's number), never a file's.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..errors import InputError
from ..lines import EXCEPTION_COLUMNS
from .headers import tidy

KEYED = {"episodes": "episode_id"}  # the tables whose rows have an id, which ``latest`` needs


@dataclass(frozen=True)
class Source:
    """Where a field comes from: ``columns`` the headers to look for, the first present; or
    ``value``, the same text on every row."""

    columns: tuple[str, ...] = ()
    value: str | None = None

    def describe(self) -> str:
        if self.value is not None:
            return f"the value {self.value!r} on every row"
        return " or ".join(self.columns) + (" (the first present)" if len(self.columns) > 1 else "")


@dataclass(frozen=True)
class ColumnMap:
    """A table's mapping: ``fields`` each mapped field with its ``Source``, ``latest`` the column
    whose latest value wins among the rows of one id, ``origin`` where the mapping was given (for
    the errors that quote it)."""

    fields: tuple[tuple[str, Source], ...]
    latest: str | None = None
    origin: str = ""
    latest_given: bool = False  # ``latest`` named in the ruleset: a file without it is refused

    def with_origin(self, origin: str) -> ColumnMap:
        return ColumnMap(self.fields, self.latest, origin, self.latest_given)

    def describe(self) -> list[str]:
        """Each mapped field in words, one a line."""
        said = [f"{name} <- {source.describe()}" for name, source in self.fields]
        if self.latest:
            said.append(f"of the rows of one id, only those of the latest {self.latest} are used")
        return said


@dataclass(frozen=True)
class Mapped:
    """A file's columns after a mapping: ``lazy`` and ``names`` as localpay's fields, ``headers``
    each mapped field's header as the file writes it (constants left out)."""

    lazy: pl.LazyFrame
    names: list[str]
    headers: dict[str, str]


def apply(mapping: ColumnMap, lazy: pl.LazyFrame, names: list[str], written: list[str], path, what: str) -> Mapped:
    """The file's columns renamed to the fields they hold. ``names`` are the tidy headers of the
    file's own columns in ``lazy`` (beside which ``lazy`` has the row number, ``row``, kept as it
    is), ``written`` the same headers as the file writes them. A mapped column the file lacks, or
    a file that also holds a column of the field's own name, is an ``InputError``."""
    as_written = dict(zip(names, written))
    renames: dict[str, str] = {}
    constants: dict[str, str] = {}
    for name, source in mapping.fields:
        if source.value is not None:
            constants[name] = source.value
            continue
        found = next((tidy(c) for c in source.columns if tidy(c) in names), None)
        if found is None:
            raise InputError(
                f"{what} file {str(path)!r} has no column {source.describe()} for {name} "
                f"(found: {', '.join(written) or 'none'}); "
                f"the mapping is {mapping.origin}")
        if found in renames:
            raise InputError(f"{what} file {str(path)!r}: the column {as_written[found]} is mapped to both "
                             f"{renames[found]} and {name} ({mapping.origin})")
        renames[found] = name
    for found, name in renames.items():
        if found != name and name in names and name not in renames:
            raise InputError(
                f"{what} file {str(path)!r} has both {as_written[found]}, mapped to {name}, and a column "
                f"{as_written[name]} of that name: it is not clear which holds {name} ({mapping.origin}); "
                "remove or rename one")
    for name in constants:
        if name in names and name not in renames:
            raise InputError(
                f"{what} file {str(path)!r} has a column {as_written[name]}, but the mapping gives {name} "
                f"as a constant ({mapping.origin}): it is not clear which holds {name}; remove one")
    # columns not mapped keep their names, unless a mapped one takes the name
    taken = set(renames.values()) | set(constants)
    kept = [n for n in names if n in renames or n not in taken]
    lazy = lazy.select("row", *(pl.col(n).alias(renames.get(n, n)) for n in kept),
                       *(pl.lit(v, pl.String).alias(n) for n, v in constants.items()))
    fields = [renames.get(n, n) for n in kept] + list(constants)
    headers = {name: as_written[found] for found, name in renames.items()}
    return Mapped(lazy, fields, headers)


def require_latest(mapping: ColumnMap, names: list[str], written: list[str], path, what: str) -> None:
    """A ``latest`` column the ruleset names is one the file must have, as any mapped column; a
    preset's own (``UniqMonthID``) is used when the file has it and quietly skipped when not."""
    if mapping.latest and mapping.latest_given and tidy(mapping.latest) not in names:
        raise InputError(
            f"{what} file {str(path)!r} has no column {mapping.latest} for latest "
            f"(found: {', '.join(written) or 'none'}); the mapping is {mapping.origin}")


def latest_rows(mapping: ColumnMap, lazy: pl.LazyFrame, names: list[str], what: str,
                headers: dict[str, str]) -> pl.DataFrame | None:
    """The rows an extract's later submission replaces, as exception entries (``superseded_row``,
    action ``superseded``); None when the mapping names no ``latest`` column or the file lacks it
    (``require_latest`` refuses that first when the ruleset named the column).
    The column's values are compared as whole numbers (an MHSDS ``UniqMonthID``); a row whose
    value is blank or not a whole number is kept and replaces no other."""
    key = KEYED.get(what)
    column = tidy(mapping.latest) if mapping.latest else None
    if key is None or column is None or column not in names or key not in names:
        return None
    month = pl.col(column).cast(pl.Int64, strict=False)
    latest = month.max().over(key)
    shown = headers.get(column, mapping.latest)
    quoted = [c for c in ("provider", "commissioner") if c in names]
    found = lazy.select("row", key, *quoted, pl.col(column).alias("_month"), month.alias("_number"),
                        latest.alias("_latest")).filter(
        pl.col(key).is_not_null() & pl.col("_number").is_not_null() & (pl.col("_number") < pl.col("_latest"))
    ).collect(engine="streaming")
    if found.is_empty():
        # a frame of literals only would be one row (Polars broadcasts them), never an empty one
        return pl.DataFrame(schema=EXCEPTION_COLUMNS)
    # the row used: the first row of the latest value for each id set aside
    used = lazy.select("row", key, month.alias("_number"), latest.alias("_latest")).filter(
        pl.col(key).is_in(found[key].unique().implode()) & (pl.col("_number") == pl.col("_latest"))
    ).group_by(key).agg(pl.col("row").min().alias("_used"), pl.col("_number").first().alias("_used_month")).collect()
    found = found.join(used, on=key, how="left")
    return found.select(
        source=pl.lit(what), row="row", episode_id=pl.col(key),
        provider=pl.col("provider") if "provider" in quoted else pl.lit(None, pl.String),
        commissioner=pl.col("commissioner") if "commissioner" in quoted else pl.lit(None, pl.String),
        column=pl.lit(shown), value="_month", reason_code=pl.lit("superseded_row"),
        reason=pl.concat_str(pl.lit(f"a later submission of {key} '"), pl.col(key), pl.lit("' is in the file: row "),
                             pl.col("_used").cast(pl.String), pl.lit(f" of {shown} "),
                             pl.col("_used_month").cast(pl.String), pl.lit(" is used")),
        action=pl.lit("superseded"),
    ).cast(EXCEPTION_COLUMNS).sort("row")  # type: ignore[arg-type]  # polars types a cast's keys loosely


def as_headed(exceptions: pl.DataFrame, headers: dict[str, dict[str, str]]) -> pl.DataFrame:
    """Exception entries naming each mapped column as its file's header names it (``headers``:
    by source, each mapped field's header)."""
    if not any(headers.values()):
        return exceptions
    pairs = [(source, field, header) for source, found in headers.items() for field, header in found.items()]
    renamed = pl.col("column")
    for source, field, header in pairs:
        renamed = pl.when((pl.col("source") == source) & (pl.col("column") == field)).then(pl.lit(header)).otherwise(renamed)
    return exceptions.with_columns(column=renamed)
