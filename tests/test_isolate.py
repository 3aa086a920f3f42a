"""durable-rules runs in a child process: a crash is detected and the work done again, and the
child has a time and a memory limit. The work crosses to the child pickled, so it is written
here as module-level functions."""

import os
import signal
import time
from functools import partial
from pathlib import Path

import pytest

from localpay.rules.durable_adapter import RulesEngineError
from localpay.rules.isolate import in_child


def pairs() -> list:
    return sorted({("E2", 1), ("E1", 0)})


def crash_the_first_time(marker: str) -> int:
    if not Path(marker).exists():
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGSEGV)
    return 42


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def broken() -> None:
    raise RulesEngineError("a rule action failed: ValueError: no such price")


def buffer(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_the_childs_answer_comes_back_whole():
    answer, crashes = in_child(pairs)
    assert answer == [("E1", 0), ("E2", 1)] and crashes == 0


def test_a_crash_is_retried_and_counted(tmp_path):
    assert in_child(partial(crash_the_first_time, str(tmp_path / "crashed-once"))) == (42, 1)


def test_a_child_that_always_crashes_stops_the_run_with_a_clear_error():
    with pytest.raises(RulesEngineError, match=r"crashed 8 times .*killed by SIGSEGV.*no outcome was recorded"):
        in_child(crash)


def test_an_error_in_the_child_is_raised_in_the_parent():
    with pytest.raises(RulesEngineError, match="no such price"):
        in_child(broken)


def test_a_child_past_its_time_is_stopped_with_a_clear_error():
    with pytest.raises(RulesEngineError, match=r"durable-rules did not finish within 0.5 s .*LOCALPAY_DURABLE_SECONDS"):
        in_child(partial(time.sleep, 30), seconds=0.5)


def test_a_child_past_its_memory_is_stopped_with_a_clear_error():
    # 50 MB more than the child starts with: a 200 MB buffer cannot be had, a 10 MB one can
    with pytest.raises(RulesEngineError, match=r"durable-rules needed more than 50 MB .*LOCALPAY_DURABLE_MEMORY_MB"):
        in_child(partial(buffer, 200), memory_mb=50)
    assert in_child(partial(buffer, 10), memory_mb=50) == (10 * 1024 * 1024, 0)


def noisy() -> int:
    print("durable-rules may print")
    os.write(1, b"and write to its standard output\n")
    return 7


def test_what_the_child_prints_never_reaches_the_answer():
    assert in_child(noisy) == (7, 0)
