"""A CSV input file checked as bytes before it is parsed.

One chunked pass over the bytes checks that the file is valid in its declared encoding (an error
names the line and the byte, never a replacement character that could merge two ids), finds its
line endings, counts its records and proves that each has as many values as the header, with
quotes only around whole values. Such a file, in UTF-8 with LF or CRLF line endings, is parsed as
it is. Any other is first copied as UTF-8 with LF line endings: from another encoding, from CR
line endings (a spreadsheet's "CSV (Macintosh)"), and, only for a file with a record that is not
plain (a value too many or too few, a stray or unclosed quote, a blank line, a quoted value over
several lines, a CR that ends no line), record by record (``records``), each record numbered and each malformed one left
out and reported with its line, so that the rest of the file is still read.
"""

from __future__ import annotations

import codecs
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .records import Malformed, copy_records, split_record

CHUNK = 1 << 22
QUOTE, COMMA, CR, LF = 34, 44, 13, 10


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
    records, malformed = copy_records(source, start, header, copy)
    return Layout(copy, header, records, True, malformed)


def codec_of(encoding: str) -> codecs.CodecInfo:
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a name holding a NUL
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
                    where = offset - pending + error.start
                    raise _not_valid(path, what, "UTF-8" if utf8 else codec.name, where) from None
                except (UnicodeError, ValueError, LookupError) as error:  # a codec that names no byte
                    raise _cannot_decode(path, what, codec.name, error) from None
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


def _cannot_decode(path: Path, what: str, encoding: str, error: Exception) -> InputError:
    """A codec's own error (one that names no byte, such as UTF-16 without a byte order mark)."""
    hint = ("; a UTF-16 file without a byte order mark is read with --encoding utf-16-le or --encoding utf-16-be"
            if encoding == "utf-16" else "")
    return InputError(f"{what} file {str(path)!r} cannot be read as {encoding}: {error}{hint}")


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
        at = np.flatnonzero(quotes)
        if (np.diff(np.searchsorted(at, ends), prepend=0) & 1).any():  # a quote left open at a line's end
            return None
        # every line holds an even number of quotes, so the running count is even at each line's start
        inside = (np.cumsum(quotes, dtype=np.uint8) & 1).astype(bool) ^ quotes  # after an opening quote
        before = np.where(at > 0, body[np.maximum(at - 1, 0)], LF)
        after = body[np.minimum(at + 1, body.size - 1)]
        opening = ~inside[at]
        edge = np.where(opening, np.isin(before, (COMMA, LF, QUOTE)), np.isin(after, (COMMA, CR, LF, QUOTE)))
        if not edge.all():  # a quote inside an unquoted value, or text after a closing quote
            return None
        commas &= ~inside
    if not _each_line_has(np.flatnonzero(commas), fields - 1, starts, ends):
        per_line = np.diff(np.searchsorted(np.flatnonzero(commas), ends), prepend=0)
        length = ends - starts
        blank = (length == 0) | ((length == 1) & (body[np.maximum(ends - 1, 0)] == CR))
        if ((per_line != fields - 1) & ~blank).any():
            return None
    if b"\r" in data and data.count(b"\r", 0, end) != data.count(b"\r\n", 0, end):  # a CR ending no line
        return None
    return int(ends.size)


def _each_line_has(commas: np.ndarray, each: int, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether each line holds exactly ``each`` of the sorted ``commas`` positions: as many in
    all, and the i-th run of ``each`` of them inside the i-th line."""
    if commas.size != each * ends.size:
        return False
    if not each:
        return True
    runs = commas.reshape(ends.size, each)
    return bool(((runs[:, 0] >= starts) & (runs[:, -1] < ends)).all())
