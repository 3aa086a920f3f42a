"""Output files are written atomically: to a temporary file beside the target, then renamed,
so a reader never sees half a statement and a failed run leaves no partial file. A file that
cannot be written (a full disk, a read-only filesystem, no permission) is a ``WriteError`` naming
it, never a traceback."""

from __future__ import annotations

import hashlib
import errno
import os
import re
import tempfile
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

import polars as pl

from .errors import LocalpayError, OutputError

# folders being written (staging folder, the --out it becomes), so that what is written names the
# final place, never the staging folder (``outfolder``)
STAGED: ContextVar[tuple[tuple[Path, Path], ...]] = ContextVar("STAGED", default=())


def shown(path: Path | str) -> Path:
    """``path`` as it will be once the folder being written is moved into place."""
    path = Path(path)
    for staging, final in reversed(STAGED.get()):  # innermost first: a folder staged inside another
        if path == staging or staging in path.parents:
            path = final / path.relative_to(staging)
    return path


def failure(error: OSError) -> str:
    """An ``OSError`` in words, with its errno name (``No space left on device (ENOSPC)``), also
    when Polars passes one on as text only (``[Errno 28] ...``, ``... (os error 28)``)."""
    code, text = error.errno, error.strerror
    if code is None and error.args:
        said = str(error.args[-1])
        found = re.match(r"\[Errno (\d+)\] ", said) or re.search(r"\(os error (\d+)\)$", said)
        if found:
            code = int(found.group(1))
    text = text or (os.strerror(code) if code else str(error))
    name = errno.errorcode.get(code) if code else None
    return f"{text} ({name})" if name else text


class WriteError(OutputError):
    """A file could not be written."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path, self.reason = shown(path), failure(error)
        super().__init__(f"could not write {str(self.path)!r}: {self.reason}")


def atomic_write(path: Path, data: bytes | str) -> str:
    """Write ``data`` (text as UTF-8); the SHA-256 of what was written."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write_with(path, lambda tmp: tmp.write_bytes(payload))
    return hashlib.sha256(payload).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Hashing:
    """A binary file that hashes what is written through it (a manifest need not read a large
    file back; ``csvout`` writes every CSV through one)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def atomic_write_with(path: Path, writer: Callable[[Path], object]) -> None:
    """Let ``writer`` fill a temporary path, then move it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise WriteError(path, error) from None
    os.close(handle)
    tmp = Path(name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, error) from None
    except pl.exceptions.PolarsError as error:
        tmp.unlink(missing_ok=True)
        if "(os error " not in str(error):  # Polars' Parquet writer reports a full disk so
            raise
        raise WriteError(path, OSError(str(error))) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def megabytes_setting(name: str, default: float, most: float) -> int:
    """A size bound in bytes from the environment variable ``name`` (megabytes above 0 and at most
    ``most``; ``default`` when it is unset or blank); any other value stops the command."""
    text = os.environ.get(name, "").strip()
    if not text:
        return int(default * 1_000_000)
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes <= most:
        raise LocalpayError(f"{name} is {text!r}; expected a number of megabytes above 0 and at most {most:,.0f}")
    return int(megabytes * 1_000_000)
