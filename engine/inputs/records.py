"""A CSV file read record by record, for a file whose records are not all plain: each record
numbered, a malformed one (a value too many or too few, a stray or unclosed quote, a CR inside a
value that is not quoted) left out and reported with its line, so that the rest of the file is
still read and no row is lost inside another's quote. Lines end in LF (a CR just before it is part
of the line ending); a lone CR ends no line (a file with CR line endings only is copied with LF
first)."""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROW = "_localpay_row"  # the first column of a copy made record by record: each record's row number
MAX_LINES = 1000  # the most lines one quoted value may run over


@dataclass(frozen=True)
class Malformed:
    """A record that cannot be read as a row: its row number, first line, text and why; for a
    workbook's row, the ``column`` of the cell at fault, the ``code`` of its exception entry, and
    ``located`` (its reason names the sheet and cell, so no line is added)."""

    row: int
    line: int
    text: str
    reason: str
    column: str | None = None
    code: str = "malformed_row"
    located: bool = False


def split_record(text: str) -> list[str]:
    """A record's values (RFC 4180: a value in quotes may hold commas, line breaks and doubled
    quotes); ValueError saying what is wrong with a record that is not well formed (a CR in a
    value that is not quoted is: a stray CR in a payment file is never taken as data unseen)."""
    values: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            parts, j = [], i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ValueError(f"the quote that opens value {len(values) + 1} is not closed")
                parts.append(text[j:k])
                if text.startswith('"', k + 1):
                    parts.append('"')
                    j = k + 2
                    continue
                break
            values.append("".join(parts))
            i = k + 1
            if i == n:
                return values
            if text[i] != ",":
                raise ValueError(f"value {len(values)} has text after its closing quote")
            i += 1
        else:
            k = text.find(",", i)
            raw = text[i:] if k < 0 else text[i:k]
            if '"' in raw:
                raise ValueError(f"value {len(values) + 1} has a quote inside it but does not start with one")
            if "\r" in raw:
                raise ValueError(f"value {len(values) + 1} holds a carriage return (CR) but is not quoted")
            values.append(raw)
            if k < 0:
                return values
            i = k + 1


def copy_records(source: Path, start: int, header: list[str], copy: Path) -> tuple[int, list[Malformed]]:
    """Every record of the UTF-8 file ``source`` from byte ``start`` into ``copy`` (UTF-8, LF,
    under ``ROW`` and the ``header``, each record numbered in ``ROW``), but the malformed ones,
    which are returned; and the number of records."""
    fields = len(header)
    malformed: list[Malformed] = []
    row = 0
    with open(source, "rb") as raw, open(copy, "w", encoding="utf-8", newline="") as out:
        raw.seek(start)
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")  # a lone CR ends no line
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([ROW, *header])
        for line, _, text in _records(handle, fields):
            row += 1
            body = _body(text)
            if not body.strip():
                writer.writerow([row, *([""] * fields)])
                continue
            if '"' not in body and "\r" not in body and body.count(",") == fields - 1:  # plain: as it is
                out.write(f"{row},{body}\n")
                continue
            try:
                values = split_record(body)
            except ValueError as error:
                malformed.append(Malformed(row, line, body, str(error)))
                continue
            if len(values) != fields:
                malformed.append(Malformed(row, line, body, f"{len(values)} values where the header has {fields} "
                                                            "columns"))
                continue
            writer.writerow([row, *values])
    return row, malformed


def _records(handle, fields: int) -> Iterator[tuple[int, int, str]]:
    """Each record's first line number, its line count and its text. A line that leaves a quoted
    value open takes the lines after it when that gives a well-formed record of ``fields`` values
    (a quoted value over several lines, at most ``MAX_LINES``); otherwise it is a record of its
    own, reported as malformed by the caller, and the lines after it are read afresh (so a row is
    never lost inside another's stray quote)."""
    lines = iter(handle)
    ahead: deque[str] = deque()
    number = 1  # the header's line

    def take() -> str | None:
        return ahead.popleft() if ahead else next(lines, None)

    while (line := take()) is not None:
        number += 1
        if '"' not in line or not left_open(line):
            yield number, 1, line
            continue
        taken: list[str] = []
        joined = line
        while left_open(joined) and len(taken) < MAX_LINES and (more := take()) is not None:
            taken.append(more)
            joined += more
        if not left_open(joined) and _values(_body(joined)) == fields:
            yield number, 1 + len(taken), joined
            number += len(taken)
        else:
            ahead.extendleft(reversed(taken))
            yield number, 1, line


def _body(text: str) -> str:
    """A line's text without its line ending (LF, or CRLF, or a CR that ends the file)."""
    text = text.removesuffix("\n")
    return text.removesuffix("\r")


def left_open(text: str) -> bool:
    """Whether a quoted value is still open at the end of ``text``: a quote opens a value only at
    its start (a quote elsewhere is stray, and its record malformed), and inside one "" is a quote."""
    i = 0
    while (j := text.find('"', i)) >= 0:
        if j and text[j - 1] != ",":
            i = j + 1
            continue
        k = j + 1
        while (k := text.find('"', k)) >= 0 and text.startswith('"', k + 1):
            k += 2
        if k < 0:
            return True
        i = k + 1
    return False


def _values(text: str) -> int | None:
    """How many values a well-formed record has; None for one that is not well formed."""
    try:
        return len(split_record(text))
    except ValueError:
        return None
