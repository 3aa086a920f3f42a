"""Tables kept in spreadsheets: wherever the YAML says ``{file: name.csv}``, the CSV beside the
ruleset is read into the same nested shape the YAML would have had. Every column but the last is
a key, the last is the value; errors point at the CSV's own lines."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import Problem, RulesetError
from .source import Location, Source, key_text


def expand_table_files(source: Source, base: Path) -> None:
    source.data = _walk(source.data, (), source, base)


def _walk(value: object, path: tuple, source: Source, base: Path) -> object:
    if isinstance(value, dict):
        if set(value) == {"file"} and isinstance(value["file"], str):
            return _read_table(value["file"], path, source, base)
        return {k: _walk(v, path + (str(k),), source, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, path + (str(i),), source, base) for i, v in enumerate(value)]
    return value


def _read_table(name: str, path: tuple, source: Source, base: Path) -> dict:
    where = source.locate(path)
    assert where is not None  # the reader gives the whole file a location, so every path has one
    file = base / name
    if not file.is_file():
        raise RulesetError([Problem(where.file, where.line, key_text(path), f"the table file {name!r} does not exist")])
    raw = file.read_bytes()
    source.files[str(file)] = raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    if len(rows) < 2 or len(rows[0]) < 2:
        raise RulesetError([Problem(str(file), 1, "", "expected a header and at least one row, with two columns or more")])
    table: dict  # nested as the YAML would be: key -> ... -> value
    width, table, problems = len(rows[0]), {}, []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append(Problem(str(file), number, "", f"expected {width} columns, found {len(row)}"))
            continue
        *keys, cell = [c.strip() for c in row]
        node = table
        for depth, key in enumerate(keys):
            item_path = path + tuple(keys[: depth + 1])
            source.locations.setdefault(tuple(str(p) for p in item_path), Location(str(file), number))
            if depth == len(keys) - 1:
                if key in node:
                    problems.append(Problem(str(file), number, key_text(item_path), "this row repeats an earlier one"))
                node[key] = _number(cell)
            else:
                node = node.setdefault(key, {})
    if problems:
        raise RulesetError(problems)
    return table


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Decimal(text)
    except InvalidOperation:
        return text
