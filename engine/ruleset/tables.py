"""Tables kept in spreadsheets: wherever the YAML says ``{file: name.csv}`` (with an optional
``encoding:``, UTF-8 unless declared) or ``{file: name.xlsx}`` (with an optional ``sheet:``; a
workbook of several sheets must name one), the file beside the ruleset is read into the same
nested shape the YAML would have had. Every column but the last is a key, the last is the value;
errors point at the CSV's own lines, or at the workbook's sheet, row and cell."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import LocalpayError, Problem, RulesetError
from ..inputs.csvfile import codec_of
from ..inputs.workbook import WorkbookError, cell_name, choose, is_workbook, max_unpacked, open_workbook, refused
from .files import decode_utf8, inside_folder, line_and_column, max_bytes, read_bounded
from .messages import describe_found
from .source import Location, Source, key_text


def expand_table_files(source: Source, base: Path) -> None:
    source.data = _walk(source.data, (), source, base)


def _walk(value: object, path: tuple, source: Source, base: Path) -> object:
    if isinstance(value, dict):
        if "file" in value and set(value) <= {"file", "sheet", "encoding"} and isinstance(value["file"], str):
            return _read_table(value["file"], path, source, base, _options(value, path, source))
        return {k: _walk(v, path + (str(k),), source, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, path + (str(i),), source, base) for i, v in enumerate(value)]
    return value


def _options(value: dict, path: tuple, source: Source) -> tuple[str | None, str | None]:
    """The table's ``sheet`` and ``encoding``, each text when given."""
    found = []
    for key in ("sheet", "encoding"):
        given = value.get(key)
        if given is not None and not isinstance(given, (str, int, float)) or isinstance(given, bool):
            where = source.locate(path + (key,)) or source.locate(path)
            assert where is not None
            raise RulesetError([Problem(where.file, where.line, key_text(path + (key,)),
                                        f"expected the {key} as text, found {describe_found(given)}")])
        found.append(None if given is None else str(given))
    return found[0], found[1]


def _read_table(name: str, path: tuple, source: Source, base: Path, given: tuple[str | None, str | None]) -> dict:
    sheet, encoding = given
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
    if refused(target):
        raise refuse(f"the table file {describe_found(name)} {refused(target)}")
    workbook = is_workbook(target)
    if workbook and encoding is not None:
        raise refuse(f"the table file {describe_found(name)} is a workbook: encoding applies to a CSV table only")
    if not workbook and sheet is not None:
        raise refuse(f"the table file {describe_found(name)} is not a workbook (.xlsx): sheet applies to a workbook only")
    if encoding is not None:
        try:
            codec_of(encoding)
        except LocalpayError as error:
            raise RulesetError([Problem(where.file, where.line, key_text(path + ("encoding",)), str(error))]) from None
    raw = read_bounded(target, where.file, where.line, key_text(path))
    source.files[str(file)] = raw
    sheet_name = ""
    if workbook:
        rows, problems, sheet_name = _sheet_rows(raw, str(file), sheet, refuse)
    else:
        rows, problems = _rows(_decoded(raw, str(file), encoding), str(file))
    if problems:
        raise RulesetError(problems)
    first = rows[0][0] if rows else 1
    if len(rows) < 2 or len(rows[0][1]) < 2:
        raise RulesetError([Problem(str(file), first, "", "expected a header and at least one row, with two columns or more")])
    table: dict  # nested as the YAML would be: key -> ... -> value
    width, table = len(rows[0][1]), {}
    for number, row in rows[1:]:
        if workbook and len(row) < width:  # a workbook leaves out a row's blank cells at its end
            row = row + [""] * (width - len(row))
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            at = f"cell {cell_name(sheet_name, width + 1, number)}: " if workbook else ""
            problems.append(Problem(str(file), number, "", f"{at}expected {width} columns, found {len(row)}"))
            continue
        *keys, cell = [c.strip() for c in row]
        node = table
        for depth, key in enumerate(keys):
            item_path = path + tuple(keys[: depth + 1])
            place = str(file)
            if workbook:  # the cell of the key, or of the value for the last key
                column = width if depth == len(keys) - 1 else depth + 1
                place = f"{file}, cell {cell_name(sheet_name, column, number)}"
            source.locations.setdefault(tuple(str(p) for p in item_path), Location(place, number))
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


def _decoded(raw: bytes, file: str, encoding: str | None) -> str:
    """The table's text: UTF-8 unless an encoding is declared; a byte not valid in it is an
    error naming the line, the column and the byte."""
    if encoding is None or codec_of(encoding).name == "utf-8":
        try:
            return decode_utf8(raw, file)
        except RulesetError as error:
            if encoding is not None:
                raise
            hint = "; or name its encoding beside the file: {file: NAME, encoding: cp1252}"
            raise RulesetError([Problem(p.file, p.line, p.key, p.message + hint) for p in error.problems]) from None
    try:
        return raw.decode(codec_of(encoding).name)
    except UnicodeDecodeError as error:
        line, column = line_and_column(raw, error.start)
        message = (f"the file is not {encoding} text: the byte 0x{raw[error.start]:02X} at line {line}, "
                   f"column {column} is not valid {encoding}")
        raise RulesetError([Problem(file, line, "", message)]) from None
    except (UnicodeError, ValueError) as error:
        raise RulesetError([Problem(file, 1, "", f"the file cannot be read as {encoding}: {error}")]) from None


def _sheet_rows(raw: bytes, file: str, wanted: str | None,
                refuse) -> tuple[list[tuple[int, list[str]]], list[Problem], str]:
    """The rows of a workbook's sheet as text (``inputs.workbook``), each with its row number;
    a cell that cannot be read (an error value, a formula without a saved result) is a problem
    naming the sheet and the cell."""
    try:
        book = open_workbook(raw, min(max_unpacked(), 100 * max_bytes()))
    except WorkbookError as error:
        raise RulesetError([Problem(file, None, "", f"the table file {error}")]) from None
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    try:
        try:
            name = choose(book.names, wanted, "", "sheet: NAME beside file:")
        except WorkbookError as error:
            raise refuse(f"the table file {Path(file).name!r} {error}") from None
        sheet = book.sheet(name)
        rows.append((sheet.header_row, list(sheet.names)))
        for number, cells in sheet.rows:
            for column, cell in enumerate(cells, 1):
                if cell.problem:
                    problems.append(Problem(file, number, "", f"cell {cell_name(name, column, number)}: {cell.problem}"))
            rows.append((number, [c.text for c in cells]))
    except WorkbookError as error:
        raise RulesetError([Problem(file, None, "", f"the table file {error}")]) from None
    except RulesetError:
        raise
    except Exception as error:  # a damaged part of the workbook met while reading its rows
        raise RulesetError([Problem(file, None, "", f"the table file cannot be read as an .xlsx workbook: "
                                    f"{type(error).__name__}: {error}")]) from None
    finally:
        book.close()
    return rows, problems, name


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
