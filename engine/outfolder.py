"""An output folder (``--out``) written as one unit.

A command's files are written into a new folder beside ``--out`` (same parent, so the same
filesystem) and moved into place only when every file is written, so that after a crash, a kill
or a concurrent run ``--out`` holds the earlier complete run or the new complete run, never a mix:

- Linux: ``renameat2(RENAME_EXCHANGE)`` swaps the new folder and the earlier one in one step;
  macOS: ``renamex_np(RENAME_SWAP)``. Elsewhere (or on a filesystem that cannot swap) the earlier
  folder is renamed aside and the new one renamed into place: between the two renames ``--out``
  is absent, and the next run into it puts the complete folder back before anything else.
- A lock file beside ``--out`` (``flock``) lets one run at a time write it; a second waits up to
  ``LOCALPAY_OUT_WAIT`` seconds, then stops with a clear message.
- ``--out`` is checked before any work: a folder (or one that can be made), writable, with
  ``LOCALPAY_OUT_SPACE_MB`` to spare beyond the size of the earlier run it replaces. It is replaced
  only when empty or an earlier localpay output folder whose manifest lists every file in it with
  its SHA-256: a folder holding anything else is refused, never emptied. It may not hold any of the
  command's own inputs, nor be an earlier output of another kind (a demo area replaced by a run)
  or hold a database, unless it is a demo's, which makes its ledger afresh.
- Told to (``replacing``, ``--replace-out``), a folder holding files localpay did not write, or
  outputs of another kind, is not refused but moved aside whole, beside ``--out``
  (``<out>.replaced-<UTC time>``), when the new outputs are moved into place; never emptied, and
  never a folder holding a database or the command's own inputs, nor the home folder or one
  holding it. The new folder keeps the earlier one's permissions (a new one: what the umask allows).
- Folders a killed run left beside ``--out`` are removed by the next run into it, except a
  complete one whose manifest says it issued into a ledger: that one is kept and reported.

Paths written while the folder is staged are shown as they will be once it is in place
(``fileio.shown``), so no output names the staging folder. The manifest is ``outmanifest``'s,
the filesystem steps (swap, lock, flush) ``outmoves``'.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import NamedTuple

from .errors import OutputError
from .fileio import STAGED, WriteError, failure, shown
from .outmanifest import MANIFEST, ledger_of, seal, verify
from .outmoves import blocking as _blocking, exchange as _exchange, remove as _remove, sync as _sync
from .outmoves import sync_dir as _sync_dir, try_lock as _try_lock

SPACE_SETTING, SPACE_DEFAULT_MB = "LOCALPAY_OUT_SPACE_MB", 64
WAIT_SETTING, WAIT_DEFAULT_S = "LOCALPAY_OUT_WAIT", 30.0

log = logging.getLogger("localpay.outputs")


def _setting(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise OutputError(f"{name}={text!r} is not a number (default {default:g})") from None
    if not 0 <= value < 10**9:
        raise OutputError(f"{name}={text!r} must be a number from 0 (default {default:g})")
    return value


def space_margin() -> int:
    """Bytes to keep free beyond the outputs, ``LOCALPAY_OUT_SPACE_MB`` (default 64)."""
    return int(_setting(SPACE_SETTING, SPACE_DEFAULT_MB) * 1024 * 1024)


def lock_wait() -> float:
    """Seconds a run waits for another run writing the same folder, ``LOCALPAY_OUT_WAIT`` (default 30)."""
    return _setting(WAIT_SETTING, WAIT_DEFAULT_S)


def _rename_in(new: Path, out: Path, aside: Path) -> None:
    """``out`` renamed to ``aside``, then ``new`` to ``out`` (absent between the two); ``out`` is put
    back when the second rename fails."""
    os.rename(out, aside)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(aside, out)
        raise


def _side(out: Path, kind: str) -> str:
    return f".{out.name}.localpay-{kind}"


Input = tuple[str, "str | Path | None"]  # what the command reads (``the episodes``), and its path

KINDS_WITH_A_DATABASE = ("demo", "demo area")  # their folders hold the ledger they make afresh

class MovedAside(NamedTuple):
    """A folder moved aside by ``--replace-out``: ``--out`` as named, where it went (as shown), and
    what it held that localpay would not replace (``files localpay did not write``, or ``the
    outputs of a localpay run``)."""
    out: Path
    aside: Path
    held: str


# Set by ``replacing``: each folder moved aside; None: refuse
MOVED_ASIDE: ContextVar[list[MovedAside] | None] = ContextVar("MOVED_ASIDE", default=None)


@contextmanager
def replacing(enabled: bool = True) -> Iterator[list[MovedAside]]:
    """Within the block (when ``enabled``), an ``--out`` holding files localpay did not write, or
    the outputs of another kind, is moved aside whole instead of refused; the list yielded then
    holds each such folder as named, where it went and what it held."""
    moved: list[MovedAside] = []
    token = MOVED_ASIDE.set(moved if enabled else None)
    try:
        yield moved
    finally:
        MOVED_ASIDE.reset(token)


class Staged:
    """A staged output folder: ``path`` is where the files go until ``commit`` moves it to ``out``.
    ``kind`` is the manifest's kind of the outputs written (a run's manifest has none: ``run``);
    ``inputs`` are the files and folders the command reads, which ``out`` may not hold."""

    def __init__(self, out: Path, kind: str | None = None, inputs: Iterable[Input] = ()) -> None:
        self.out = Path(os.path.realpath(out))  # a link to a folder: the folder it names is replaced
        self.shown_as = Path(out)
        self.kind = kind
        self.inputs = tuple(inputs)
        self.path = self.out  # the staging folder, once opened
        self.issued: str | None = None  # what a ledger holds of this run, once it is committed there
        self.moved = MOVED_ASIDE.get()  # not None: a folder localpay may not replace is moved aside
        self.aside: str | None = None  # what ``out`` holds, when it is moved aside on commit, not removed
        self._lock: int | None = None
        self._committed = False

    # before any work
    def open(self) -> Path:
        out, parent = self.out, self.out.parent
        if out.name in ("", ".", ".."):
            raise OutputError(f"--out {str(self.shown_as)!r} names no folder of its own")
        if out.exists() and not out.is_dir():
            raise OutputError(f"--out {str(self.shown_as)!r} is a file, not a folder; name a folder for the outputs")
        here = Path(os.path.realpath(os.getcwd()))
        if here == out or out in here.parents:
            raise OutputError(f"--out {str(self.shown_as)!r} is the folder localpay runs in, or holds it; the outputs "
                              "replace their folder whole: name a folder of their own")
        for what, path in self.inputs:
            if path is not None:
                refuse_inside(self.shown_as, path, what)
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(f"--out {str(self.shown_as)!r} cannot be made: a file stands in the way of "
                              f"{str(_blocking(parent))!r}") from None
        except OSError as error:
            raise OutputError(f"--out {str(self.shown_as)!r} cannot be made: {failure(error)}") from None
        self._take_lock()
        try:
            self._recover()
            held = _foreign(out, self.kind) if self.moved is not None else None
            if held is not None:
                _refuse_to_move(out, self.shown_as)
                self.aside, earlier = held, 0  # renamed, not copied: it takes no more space
            else:
                earlier = _refuse_foreign(out, self.shown_as, self.kind)
            if earlier and not os.access(out, os.W_OK | os.X_OK):
                raise OutputError(f"--out {str(self.shown_as)!r} is not writable; nothing was computed")
            _check_space(parent, earlier, self.shown_as)
            mode = _mode_for(out)
            self.path = Path(tempfile.mkdtemp(prefix=_side(out, "staging-"), dir=parent))
            os.chmod(self.path, mode)  # mkdtemp's 0700 would shut out everyone the folder was shared with
        except OSError as error:
            self._release()
            raise OutputError(f"--out {str(self.shown_as)!r} cannot be written: {failure(error)}; "
                              "nothing was computed") from None
        except BaseException:
            self._release()
            raise
        return self.path

    def _take_lock(self) -> None:
        path = self.out.parent / _side(self.out, "lock")
        deadline = time.monotonic() + lock_wait()
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise OutputError(f"--out {str(self.shown_as)!r} cannot be written: {failure(error)} "
                                  f"(making the lock file {str(path)!r}); nothing was computed") from None
            if _try_lock(fd):
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(path))
                except FileNotFoundError:
                    same = False
                if same:  # the lock file was not removed by the run that held it just before
                    self._lock, self._lock_path = fd, path
                    return
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError(f"another localpay run is writing {str(self.shown_as)!r} (its lock {str(path)!r} "
                                  f"was held for {lock_wait():g} s, {WAIT_SETTING}); run again when it has finished")
            time.sleep(0.05)

    def _release(self) -> None:
        if self._lock is not None:
            try:
                os.unlink(self._lock_path)  # removed while held: a waiting run sees it went and opens afresh
            except OSError:
                pass
            os.close(self._lock)
            self._lock = None

    def _recover(self) -> None:
        """What a run killed before it finished left beside ``--out``."""
        out, parent = self.out, self.out.parent
        leftovers = sorted(p for p in parent.iterdir()
                           if p.name.startswith(_side(out, "staging-")) or p.name.startswith(_side(out, "old-")))
        if not out.exists():  # killed between the two renames where folders cannot be swapped
            complete = [p for p in leftovers if p.is_dir() and not verify(p)]
            staged = [p for p in complete if p.name.startswith(_side(out, "staging-"))]
            back = next(iter(staged or complete), None)
            if back is not None:
                os.rename(back, out)
                leftovers.remove(back)
                log.warning("%s was missing: the complete outputs a stopped run left in %s are now in its place",
                            self.shown_as, back.name)
        for left in leftovers:
            if left.is_dir() and not left.is_symlink() and not verify(left) and ledger_of(left):
                log.warning("%s holds the complete outputs of a run into %s that was stopped before they were "
                            "moved into place; it says it issued %s: kept there, check with `localpay ledger show`",
                            left, self.shown_as, ledger_of(left))
                continue
            _remove(left)
            log.warning("removed %s, the unfinished outputs of a run into %s that was stopped", left.name,
                        self.shown_as)

    # after the work
    def commit(self) -> None:
        """Move the staged folder into place (the earlier one, if any, is then removed)."""
        _sync(self.path)
        out, earlier = self.out, self.path  # after a swap, the staging folder's name holds the earlier run
        if self.aside is not None and out.exists():
            self._move_aside()
            return
        if not out.exists():
            os.rename(self.path, out)
        elif not _exchange(self.path, out):
            earlier = out.parent / (_side(out, "old-") + self.path.name.rsplit("-", 1)[-1])
            _rename_in(self.path, out, earlier)  # a run stopped between its renames is mended by the next
        _sync_dir(out.parent)
        self._committed = True
        _remove(earlier)

    def _move_aside(self) -> None:
        """The folder in ``out`` (not localpay's to remove) renamed beside it, then the new one
        into place: the user's files never pass through a name a later run would clear."""
        out, stamp = self.out, dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = out.parent / f"{out.name}.replaced-{stamp}"
        count = 1
        while aside.exists() or aside.is_symlink():
            count += 1
            aside = out.parent / f"{out.name}.replaced-{stamp}-{count}"
        _rename_in(self.path, out, aside)
        _sync_dir(out.parent)
        self._committed = True
        named = self.shown_as.parent if Path(os.path.realpath(self.shown_as.parent)) == out.parent else out.parent
        assert self.moved is not None
        self.moved.append(MovedAside(self.shown_as, named / aside.name, self.aside or "files localpay did not write"))

    def close(self, failed: bool) -> None:
        try:
            if failed and not self._committed and self.path != self.out and not self.issued:
                _remove(self.path)  # an issue's outputs stay: the error says where
        finally:
            self._release()


def refuse_inside(out: Path, path: str | Path, what: str) -> None:
    """A file that must outlive the run (a ledger) may not live in ``out``, which is replaced whole."""
    if "://" in str(path):
        return
    folder, found = Path(os.path.realpath(out)), Path(os.path.realpath(path))
    if folder == found or folder in found.parents:
        raise OutputError(f"{what} {str(path)!r} is inside --out {str(out)!r}, which each run replaces whole: "
                          f"keep it elsewhere, or name another folder; nothing was computed")


@contextmanager
def staged(out: Path, kind: str | None = None, inputs: Iterable[Input] = ()) -> Iterator[Staged]:
    """``--out`` checked, locked and staged; the files written into ``.path`` are moved into place
    when the block ends without an error. An ``OSError`` is reported as ``OutputError``. ``out``
    may not hold any of ``inputs``, and is replaced only by outputs of its own ``kind``."""
    folder = Staged(out, kind, inputs)
    folder.open()
    token = STAGED.set((*STAGED.get(), (folder.path, folder.shown_as)))
    failed = True
    try:
        try:
            yield folder
            folder.commit()
        except (OSError, WriteError) as error:
            raise OutputError(_write_failure(folder, error)) from None
        failed = False
    finally:
        STAGED.reset(token)
        folder.close(failed)


def _write_failure(folder: Staged, error: OSError | WriteError) -> str:
    out = repr(str(folder.shown_as))
    if isinstance(error, WriteError):
        head = str(error)
    else:
        name = f" ({str(shown(Path(error.filename)))!r})" if error.filename else ""
        head = f"could not write the outputs to {out}{name}: {failure(error)}"
    if folder.issued:
        return (f"{head}; {folder.issued} was issued, and its outputs are complete in {str(folder.path)!r}: "
                f"move that folder to {out}")
    kept = f"the earlier outputs in {out} are as they were" if folder.out.exists() else f"nothing was written to {out}"
    return f"{head}; {kept}"


def _refuse_foreign(out: Path, shown_as: Path, kind: str | None = None) -> int:
    """The size of the earlier outputs in ``out`` (0: none). Refuses a folder holding anything else,
    outputs of another kind than ``kind``, or (but for a demo's) a database."""
    if not out.exists():
        return 0
    entries = list(out.iterdir())
    if not entries:
        return 0
    problems = verify(out)
    if problems:
        listed = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise OutputError(f"--out {str(shown_as)!r} is not empty and is not an earlier localpay output folder "
                          f"({listed}); localpay replaces only an empty folder or its own earlier outputs, and never "
                          "removes files it did not write: name another folder, or move those files away")
    if kind is not None:
        found = _kind_of(out)
        if found != kind:
            raise OutputError(f"--out {str(shown_as)!r} holds the outputs of a localpay {found}, not of a {kind}; "
                              f"localpay replaces only its own earlier outputs of the same kind: name another folder")
        if kind not in KINDS_WITH_A_DATABASE:
            database = next((p for p in sorted(out.rglob("*")) if _is_database(p)), None)
            if database is not None:
                raise OutputError(f"--out {str(shown_as)!r} holds a database, "
                                  f"{str(database.relative_to(out).as_posix())!r}; localpay does not replace a folder "
                                  "holding one: name another folder")
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def _foreign(out: Path, kind: str | None) -> str | None:
    """What ``out`` holds that is neither an empty folder nor localpay's earlier outputs of
    ``kind`` (``files localpay did not write``, ``the outputs of a localpay schedule``); None: nothing."""
    if not out.is_dir() or not any(out.iterdir()):
        return None
    if verify(out):
        return "files localpay did not write"
    found = _kind_of(out)
    return f"the outputs of a localpay {found}" if kind is not None and found != kind else None


def _mode_for(out: Path) -> int:
    """The permissions of the folder the outputs replace, or (a new folder) what the umask allows."""
    try:
        return stat.S_IMODE(out.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o777 & ~mask


def _refuse_to_move(out: Path, shown_as: Path) -> None:
    """Even when told to replace it, a folder holding a database (a ledger, whatever wrote it) is
    not moved from under whatever uses it, nor is the user's home or a folder holding it."""
    home = Path(os.path.realpath(Path.home()))
    if out == home or out in home.parents:
        raise OutputError(f"--out {str(shown_as)!r} is your home folder, or holds it; localpay will not move it "
                          "aside, even with --replace-out: name a folder of the outputs' own")
    database = next((p for p in sorted(out.rglob("*")) if _is_database(p)), None)
    if database is not None:
        raise OutputError(f"--out {str(shown_as)!r} holds a database, {str(database.relative_to(out).as_posix())!r}; "
                          "localpay does not replace a folder holding one, even with --replace-out: name another "
                          "folder")


def _kind_of(out: Path) -> str:
    """The kind of the earlier outputs in ``out``, from its manifest (a run's manifest names none)."""
    try:
        kind = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("kind", "run")
    except (OSError, ValueError, AttributeError):
        return "run"
    return kind if isinstance(kind, str) else "run"


def _is_database(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _check_space(parent: Path, earlier: int, shown_as: Path) -> None:
    margin = space_margin()
    free = shutil.disk_usage(parent).free
    if free < margin + earlier:
        mb = 1024 * 1024
        raise OutputError(f"too little space for --out {str(shown_as)!r}: {free / mb:,.1f} MB free, and localpay "
                          f"keeps {margin / mb:,.0f} MB to spare ({SPACE_SETTING}) beyond the outputs "
                          f"(the earlier ones there take {earlier / mb:,.1f} MB); nothing was computed")


__all__ = ["Staged", "refuse_inside", "replacing", "seal", "staged", "verify"]  # seal and verify from outmanifest
