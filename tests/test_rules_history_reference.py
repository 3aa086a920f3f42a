"""The history conditions in durable-rules against a plain-Python reading of their definitions,
on random histories: durable-rules' joins have quirks (see durable_adapter.py), so the engine's
answer is checked against loops anyone can read."""

import datetime as dt

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
def histories(draw):
    episodes, reviews = [], {}
    for patient in ("P1", "P2", "P3")[: draw(st.integers(1, 3))]:
        for i in range(draw(st.integers(1, 6))):
            start = draw(st.integers(0, 150))
            length = draw(st.one_of(st.none(), st.integers(1, 60)))
            episodes.append({"id": f"{patient}-{i}", "patient": patient, "provider": draw(st.sampled_from(["RT2", "RXV"])),
                             "cluster": draw(st.sampled_from([3, 4, 11, 12, 14, 15])), "start": start,
                             "end": None if length is None else start + length})
        reviews[patient] = draw(st.lists(st.integers(0, 150), max_size=3))
    return episodes, reviews


def frames(episodes, reviews):
    day = lambda n: DAY0 + dt.timedelta(days=n)  # noqa: E731
    frame = pl.DataFrame([{
        "episode_id": e["id"], "patient_id": e["patient"], "provider": e["provider"], "commissioner": "01W",
        "cluster": e["cluster"], "start_date": day(e["start"]), "end_date": day(e["end"]) if e["end"] is not None else None,
        "until": day(e["end"] if e["end"] is not None else HORIZON), "setting": "community", "service": None,
    } for e in episodes], schema={"episode_id": pl.String, "patient_id": pl.String, "provider": pl.String,
                                  "commissioner": pl.String, "cluster": pl.Int8, "start_date": pl.Date,
                                  "end_date": pl.Date, "until": pl.Date, "setting": pl.String, "service": pl.String})
    review_frame = pl.DataFrame([(p, "RT2", day(d)) for p, ds in reviews.items() for d in ds],
                                schema={"patient_id": pl.String, "provider": pl.String, "review_date": pl.Date}, orient="row")
    return frame, review_frame


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 40), st.integers(1, 40), st.integers(1, 3), st.integers(10, 120))
def test_history_conditions_match_their_definitions(history, esc_days, rep_days, more_than, crisis_days):
    episodes, reviews = history
    data = [
        {"id": "esc", "when": {"escalation": {"within_days": esc_days}}, "then": {"flag": True}},
        {"id": "rep", "when": {"re_presentation": {"within_days": rep_days}}, "then": {"flag": True}},
        {"id": "cri", "when": {"repeat_crisis": {"more_than": more_than, "within_days": crisis_days}}, "then": {"flag": True}},
    ]
    rules, problems = parse_rules(data, FIELDS, builtin_vocabulary(), ("01W",), lambda p, m: Problem("t", None, str(p), m))
    assert not problems
    frame, review_frame = frames(episodes, reviews)
    for e in episodes:
        e["stop"] = e["end"] if e["end"] is not None else HORIZON
    expected = sorted(
        [(e["id"], 0) for e in episodes if escalation(e, episodes, reviews, esc_days)]
        + [(e["id"], 1) for e in episodes if re_presentation(e, episodes, rep_days)]
        + [(e["id"], 2) for e in episodes if repeat_crisis(e, episodes, more_than, crisis_days, (14, 15))]
    )
    assert evaluate(RuleBook(FIELDS, rules), frame, review_frame).matches.rows() == expected
