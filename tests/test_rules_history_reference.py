"""The history conditions, alone and several in one rule, by both evaluators (columnar Polars and
durable-rules) against a plain-Python reading of their definitions, on random histories: each
evaluator's answer is checked against loops anyone can read. A rule's conditions are one
conjunction over the same episode, whatever their order."""

import datetime as dt
import itertools

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localpay.clusters import CLUSTERS
from localpay.errors import Problem
from localpay.rules.builtin import builtin_vocabulary
from localpay.rules.evaluate import evaluate
from localpay.rules.fields import builtin_fields
from localpay.rules.model import RuleBook, parse_rules

DAY0 = dt.date(2025, 4, 1)
HORIZON = 200
FIELDS = builtin_fields(["RT2", "RXV"], ["01W"])


def escalation(e, episodes, reviews, n):
    for p in episodes:
        if (p["patient"] == e["patient"] and p["start"] < e["start"] <= p["stop"] and p["cluster"] < e["cluster"]
                and CLUSTERS[p["cluster"]].super_class == CLUSTERS[e["cluster"]].super_class):
            dates = [r for r in reviews.get(e["patient"], [])] + [q["start"] for q in episodes if q["patient"] == e["patient"]]
            if any(e["start"] - n <= r < e["start"] and r >= p["start"] for r in dates):
                return True
    return False


def re_presentation(e, episodes, n):
    mine = [q for q in episodes if q["patient"] == e["patient"] and q["provider"] == e["provider"]]
    in_care = any(q["start"] < e["start"] <= q["stop"] for q in mine)
    return not in_care and any(e["start"] - n <= p["stop"] < e["start"] for p in mine)


def repeat_crisis(e, episodes, k, d, clusters):
    if e["cluster"] not in clusters:
        return False
    earlier = [q for q in episodes if q["patient"] == e["patient"] and q["cluster"] in clusters
               and (q["start"], q["id"]) < (e["start"], e["id"]) and q["start"] >= e["start"] - d]
    return len(earlier) >= k


@st.composite
def histories(draw, most=6):
    episodes, reviews = [], {}
    for patient in ("P1", "P2", "P3")[: draw(st.integers(1, 3))]:
        back_to_back = draw(st.booleans())  # a run of periods each starting as the one before ends
        start = draw(st.integers(0, 20)) + draw(st.sampled_from([0, 0, 150]))
        for i in range(draw(st.integers(1, most))):
            length = draw(st.one_of(st.none(), st.integers(1, 60)))
            start = start if back_to_back else draw(st.integers(0, 150))
            episodes.append({"id": f"{patient}-{i}", "patient": patient, "provider": draw(st.sampled_from(["RT2", "RXV"])),
                             "cluster": draw(st.sampled_from([3, 4, 11, 12, 14, 15])), "start": start,
                             "end": None if length is None else start + length})
            start = start + (length or 10)
        reviews[patient] = draw(st.lists(st.integers(0, 150), max_size=3))
    return episodes, reviews


def frames(episodes, reviews):
    day = lambda n: DAY0 + dt.timedelta(days=n)  # noqa: E731
    frame = pl.DataFrame([{
        "episode_id": e["id"], "patient_id": e["patient"], "provider": e["provider"], "commissioner": "01W",
        "cluster": e["cluster"], "start_date": day(e["start"]), "end_date": day(e["end"]) if e["end"] is not None else None,
        "until": day(min(e["end"] if e["end"] is not None else HORIZON, HORIZON)), "setting": "community", "service": None,
    } for e in episodes], schema={"episode_id": pl.String, "patient_id": pl.String, "provider": pl.String,
                                  "commissioner": pl.String, "cluster": pl.Int8, "start_date": pl.Date,
                                  "end_date": pl.Date, "until": pl.Date, "setting": pl.String, "service": pl.String})
    review_frame = pl.DataFrame([(p, "RT2", day(d)) for p, ds in reviews.items() for d in ds],
                                schema={"patient_id": pl.String, "provider": pl.String, "review_date": pl.Date}, orient="row")
    return frame, review_frame


def expected(episodes, reviews, conditions):
    """``conditions``: (kind, parameters) pairs; the episodes every one of them matches."""
    for e in episodes:  # closed at the horizon, as the run does; one starting after it stops on its first day
        e["stop"] = max(min(e["end"] if e["end"] is not None else HORIZON, HORIZON), e["start"])
    tests = {
        "escalation": lambda e, p: escalation(e, episodes, reviews, p["within_days"]),
        "re_presentation": lambda e, p: re_presentation(e, episodes, p["within_days"]),
        "repeat_crisis": lambda e, p: repeat_crisis(e, episodes, p["more_than"], p["within_days"], (14, 15)),
    }
    return {e["id"] for e in episodes if all(tests[kind](e, params) for kind, params in conditions)}


