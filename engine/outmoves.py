"""The filesystem steps an output folder is moved into place with: a swap of two folders in one
step where the platform has one, a lock on a file, flushing to disk, removal."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from pathlib import Path


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the platform or filesystem cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
            call, args = libc.renameat2, (-100, os.fsencode(a), -100, os.fsencode(b), 2)  # AT_FDCWD, RENAME_EXCHANGE
            call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
            call, args = libc.renamex_np, (os.fsencode(a), os.fsencode(b), 2)  # RENAME_SWAP
            call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        else:
            return False
    except OSError:
        return False
    call.restype = ctypes.c_int
    if call(*args) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the lock file's own byte range
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def sync(folder: Path) -> None:
    """Every staged file on disk before the folder is moved into place (a power cut then finds
    the new folder whole or the earlier one)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        sync_dir(path)


def sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def blocking(path: Path) -> Path:
    for p in [path, *path.parents]:
        if p.exists():
            return p
    return path
