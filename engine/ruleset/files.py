"""Reading the files of a ruleset: the YAML, and every table file it names.

A ruleset comes from a contract manager's folder, and is sometimes passed around by email: it is
read as untrusted text. Each file is bounded in size (``LOCALPAY_RULESET_MAX_MB``, default 1 MB,
a hundred times the largest bundled ruleset), must be UTF-8 (a byte that is not is named with its
line, never replaced), and a file the YAML names must lie inside the ruleset's own folder: no
absolute path, no ``..`` out of it, no link that resolves outside it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePath

from ..errors import Problem, RulesetError
from ..fileio import megabytes_setting
from .messages import describe_found

MAX_MB_VAR = "LOCALPAY_RULESET_MAX_MB"
DEFAULT_MAX_MB = 1.0
# line ends as YAML and CSV read them: CRLF, LF and a lone CR (old Mac and Excel "CSV (Macintosh)")
LINE_END = re.compile(rb"\r\n|\r|\n")
BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def max_bytes() -> int:
    """The largest file of a ruleset read, from ``LOCALPAY_RULESET_MAX_MB`` (megabytes, default 1)."""
    return megabytes_setting(MAX_MB_VAR, DEFAULT_MAX_MB, 1_000)


def read_bounded(path: Path, problem_file: str, line: int | None, key: str) -> bytes:
    """The bytes of ``path``, a regular file no larger than the bound. A problem is reported
    against ``problem_file`` at ``line`` and ``key`` (where the file is named, or the file
    itself)."""
    limit = max_bytes()

    def refuse(message: str) -> RulesetError:
        return RulesetError([Problem(problem_file, line, key, message)])

    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise refuse(f"{str(path)!r} is not a file")
            if info.st_size > limit:
                raise refuse(_too_large(path, info.st_size, limit))
            raw = handle.read(limit + 1)  # a file that grows while it is read is bounded too
    except OSError as error:
        raise refuse(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    if len(raw) > limit:
        raise refuse(_too_large(path, len(raw), limit))
    return raw


def _too_large(path: Path, size: int, limit: int) -> str:
    return (f"{str(path)!r} is {size / 1_000_000:.1f} MB, larger than a ruleset's files may be "
            f"({limit / 1_000_000:g} MB; {MAX_MB_VAR} sets another bound)")


def decode_utf8(raw: bytes, file: str) -> str:
    """``raw`` as text. Text that is not UTF-8 is an error naming the line, the column and the
    byte: a replacement character would make two different codes one."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            raise RulesetError([Problem(file, 1, "", f"the file is {name} text (it starts with a {name} byte order mark); "
                                        "save it as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = line_and_column(raw, error.start)
        byte = raw[error.start]
        hint = " (in Latin-1 or Windows-1252 that is " + repr(bytes([byte]).decode("cp1252", "replace")) + ")" if byte >= 0x80 else ""
        message = (f"the file is not UTF-8 text: the byte 0x{byte:02X} at line {line}, column {column} is not valid "
                   f"UTF-8{hint}; save the file as UTF-8")
        raise RulesetError([Problem(file, line, "", message)]) from None


def line_and_column(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of ``offset`` in ``raw``, with any line end."""
    before = raw[:offset]
    ends = list(LINE_END.finditer(before))
    if ends and ends[-1].group() == b"\r" and ends[-1].end() == offset and raw[offset:offset + 1] == b"\n":
        ends.pop()  # the offset is the LF of a CRLF
    start = ends[-1].end() if ends else 0
    return len(ends) + 1, offset - start + 1


def inside_folder(name: str, folder: Path) -> tuple[Path | None, str]:
    """The file ``name`` (as written in the YAML) resolved inside ``folder``, or None and why not.
    Links are followed to where they lead: a link inside the folder to a file outside it is
    refused like a path written outside it."""
    if not name.strip():
        return None, "the file name is empty"
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return None, f"the file name {describe_found(name)} holds a control character"
    shown = describe_found(name)
    written = PurePath(name)
    if written.is_absolute() or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return None, f"the file {shown} is an absolute path; name a file inside the ruleset's folder ({folder})"
    try:
        root = folder.resolve()
        target = (root / written).resolve()
    except (OSError, RuntimeError) as error:  # a loop of links; a name the system refuses
        return None, f"the file {shown} cannot be found: {error}"
    if target != root and root not in target.parents:
        how = "through a link " if ".." not in written.parts else ""
        return None, (f"the file {shown} leads {how}outside the ruleset's folder ({folder}) to {str(target)!r}; "
                      "a ruleset reads only files in its own folder")
    return target, ""
