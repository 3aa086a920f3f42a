"""Run durable-rules in a child process, so that a crash inside its C engine is detected and the
work done again rather than taking the run down.

durable-rules' engine now and then dies of a segmentation fault inside ``assert_facts`` (the
project's issue tracker has open reports of it). A crash loses nothing here: the child's inputs
are all in the parent, the work is deterministic, and its answer only reaches the parent whole.

The children are forked from a fork server (``_Server``): a small, fresh process started once,
that holds no Polars threads and none of the run's memory, and imports no ``__main__`` (so a
caller's script needs no guard). Forked straight from a run, the children crashed far more
often, several times in a row on the same work, as if they inherited a state of the run's
process; from the server each starts clean, cheaply, whatever the run holds. ``work``
therefore crosses to it pickled: a module-level function, its arguments bound by
``functools.partial``.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import pickle
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, TypeVar

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
    """``work()``'s result, computed in a child limited to ``seconds`` (default ``SECONDS``) and
    ``memory_mb`` of address space beyond its own start (default ``MEMORY_MB``); and how many
    children crashed first. Running out of either is an ``Exceeded`` error, not retried."""
    if not hasattr(os, "fork"):
        return work(), 0
    attempts = ATTEMPTS if attempts is None else attempts
    seconds = SECONDS if seconds is None else seconds
    memory_mb = MEMORY_MB if memory_mb is None else memory_mb
    # the work is unpickled in the child, after the server has taken this process's sys.path
    request = pickle.dumps((list(sys.path), pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL), seconds, memory_mb),
                           protocol=pickle.HIGHEST_PROTOCOL)
    crashes: list[str] = []
    for _ in range(attempts):
        code, payload = _Server.send(request)
        if code is None:
            raise Exceeded(f"durable-rules did not finish within {seconds:,g} s (a rule too costly to evaluate; "
                           "set LOCALPAY_DURABLE_SECONDS to allow more); no outcome was recorded")
        if code == OUT_OF_MEMORY:
            raise Exceeded(f"durable-rules needed more than {memory_mb:,} MB (a rule too costly to evaluate; set "
                           "LOCALPAY_DURABLE_MEMORY_MB to allow more); no outcome was recorded")
        if code == 0 and payload:
            kind, value = pickle.loads(payload)
            if kind == "error":
                raise value
            return value, len(crashes)
        crashes.append(_describe(code))
    raise RulesEngineError(f"durable-rules crashed {attempts} times running the rules ({'; '.join(crashes)}); "
                           "no outcome was recorded")


class _Server:
    """The fork server: ``python -c ...serve()``, one per parent process, started on first use."""

    process: subprocess.Popen | None = None

    @classmethod
    def send(cls, request: bytes) -> tuple[int | None, bytes]:
        if cls.process is None or cls.process.poll() is not None:
            cls.process = subprocess.Popen([sys.executable, "-c", "from localpay.rules.isolate import serve; serve()"],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            atexit.register(cls.stop)
        assert cls.process.stdin is not None and cls.process.stdout is not None
        try:
            _write(cls.process.stdin, request)
            reply = _read(cls.process.stdout)
        except BrokenPipeError:
            reply = None
        if reply is None:  # the server itself is gone: a crash like a child's; start another next time
            cls.stop()
            cls.process = None
            return 1, b""
        code, payload = pickle.loads(reply)
        return code, payload

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None and cls.process.poll() is None:
            cls.process.kill()
            cls.process.wait()


def serve() -> None:
    """The server's loop: read a request, fork a child for it, answer with its exit code
    (negative: the signal that killed it; None: it ran out of time and was killed) and what it sent."""
    # answers go out on a copy of stdout; anything else printed (by the server, by durable-rules in
    # a child) goes to stderr, never into the answers
    source, sink = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    while True:
        request = _read(source)
        if request is None:
            return
        path, work, seconds, memory_mb = pickle.loads(request)
        sys.path[:] = path
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            _child(work, write, memory_mb)
        os.close(write)
        chunks: list[bytes] = []
        code: int | None = None
        deadline = time.monotonic() + seconds
        with os.fdopen(read, "rb", buffering=0) as answer:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([answer], [], [], left)[0]:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                chunk = answer.read(1 << 20)
                if not chunk:
                    _, status = os.waitpid(pid, 0)
                    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                    break
                chunks.append(chunk)
        _write(sink, pickle.dumps((code, b"".join(chunks) if code == 0 else b""), protocol=pickle.HIGHEST_PROTOCOL))


def _child(work: bytes, write: int, memory_mb: int) -> None:
    faulthandler.disable()  # a crash is reported by the parent, in words, not as a dump
    code = 0
    try:
        if memory_mb > 0:
            limit = _address_space() + memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            answer = ("ok", pickle.loads(work)())
        except MemoryError:
            os._exit(OUT_OF_MEMORY)
        except Exception as error:  # raised again in the parent
            answer = ("error", error if _picklable(error) else RulesEngineError(f"{type(error).__name__}: {error}"))
        with os.fdopen(write, "wb") as out:
            pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the server's buffers


def _write(stream: IO[bytes], data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    return data if len(data) == size else None


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


def _describe(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"