def matches(data, frame, review_frame, evaluator):
    rules, problems = parse_rules(data, FIELDS, builtin_vocabulary(), ("01W",), lambda p, m: Problem("t", None, str(p), m))
    assert not problems
    return evaluate(RuleBook(FIELDS, rules), frame, review_frame, evaluator).matches.rows()


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 40), st.integers(1, 40), st.integers(1, 3), st.integers(10, 120))
def test_history_conditions_alone_and_in_every_pair_match_their_definitions(history, esc_days, rep_days, more_than,
                                                                             crisis_days):
    episodes, reviews = history
    kinds = {"escalation": {"within_days": esc_days}, "re_presentation": {"within_days": rep_days},
             "repeat_crisis": {"more_than": more_than, "within_days": crisis_days}}
    # each kind alone, every ordered pair of them in one rule, and all three
    combinations = [[k] for k in kinds] + [list(p) for p in itertools.permutations(kinds, 2)] + [list(kinds)]
    data = [{"id": f"r{i}", "when": {k: kinds[k] for k in combo}, "then": {"flag": True}}
            for i, combo in enumerate(combinations)]
    frame, review_frame = frames(episodes, reviews)
    want = sorted((eid, i) for i, combo in enumerate(combinations)
                  for eid in expected(episodes, reviews, [(k, kinds[k]) for k in combo]))
    assert matches(data, frame, review_frame, "polars") == want
    assert matches(data, frame, review_frame, "durable") == want


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(histories(most=14), st.integers(1, 10), st.integers(10, 400), st.integers(1, 60))
def test_long_crisis_histories_with_a_local_condition(history, more_than, crisis_days, rep_days):
    # up to 14 periods a person (13 back-to-back crisis periods among them), and a test on the
    # episode's own provider in the same rule as two history conditions
    episodes, reviews = history
    crisis = {"more_than": more_than, "within_days": crisis_days}
    data = [{"id": "both", "when": {"provider": "RT2", "repeat_crisis": crisis,
                                    "re_presentation": {"within_days": rep_days}}, "then": {"flag": True}}]
    frame, review_frame = frames(episodes, reviews)
    want = sorted((eid, 0) for eid in expected(episodes, reviews, [("repeat_crisis", crisis),
                                                                  ("re_presentation", {"within_days": rep_days})])
                  if next(e for e in episodes if e["id"] == eid)["provider"] == "RT2")
    assert matches(data, frame, review_frame, "polars") == want
    assert matches(data, frame, review_frame, "durable") == want


def test_running_values_are_the_same_by_one_packed_key_or_by_two_columns():
    """``running`` packs an integer group and day into one key when they fit; where they do not
    (a day beyond 2^21 from 1970, a null, a text group) it groups by the two columns: both give
    the same answer."""
    from localpay.rules.columnar import running

    frame = pl.DataFrame({"person": [3, 3, 3, 1, 1, 7], "start": [10, 10, 12, 5, 9, 0],
                          "stop": [15, 11, 13, 20, 6, 1]})
    # person 1: at 5 the largest stop is 20, still 20 at 9; person 3: at 10, 15 (two rows); at 12, 15
    expected_max = [(1, 5, 20), (1, 9, 20), (3, 10, 15), (3, 12, 15), (7, 0, 1)]
    expected_count = [(1, 5, 1), (1, 9, 2), (3, 10, 2), (3, 12, 3), (7, 0, 1)]
    for shape in (frame, frame.with_columns(pl.col("person").cast(pl.String)),
                  frame.with_columns(pl.col("start") + (1 << 22))):
        shift = (1 << 22) if shape["start"].max() > 1000 else 0
        as_found = lambda f: [(int(p), s - shift, v) for p, s, v in f.rows()]  # noqa: E731
        assert as_found(running(shape, "person", "start", pl.col("stop").max(), "max")) == expected_max
        assert as_found(running(shape, "person", "start", pl.len().cast(pl.Int64), "sum")) == expected_count


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-5, 40)), min_size=1, max_size=25),
       st.lists(st.tuples(st.integers(0, 3), st.integers(-5, 40), st.integers(0, 99)), max_size=25),
       st.booleans(), st.randoms(use_true_random=False))
def test_latest_answers_in_the_left_frames_order_whatever_its_rows(left, right, strict, rnd):
    """``latest`` against its definition: for each left row (in the left frame's order, its
    ``row`` numbers sorted, shuffled, or in the order of the keys), the value of the last right
    row of the same group at or (strict) before its day (on a day with several, one of them)."""
    from localpay.rules.columnar import latest

    rows = list(range(len(left)))
    by_key = sorted(rows, key=lambda i: (left[i][0], left[i][1], i))
    rank = {i: n for n, i in enumerate(by_key)}
    shuffled = rnd.sample(rows, len(rows))
    # (the frame's order, each entry's row number): rows in order; shuffled; in the keys' order;
    # and numbered in the keys' order but shuffled (the answer then comes out by key in row order)
    for order, number in ((rows, rows), (shuffled, shuffled), (by_key, by_key), (shuffled, [rank[i] for i in shuffled])):
        frame = pl.DataFrame({"row": number, "g": [left[i][0] for i in order], "day": [left[i][1] for i in order]},
                             schema={"row": pl.UInt32, "g": pl.Int64, "day": pl.Int64})
        found = pl.DataFrame({"g": [r[0] for r in right], "day": [r[1] for r in right], "v": [r[2] for r in right]},
                             schema={"g": pl.Int64, "day": pl.Int64, "v": pl.Int64})
        got = latest(frame, found, by="g", left_on="day", right_on="day", value="v", strict=strict).to_list()
        expected = []
        for i in order:
            group, day = left[i]
            before = [(d, v) for g, d, v in right if g == group and (d < day if strict else d <= day)]
            latest_day = max((d for d, _ in before), default=None)
            expected.append(None if latest_day is None else {v for d, v in before if d == latest_day})
        assert len(got) == len(expected)
        for value, allowed in zip(got, expected):
            assert (value is None) if allowed is None else value in allowed
