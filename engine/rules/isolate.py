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
import signal
import warnings
from collections.abc import Callable
from typing import TypeVar

from .durable_adapter import RulesEngineError

ATTEMPTS = 3

T = TypeVar("T")


def in_child(work: Callable[[], T], attempts: int = ATTEMPTS) -> tuple[T, int]:
    """``work()``'s result, computed in a forked child; and how many children crashed first."""
    if not hasattr(os, "fork"):
        return work(), 0
    crashes: list[str] = []
    for _ in range(attempts):
        status, payload = _fork(work)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            kind, value = pickle.loads(payload)
            if kind == "error":
                raise value
            return value, len(crashes)
        crashes.append(_describe(status))
    raise RulesEngineError(f"durable-rules crashed {attempts} times running the rules ({'; '.join(crashes)}); "
                           "no outcome was recorded")


def _fork(work: Callable[[], object]) -> tuple[int, bytes]:
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
            try:
                answer = ("ok", work())
            except Exception as error:  # raised again in the parent
                answer = ("error", error if _picklable(error) else RulesEngineError(f"{type(error).__name__}: {error}"))
            with os.fdopen(write, "wb") as out:
                pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            code = 1
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write)
    with os.fdopen(read, "rb") as source:
        payload = source.read()
    _, status = os.waitpid(pid, 0)
    return status, payload


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
