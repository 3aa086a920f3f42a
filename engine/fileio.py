"""Output files are written atomically: to a temporary file beside the target, then renamed,
so a reader never sees half a statement and a failed run leaves no partial file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO, cast

import polars as pl


def atomic_write(path: Path, data: bytes | str) -> str:
    """Write ``data`` (text as UTF-8); the SHA-256 of what was written."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write_with(path, lambda tmp: tmp.write_bytes(payload))
    return hashlib.sha256(payload).hexdigest()


class _Hashing:
    """A binary file that hashes what is written through it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def atomic_write_csv(path: Path, frame: pl.DataFrame, date_format: str | None = None) -> str:
    """``frame.write_csv`` atomically; the SHA-256 of the file, taken as it is written (a
    manifest need not read a large file back)."""
    digest = []

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            hashing = _Hashing(handle)
            frame.write_csv(cast(IO[bytes], hashing), date_format=date_format)
        digest.append(hashing.digest.hexdigest())

    atomic_write_with(path, write)
    return digest[0]


def atomic_write_with(path: Path, writer: Callable[[Path], object]) -> None:
    """Let ``writer`` fill a temporary path, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
