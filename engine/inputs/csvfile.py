"""A CSV input file checked as bytes before it is parsed.

One chunked pass over the bytes checks that the file is valid in its declared encoding (an error
names the line and the byte, never a replacement character that could merge two ids), finds its
line endings, counts its records and proves that each has as many values as the header, with
quotes only around whole values. Such a file, in UTF-8 with LF or CRLF line endings, is parsed as
it is. Any other is first copied as UTF-8 with LF line endings: from another encoding, from CR
line endings (a spreadsheet's "CSV (Macintosh)"), and, only for a file with a record that is not
plain (a value too many or too few, a stray or unclosed quote, a blank line, a quoted value over
several lines), record by record, each record numbered and each malformed one left out and
reported with its line, so that the rest of the file is still read.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError

CHUNK = 1 << 22
ROW = "_localpay_row"  # the first column of a copy made record by record: each record's row number
MAX_LINES = 1000  # the most lines one quoted value may run over
QUOTE, COMMA, CR, LF = 34, 44, 13, 10


@dataclass(frozen=True)
class Malformed:
    """A record that cannot be read as a row: its row number, first line, text and why."""

    row: int
    line: int
    text: str
    reason: str


@dataclass
class Layout:
    """How to parse an input file: ``path`` (the file itself or a UTF-8 copy with LF line
    endings), its ``header`` as written, the number of data ``records`` the file holds, and,
    when ``numbered``, the copy's first column ``ROW`` holds each row's number, the
    ``malformed`` records left out."""

    path: Path
    header: list[str]
    records: int
    numbered: bool = False
    malformed: list[Malformed] = field(default_factory=list)


def layout(path: Path, what: str, encoding: str, scratch: Path) -> Layout:
    """The file checked as bytes (see the module), with any copy written into ``scratch``."""
    codec = codec_of(encoding)
    source, lf, cr = _checked_source(path, what, codec, scratch)
    if cr and not lf:  # CR line endings only: the same records with LF
        source = _with_lf(source, scratch / "lf.csv")
    header, start = _header(source, what, path)
    records = _plain_records(source, start, len(header))
    if records is not None:
        return Layout(source, header, records)
    copy = scratch / "records.csv"
    records, malformed = _copy_records(source, start, len(header), header, copy)
    return Layout(copy, header, records, True, malformed)


def codec_of(encoding: str) -> codecs.CodecInfo:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (for example utf-8, latin-1, cp1252)") from None
    if not getattr(codec, "_is_text_encoding", True):
        raise InputError(f"{encoding!r} is not a text encoding")
    return codec


def _checked_source(path: Path, what: str, codec: codecs.CodecInfo, scratch: Path) -> tuple[Path, bool, bool]:
    """The file's bytes as UTF-8 (the file, or a copy when it is declared in another encoding),
    and whether they hold LF and CR bytes. Bytes not valid in the encoding are an error."""
    utf8 = codec.name == "utf-8"
    decoder = codec.incrementaldecoder("strict")
    copy = None if utf8 else scratch / "utf8.csv"
    lf = cr = False
    offset = 0  # bytes of the file before this chunk
    with open(path, "rb") as handle, (open(copy, "wb") if copy else nullcontext()) as out:
        while True:
            chunk = handle.read(CHUNK)
            final = not chunk
            text = None
            if not (utf8 and chunk.isascii() and not decoder.getstate()[0]):  # ASCII is valid UTF-8
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError as error:
                    raise _not_valid(path, what, "UTF-8" if utf8 else codec.name, offset - pending + error.start) from None
            data = chunk
            if out is not None:
                data = (text or "").encode("utf-8")
                out.write(data)
            lf = lf or b"\n" in data
            cr = cr or b"\r" in data
            offset += len(chunk)
            if final:
                return (copy or path), lf, cr


def _not_valid(path: Path, what: str, encoding: str, offset: int) -> InputError:
    """Where a byte that is not valid in the encoding sits: line, column and the byte's value."""
    with open(path, "rb") as handle:
        before = handle.read(offset)
        byte = handle.read(1)
    ending = b"\n" if b"\n" in before or b"\r" not in before else b"\r"
    line = before.count(ending) + 1
    column = offset - (before.rfind(ending) + 1) + 1
    hint = ("; if the file is written in another encoding, name it with --encoding (for example "
            "--encoding latin-1 or --encoding cp1252)" if encoding == "UTF-8" else "")
    return InputError(f"{what} file {str(path)!r} is not valid {encoding}: line {line}, column {column} has the "
                      f"byte 0x{byte.hex().upper()} (byte offset {offset} from the start of the file){hint}")


