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
    with pytest.raises(RulesEngineError, match=r"crashed 3 times .*killed by SIGSEGV.*no outcome was recorded"):
        in_child(lambda: os.kill(os.getpid(), signal.SIGSEGV))


def test_an_error_in_the_child_is_raised_in_the_parent():
    def broken():
        raise RulesEngineError("a rule action failed: ValueError: no such price")

    with pytest.raises(RulesEngineError, match="no such price"):
        in_child(broken)
