"""durable-rules runs in a forked child: a crash is detected and the work done again."""

import os
import signal

import pytest

from localpay.rules.durable_adapter import RulesEngineError
from localpay.rules.isolate import in_child


def test_the_childs_answer_comes_back_whole():
    answer, crashes = in_child(lambda: sorted({("E2", 1), ("E1", 0)}))
    assert answer == [("E1", 0), ("E2", 1)] and crashes == 0


def test_a_crash_is_retried_and_counted(tmp_path):
    marker = tmp_path / "crashed-once"

    def crash_the_first_time():
        if not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGSEGV)
        return 42

    assert in_child(crash_the_first_time) == (42, 1)


def test_a_child_that_always_crashes_stops_the_run_with_a_clear_error():
    with pytest.raises(RulesEngineError, match=r"crashed 8 times .*killed by SIGSEGV.*no outcome was recorded"):
        in_child(lambda: os.kill(os.getpid(), signal.SIGSEGV))


def test_an_error_in_the_child_is_raised_in_the_parent():
    def broken():
        raise RulesEngineError("a rule action failed: ValueError: no such price")

    with pytest.raises(RulesEngineError, match="no such price"):
        in_child(broken)


def test_a_child_past_its_time_is_stopped_with_a_clear_error():
    import time

    with pytest.raises(RulesEngineError, match=r"durable-rules did not finish within 0.5 s .*LOCALPAY_DURABLE_SECONDS"):
        in_child(lambda: time.sleep(30), seconds=0.5)


def test_a_child_past_its_memory_is_stopped_with_a_clear_error():
    # 50 MB more than the process holds: a 200 MB buffer cannot be had
    with pytest.raises(RulesEngineError, match=r"durable-rules needed more than 50 MB .*LOCALPAY_DURABLE_MEMORY_MB"):
        in_child(lambda: len(bytearray(200 * 1024 * 1024)), memory_mb=50)
    assert in_child(lambda: len(bytearray(10 * 1024 * 1024)), memory_mb=50) == (10 * 1024 * 1024, 0)
