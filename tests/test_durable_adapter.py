"""One test per durable-rules trap the adapter handles (engine/rules/durable_adapter.py)."""

import threading
import time
from decimal import Decimal

import pytest

from localpay.rules import durable_adapter
from localpay.rules.durable_adapter import RulesEngineError, engine

EPISODE = {"all": [{"e": {"t": "ep"}}]}


def recorder(sink):
    return lambda c: sink.append(c.e["episode"])


def fnv1_32(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def test_every_rule_fires_for_a_fact_not_just_the_first():
    first, second = [], []
    rules = {"x": {"a": (EPISODE, recorder(first)), "b": (EPISODE, recorder(second))}}
    with engine(rules) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E1"}, {"t": "ep", "episode": "E2"}])
    assert sorted(first) == ["E1", "E2"] and sorted(second) == ["E1", "E2"]


def test_identical_facts_are_both_kept():
    seen = []
    with engine({"x": {"a": (EPISODE, recorder(seen))}}) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E1"}, {"t": "ep", "episode": "E1"}])
    assert seen == ["E1", "E1"]


def test_a_hash_collision_is_detected_and_the_batch_retried():
    # two distinct ids with one 32-bit FNV-1 hash: durable-rules rejects the second as "observed"
    a, b = "e522789", "e739192"
    assert a != b and fnv1_32(a) == fnv1_32(b)
    seen = []
    colliding = {0: a, 1: b}
    with engine({"x": {"a": (EPISODE, recorder(seen))}}) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E1"}, {"t": "ep", "episode": "E2"}],
                               id_of=lambda i, attempt: colliding[i] if attempt == 0 else f"{i}~{attempt}")
        assert running.retries == 1
    assert sorted(seen) == ["E1", "E2"]


def test_a_batch_rejected_every_time_raises_rather_than_losing_it():
    with engine({"x": {"a": (EPISODE, lambda c: None)}}) as running:
        with pytest.raises(RulesEngineError, match="rejected a batch of 2 facts 8 times"):
            running.assert_session("x", [{"t": "ep", "episode": "E1"}, {"t": "ep", "episode": "E2"}],
                                   id_of=lambda i, attempt: "same")


def test_no_background_timer_threads():
    before = {t.name for t in threading.enumerate()}
    with engine({"x": {"a": (EPISODE, lambda c: None)}}):
        time.sleep(0.3)  # the stock Host would have started its dispatch timers by now
        during = {t.name for t in threading.enumerate()}
    assert during == before


def test_sessions_are_deleted_so_the_1024_limit_is_never_reached():
    seen = []
    with engine({"x": {"a": (EPISODE, recorder(seen))}}) as running:
        for n in range(1500):
            running.assert_session("x", [{"t": "ep", "episode": f"E{n}"}])
        assert running.sessions == 1500
    assert len(seen) == 1500


def test_an_exception_inside_an_action_is_raised_not_swallowed():
    def broken(c):
        raise ValueError("no such price")

    with engine({"x": {"a": (EPISODE, broken)}}) as running:
        with pytest.raises(RulesEngineError, match="a rule action failed: ValueError: no such price"):
            running.assert_session("x", [{"t": "ep", "episode": "E1"}])


def test_decimal_is_refused_with_a_clear_message():
    with engine({"x": {"a": (EPISODE, lambda c: None)}}) as running:
        with pytest.raises(RulesEngineError, match="Decimal is not JSON serializable.*integer pence"):
            running.assert_session("x", [{"t": "ep", "episode": "E1", "price": Decimal("3.10")}])


def test_a_fact_no_rule_matches_does_not_raise():
    seen = []
    rules = {"x": {"a": ({"all": [{"e": {"$and": [{"t": "ep"}, {"cluster": 14}]}}]}, recorder(seen))}}
    with engine(rules) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E1", "cluster": 3}, {"t": "rv", "date": 1}])
    assert seen == []


def test_one_engine_at_a_time_behind_the_lock():
    order = []
    entered = threading.Event()

    def other():
        entered.wait()
        with engine({"x": {"a": (EPISODE, lambda c: None)}}):
            order.append("second")

    thread = threading.Thread(target=other)
    with engine({"x": {"a": (EPISODE, lambda c: None)}}):
        thread.start()
        entered.set()
        time.sleep(0.2)
        assert durable_adapter._LOCK.locked() and order == []
        order.append("first")
    thread.join()
    assert order == ["first", "second"]


def test_runs_share_no_state():
    first, second = [], []
    with engine({"x": {"a": (EPISODE, recorder(first))}}) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E1"}])
        one = running.names["x"]
    with engine({"x": {"a": (EPISODE, recorder(second))}}) as running:
        running.assert_session("x", [{"t": "ep", "episode": "E2"}])
        assert running.names["x"] != one
    assert first == ["E1"] and second == ["E2"]


def test_context_is_asserted_before_subjects_so_a_negation_loses_no_other_match():
    # asserted together, the fact that makes "a" false for k=1 arrives after "a" and "b" both
    # queued k=1, and retracting "a" takes "b"'s k=1 with it; context first avoids that
    got = []
    unless_blocked = {"all": [{"e": {"t": "ep"}}, {"x$not": {"$and": [{"t": "x"}, {"k": {"e": "k"}}]}}]}
    rules = {"x": {"a": (unless_blocked, lambda c: got.append(("a", c.e["k"]))),
                   "b": (EPISODE, lambda c: got.append(("b", c.e["k"])))}}
    with engine(rules) as running:
        running.assert_session("x", [{"t": "ep", "k": 1}, {"t": "ep", "k": 2}], context=[{"t": "x", "k": 1}])
    assert sorted(got) == [("a", 2), ("b", 1), ("b", 2)]


def test_a_test_across_patterns_after_an_or_is_not_lost():
    # written with the $or first, durable-rules would ignore "seq less than e's seq"
    got = []
    crisis = {"$or": [{"cluster": 14}, {"cluster": 15}]}
    earlier = {"all": [{"e": {"t": "sj"}}, {"p": {"$and": [{"t": "ep"}, crisis, {"$lt": {"seq": {"e": "seq"}}}]}}]}
    facts = [{"t": "ep", "k": k, "cluster": c, "seq": k} for k, c in ((1, 14), (2, 3), (3, 15))]
    with engine({"x": {"a": (earlier, lambda c: got.append((c.e["k"], c.p["k"])))}}) as running:
        running.assert_session("x", [{**f, "t": "sj"} for f in facts], facts)
    assert sorted(got) == [(2, 1), (3, 1)]
