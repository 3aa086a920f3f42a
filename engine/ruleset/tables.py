"""Tables kept in spreadsheets: wherever the YAML says ``{file: name.csv}``, the CSV beside the
ruleset is read into the same nested shape the YAML would have had. Every column but the last is
a key, the last is the value; errors point at the CSV's own lines."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import Problem, RulesetError
from .files import decode_utf8, inside_folder, read_bounded
from .messages import describe_found
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

    def refuse(message: str) -> RulesetError:
        return RulesetError([Problem(where.file, where.line, key_text(path), message)])

    target, why = inside_folder(name, base)
    if target is None:
        raise refuse(why)
    try:
        exists, regular = target.exists(), target.is_file()
    except OSError as error:  # a name longer than the system allows, a folder that cannot be read
        raise refuse(f"the table file {describe_found(name)} cannot be read: {error.strerror or error}") from None
    if not exists:
        raise refuse(f"the table file {describe_found(name)} does not exist")
    if not regular:
        raise refuse(f"the table file {describe_found(name)} is not a file")
    raw = read_bounded(target, where.file, where.line, key_text(path))
    source.files[str(file)] = raw
    rows, problems = _rows(decode_utf8(raw, str(file)), str(file))
    if problems:
        raise RulesetError(problems)
    if len(rows) < 2 or len(rows[0][1]) < 2:
        raise RulesetError([Problem(str(file), 1, "", "expected a header and at least one row, with two columns or more")])
    table: dict  # nested as the YAML would be: key -> ... -> value
    width, table = len(rows[0][1]), {}
    for number, row in rows[1:]:
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
                if not isinstance(node.setdefault(key, {}), dict):
                    break  # a key given a value in a row of fewer columns: reported as that row's width
                node = node[key]
    if problems:
        raise RulesetError(problems)
    return table


def _rows(text: str, file: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Each row of the CSV with the line it starts on. CRLF, LF and a lone CR end a line alike; a
    cell running over a line end (a stray quote, most often) is an error at the row's first line,
    never a row that silently swallows the rows after it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            if any("\n" in cell or "\r" in cell for cell in row):
                message = "a cell here runs over the end of the line (a quote \" opened and not closed?)"
                return rows, [Problem(file, line, "", message)]
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        return rows, [Problem(file, line, "", f"this line is not valid CSV: {error}")]
    return rows, []


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Decimal(text)
    except InvalidOperation:
        return text
