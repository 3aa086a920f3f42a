"""The ruleset's ``inputs:`` block, table by table: how each input file is read.

Each input table (``episodes``, ``assessments`` and every table the plugins declare) may have a
block with ``columns`` (a preset's name, or a mapping of localpay's fields to the file's
headers), ``encoding`` (the file's text encoding) and ``sheet`` (the sheet of a workbook). These
three keys are reserved: ``episodes`` takes its other keys as the columns its rules read.
Every problem carries its file, line and key.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping

from ..errors import LocalpayError, Problem
from ..ruleset.messages import describe_found
from .columns import KEYED, ColumnMap, Source
from .csvfile import codec_of
from .headers import tidy
from .presets import PRESETS, preset
from .reading import TableOptions

RESERVED = ("columns", "encoding", "sheet")
MAP_KEYS = ("preset", "latest")
SOURCE_WORDS = "a column header, a list of headers (the first present) or {value: TEXT}"
ROW_NAME = "row"  # the column localpay numbers a file's rows in, which no file column may take
ROW_WORDS = ("the header {header!r} cannot be mapped: localpay numbers each file's rows in a column named row "
             "(any case), so a file's own column of that name is refused; rename it in the file")

Locate = Callable[[tuple, str], Problem]


def where(problem: Locate, at: tuple) -> str:
    """Where a key of the ruleset is, in the words an error quotes."""
    found = problem(at, "")
    line = f", line {found.line}" if found.line else ""
    return f"given at {found.file}{line} [{found.key}]"


def parse_table(name: str, block: dict, fields: tuple[str, ...], problem: Locate) -> tuple[TableOptions, list[Problem]]:
    """A table's reserved keys (the caller reads the rest). ``fields``: the table's columns,
    which a mapping may map."""
    at = ("inputs", name)
    problems: list[Problem] = []
    columns = None
    if "columns" in block:
        columns, problems = parse_columns(name, block["columns"], fields, at + ("columns",), problem)
    encoding = block.get("encoding")
    if isinstance(encoding, int) and not isinstance(encoding, bool):
        encoding = str(encoding)  # a code page by its number (1252 is cp1252), as a ruleset table's may be
    if encoding is not None:
        try:
            if not isinstance(encoding, str) or not encoding.strip():
                raise LocalpayError(f"expected the name of a text encoding (e.g. cp1252, or a code page number: 1252), found {describe_found(encoding)}")
            codec_of(encoding)
        except LocalpayError as error:
            problems.append(problem(at + ("encoding",), str(error)))
            encoding = None
    sheet = block.get("sheet")
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        sheet = str(sheet)
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        problems.append(problem(at + ("sheet",), f"expected the name of a sheet, found {describe_found(sheet)}"))
        sheet = None
    return TableOptions(encoding, sheet, columns), problems


def parse_columns(table: str, data: object, fields: tuple[str, ...], at: tuple,
                  problem: Locate) -> tuple[ColumnMap | None, list[Problem]]:
    """``columns: PRESET`` or ``columns: {[preset: PRESET,] [latest: COLUMN,] field: source, ...}``."""
    if isinstance(data, str):
        data = {"preset": data}
        named_at = at
    elif isinstance(data, dict):
        named_at = at + ("preset",)
    else:
        return None, [problem(at, f"expected the name of a preset ({', '.join(PRESETS)}) or a mapping of "
                                  f"fields to the file's columns, found {describe_found(data)}")]
    problems: list[Problem] = []
    mapped: dict[str, Source] = {}
    latest = None
    origin = where(problem, at)
    if "preset" in data:
        name = data["preset"]
        base = preset(name, table, "") if isinstance(name, str) and name in PRESETS else None
        if not isinstance(name, str) or name not in PRESETS:
            problems.append(problem(named_at, f"unknown preset {describe_found(name)} (the presets: {', '.join(PRESETS)})"))
        elif base is None:
            maps = ", ".join(PRESETS[name])
            problems.append(problem(named_at, f"the {name} preset maps no {table} file (it maps: {maps})"))
        else:
            mapped.update(base.fields)
            latest = base.latest
            origin = f"the {name} preset, {origin}"
    given = "latest" in data
    if given:
        latest, found = _latest(table, data["latest"], at + ("latest",), problem)
        problems += found
    for field, value in data.items():
        if field in MAP_KEYS:
            continue
        key = at + (str(field),)
        if field not in fields:
            close = difflib.get_close_matches(str(field), list(fields), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(problem(key, f"'{field}' is not a column of the {table} file{hint} (the columns: "
                                         f"{', '.join(fields)}; and preset, latest)"))
            continue
        source = _source(value)
        if source is None:
            if isinstance(value, dict) and set(value) == {"value"}:  # the form is right, the constant is not text
                problems.append(problem(key + ("value",), f"expected the value as text that is not blank (quote it: "
                                                          f"value: '5'), found {describe_found(value['value'])}"))
            else:
                problems.append(problem(key, f"expected {SOURCE_WORDS}, found {describe_found(value)}"))
            continue
        clash = next((c for c in source.columns if tidy(c) == ROW_NAME), None)
        if clash is not None:
            problems.append(problem(key, ROW_WORDS.format(header=clash)))
            continue
        mapped[str(field)] = source
    problems += _shared_sources(mapped, data, at, problem)
    if problems:
        return None, problems
    return ColumnMap(tuple(mapped.items()), latest, origin, given), []


def _latest(table: str, value: object, at: tuple, problem: Locate) -> tuple[str | None, list[Problem]]:
    if table not in KEYED:
        keyed = ", ".join(KEYED)
        return None, [problem(at, f"latest needs rows with an id; only the {keyed} file has one")]
    if not isinstance(value, str) or not value.strip():
        return None, [problem(at, f"expected the header of the column whose latest value is used (e.g. UniqMonthID), "
                                  f"found {describe_found(value)}")]
    if tidy(value) == ROW_NAME:
        return None, [problem(at, ROW_WORDS.format(header=value.strip()))]
    return value.strip(), []


def _source(value: object) -> Source | None:
    if isinstance(value, str) and value.strip():
        return Source((value.strip(),))
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return Source(tuple(v.strip() for v in value))
    if isinstance(value, dict) and set(value) == {"value"} and isinstance(value["value"], str) and value["value"].strip():
        return Source(value=value["value"].strip())
    return None


def _shared_sources(mapped: dict[str, Source], data: Mapping, at: tuple, problem: Locate) -> list[Problem]:
    """Two fields read from one column: one of them is surely wrong."""
    problems = []
    owner: dict[str, str] = {}
    for field, source in mapped.items():
        for column in source.columns:
            other = owner.setdefault(tidy(column), field)
            if other != field:
                key = at + ((field,) if field in data else ((other,) if other in data else ()))
                problems.append(problem(key, f"the column {column} is mapped to both {other} and {field}"))
    return problems


def table_fields(required: tuple[str, ...], optional: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(required + optional))
