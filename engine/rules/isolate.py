"""Run durable-rules in a child process, so that a crash inside its C engine is detected and the
work done again rather than taking the run down.

durable-rules' engine very occasionally dies of a segmentation fault inside ``assert_facts``
(seen about once in twenty runs with small sessions, never on replaying the same session; the
project's issue tracker has open reports of it). A crash loses nothing here: the child's inputs
are all in the parent, the work is deterministic, and its answer only reaches the parent whole.
The child is forked after every fact is built, and uses no Polars (whose threads do not survive a
fork), only Python and durable-rules.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

from .durable_adapter import RulesEngineError

ATTEMPTS = 8  # its crashes come at random: each try is a fresh child, and eight make a lost run unlikely
# how long and how much memory durable-rules may take: a rule it cannot evaluate in reasonable
# time or space stops the run with a clear error rather than taking the machine down
SECONDS = float(os.environ.get("LOCALPAY_DURABLE_SECONDS", "1800"))
MEMORY_MB = int(os.environ.get("LOCALPAY_DURABLE_MEMORY_MB", "4096"))
OUT_OF_MEMORY = 3  # the child's exit code when durable-rules ran out of its memory

T = TypeVar("T")


class Exceeded(RulesEngineError):
    """durable-rules ran past its time or memory limit."""


def in_child(work: Callable[[], T], attempts: int | None = None, seconds: float | None = None,
             memory_mb: int | None = None) -> tuple[T, int]:
    """``work()``'s result, computed in a forked child limited to ``seconds`` (default
    ``SECONDS``) and ``memory_mb`` of address space (default ``MEMORY_MB``); and how many
    children crashed first. Running out of either is an ``Exceeded`` error, not retried."""
    if not hasattr(os, "fork"):
        return work(), 0
    attempts = ATTEMPTS if attempts is None else attempts
    seconds = SECONDS if seconds is None else seconds
    memory_mb = MEMORY_MB if memory_mb is None else memory_mb
    crashes: list[str] = []
    for _ in range(attempts):
        status, payload = _fork(work, seconds, memory_mb)
        if status is None:
            raise Exceeded(f"durable-rules did not finish within {seconds:,g} s (a rule too costly to evaluate; "
                           "set LOCALPAY_DURABLE_SECONDS to allow more); no outcome was recorded")
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == OUT_OF_MEMORY:
            raise Exceeded(f"durable-rules needed more than {memory_mb:,} MB (a rule too costly to evaluate; set "
                           "LOCALPAY_DURABLE_MEMORY_MB to allow more); no outcome was recorded")
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            kind, value = pickle.loads(payload)
            if kind == "error":
                raise value
            return value, len(crashes)
        crashes.append(_describe(status))
    raise RulesEngineError(f"durable-rules crashed {attempts} times running the rules ({'; '.join(crashes)}); "
                           "no outcome was recorded")


def _fork(work: Callable[[], object], seconds: float, memory_mb: int) -> tuple[int | None, bytes]:
    """The child's exit status and what it wrote, or None when it ran past ``seconds`` (and was killed)."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        # the child runs only Python and durable-rules, none of the threads' code
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        faulthandler.disable()  # a crash is reported by the parent, in words, not as a dump
        code = 0
        try:
            # the child starts with the parent's address space: allow ``memory_mb`` more than that
            if memory_mb > 0:
                limit = _address_space() + memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                answer = ("ok", work())
            except MemoryError:
                os._exit(OUT_OF_MEMORY)
            except Exception as error:  # raised again in the parent
                answer = ("error", error if _picklable(error) else RulesEngineError(f"{type(error).__name__}: {error}"))
            with os.fdopen(write, "wb") as out:
                pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            code = 1
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write)
    chunks, deadline = [], time.monotonic() + seconds
    with os.fdopen(read, "rb", buffering=0) as source:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([source], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None, b""
            chunk = source.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return status, b"".join(chunks)


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
        return True
    except Exception:
        return False


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return f"killed by {signal.Signals(number).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
