"""Output files are written atomically: to a temporary file beside the target, then renamed,
so a reader never sees half a statement and a failed run leaves no partial file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, data: bytes | str) -> None:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write_with(path, lambda tmp: tmp.write_bytes(payload))


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