def _with_lf(source: Path, copy: Path) -> Path:
    with open(source, "rb") as handle, open(copy, "wb") as out:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            out.write(chunk.replace(b"\r", b"\n"))
    return copy


def _header(source: Path, what: str, path: Path) -> tuple[list[str], int]:
    """The header's values as written and the byte offset of the first data record."""
    with open(source, "rb") as handle:
        line = handle.readline()
    if not line.strip():
        raise InputError(f"{what} file {str(path)!r} has no header: its first line should name the columns")
    text = line.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")
    try:
        names = split_record(text)
    except ValueError as error:
        raise InputError(f"{what} file {str(path)!r}: the header (line 1) cannot be read: {error}") from None
    return names, len(line)


def _plain_records(source: Path, start: int, fields: int) -> int | None:
    """The number of data records when every line from ``start`` is one plain record (as many
    values as the header, or blank; quotes only around whole values, none left open; no CR
    but before an LF); None when a record needs a closer look."""
    records = 0
    rest = b""
    with open(source, "rb") as handle:
        handle.seek(start)
        while True:
            chunk = handle.read(CHUNK)
            data = rest + chunk
            if not chunk:
                if not data:
                    return records
                data += b"\n"  # the last line ends without an LF
            end = data.rfind(b"\n") + 1
            if end:
                counted = _plain_lines(data, end, fields)
                if counted is None:
                    return None
                records += counted
            rest = data[end:]
            if not chunk:
                return records


def _plain_lines(data: bytes, end: int, fields: int) -> int | None:
    """``data[:end]`` is whole lines, each ending in LF: how many, or None if one is not plain."""
    body = np.frombuffer(data, np.uint8, end)
    ends = np.flatnonzero(body == LF)
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas = body == COMMA
    if b'"' in data:
        quotes = body == QUOTE
        per_line = np.add.reduceat(quotes.view(np.uint8), starts, dtype=np.int64)
        if (per_line & 1).any():  # a quote left open at the end of a line
            return None
        # every line holds an even number of quotes, so the running count is even at each line's start
        inside = (np.cumsum(quotes, dtype=np.uint8) & 1).astype(bool) ^ quotes  # after an opening quote
        at = np.flatnonzero(quotes)
        before = np.where(at > 0, body[np.maximum(at - 1, 0)], LF)
        after = body[np.minimum(at + 1, body.size - 1)]
        opening = ~inside[at]
        edge = np.where(opening, np.isin(before, (COMMA, LF, QUOTE)), np.isin(after, (COMMA, CR, LF, QUOTE)))
        if not edge.all():  # a quote inside an unquoted value, or text after a closing quote
            return None
        commas &= ~inside
    per_line = np.add.reduceat(commas.view(np.uint8), starts, dtype=np.int64)
    wrong = per_line != fields - 1
    if wrong.any():
        length = ends - starts
        blank = (length == 0) | ((length == 1) & (body[np.maximum(ends - 1, 0)] == CR))
        if (wrong & ~blank).any():
            return None
    if b"\r" in data and data.count(b"\r", 0, end) != data.count(b"\r\n", 0, end):  # a CR ending no line
        return None
    return int(ends.size)


def split_record(text: str) -> list[str]:
    """A record's values (RFC 4180: a value in quotes may hold commas, line breaks and doubled
    quotes); ValueError saying what is wrong with a record that is not well formed."""
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
            values.append(raw)
            if k < 0:
                return values
            i = k + 1


def _copy_records(source: Path, start: int, fields: int, header: list[str],
                  copy: Path) -> tuple[int, list[Malformed]]:
    """Every record from ``start`` into ``copy`` (UTF-8, LF, each record numbered in ``ROW``),
    but the malformed ones, which are returned; and the number of records."""
    malformed: list[Malformed] = []
    row = 0
    with open(source, "rb") as raw, open(copy, "w", encoding="utf-8", newline="") as out:
        raw.seek(start)
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([ROW, *header])
        for line, _, text in _records(handle, fields):
            row += 1
            body = text.rstrip("\r\n")
            if not body.strip():
                writer.writerow([row, *([""] * fields)])
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
        if not left_open(joined) and _values(joined.rstrip("\r\n")) == fields:
            yield number, 1 + len(taken), joined
            number += len(taken)
        else:
            ahead.extendleft(reversed(taken))
            yield number, 1, line


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
