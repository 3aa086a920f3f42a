"""durable-rules as the live cross-check of the columnar evaluator: a planted mistake in a
history kind's columnar answer stops the run, naming the person, the rule and both answers; the
sample is the same for the same data; and the case that once grew without bound is quick in both."""

from __future__ import annotations

import signal
from decimal import Decimal

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.errors import LocalpayError
from localpay.rules import history_kinds
from localpay.rules.evaluate import sampled_people

HEADER = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date"
RULES = """
rules:
  - {id: back-soon, clause: V2, when: {re_presentation: {within_days: 28}}, then: {hold: back within 28 days}}
"""
# P1 is back with RT2 on 10 June, 9 days after leaving on 1 June: a re-presentation. P2 is not.
EPISODES = """
    A1,P1,RT2,01W,11,2025-04-01,2025-06-01
    A2,P1,RT2,01W,11,2025-06-10,
    B1,P2,RT2,01W,11,2025-04-01,2025-05-01
    B2,P2,RT2,01W,11,2025-06-20,
"""


def test_the_two_evaluators_agree_and_hold_the_re_presentation(price):
    case = price(ruleset_text(CLUSTER_PER_DAY) + RULES, EPISODES, "2025-06", header=HEADER)
    # A2: 10 to 30 June, 21 days x £9.85 (cluster 11) = £206.85, held
    assert case.rows("A2") == [("2025-06-10", "2025-06-30", 21, Decimal("9.85"), Decimal("206.85"), "held")]
    assert case.lines.filter(pl.col("episode_id") == "B2")["status"].to_list() == ["payable"]


def test_a_planted_columnar_mistake_stops_the_run(price, monkeypatch):
    true_answer = history_kinds.RePresentation.columnar

    def planted(self, params, history):  # B2 (the 4th episode by person and start) said to match too
        answer = true_answer(self, params, history)
        return answer | (history.episodes["episode_id"] == "B2")

    monkeypatch.setattr(history_kinds.RePresentation, "columnar", planted)
    with pytest.raises(LocalpayError) as stopped:
        price(ruleset_text(CLUSTER_PER_DAY) + RULES, EPISODES, "2025-06", header=HEADER)
    assert str(stopped.value).startswith(
        "the two rule evaluators disagree for person 'P2', rule 'back-soon' (rules[0]) on episode 'B2': "
        "the columnar evaluator says it matches, durable-rules says it does not (1 disagreement(s) in the sample); "
        "nothing was written")


def test_without_the_cross_check_the_columnar_answer_is_taken(price, monkeypatch):
    true_answer = history_kinds.RePresentation.columnar
    monkeypatch.setattr(history_kinds.RePresentation, "columnar",
                        lambda self, params, history: true_answer(self, params, history) | (
                            history.episodes["episode_id"] == "B2"))
    case = price(ruleset_text(CLUSTER_PER_DAY, "rules_cross_check: 0") + RULES, EPISODES, "2025-06", header=HEADER)
    # settings.rules_cross_check: 0 turns the check off, so the planted answer holds B2 too
    assert case.lines.filter(pl.col("episode_id") == "B2")["status"].to_list() == ["held"]


def test_the_sample_is_the_same_for_the_same_data():
    # ten people: P0..P4 with two episodes each, P5..P9 with one. Four people: two evenly from the
    # five with several (indices 0 and 2.5 -> 2: P0, P2), two evenly from the other eight (P1, P3,
    # P4, P5, P6, P7, P8, P9: indices 0 and 4, P1 and P6)
    rows = [(f"E{p}{n}", f"P{p}") for p in range(10) for n in range(2 if p < 5 else 1)]
    frame = pl.DataFrame(rows, schema={"episode_id": pl.String, "patient_id": pl.String}, orient="row")
    assert sampled_people(frame, 4) == ["P0", "P1", "P2", "P6"]
    assert sampled_people(frame.reverse(), 4) == ["P0", "P1", "P2", "P6"]
    assert sampled_people(frame, 0) == []
    assert sampled_people(frame, 50) == [f"P{p}" for p in range(10)]


@pytest.mark.parametrize("evaluator", ["polars", "durable"])
def test_twenty_four_back_to_back_crisis_periods(price, evaluator):
    # repeat_crisis more_than 10 within 3660 days once took minutes and gigabytes at 24 periods
    # (every way of choosing ten earlier periods was a partial match); now one chain per episode.
    # 24 five-day crisis periods from 1 April: the 11th onwards (C10..C23) has more than ten
    # before it, all within 3660 days: 14 episodes held.
    rows = "\n".join(f"C{i:02d},P1,RT2,01W,{14 + i % 2},2025-04-{1 + i:02d},2025-04-{2 + i:02d}" for i in range(24))
    rules = """
rules:
  - {id: many-crises, clause: V3, when: {repeat_crisis: {more_than: 10, within_days: 3660}}, then: {hold: many}}
"""
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the repeat_crisis joins grew without bound"))
    signal.alarm(60)
    try:
        case = price(ruleset_text(CLUSTER_PER_DAY) + rules, rows, "2025-04", header=HEADER, evaluator=evaluator)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    held = case.lines.filter(pl.col("status") == "held")["episode_id"].to_list()
    assert held == [f"C{i:02d}" for i in range(10, 24)]


def test_a_disagreement_found_beside_pricing_leaves_the_out_folder_as_it_was(tmp_path, monkeypatch):
    """The check runs while the run prices; the run waits for it before writing anything: a
    planted mistake ends `localpay run` with the disagreement and no lines, statements or manifest."""
    from click.testing import CliRunner

    from localpay.cli import cli

    true_answer = history_kinds.RePresentation.columnar
    monkeypatch.setattr(history_kinds.RePresentation, "columnar",
                        lambda self, params, history: true_answer(self, params, history) | (
                            history.episodes["episode_id"] == "B2"))
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + RULES)
    (tmp_path / "e.csv").write_text(HEADER + "\n" + "\n".join(line.strip() for line in EPISODES.strip().splitlines()) + "\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["run", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--period", "2025-06",
                                    "--out", str(out)])
    assert done.exit_code != 0
    assert "the two rule evaluators disagree for person 'P2', rule 'back-soon'" in done.output
    assert "Traceback" not in done.output
    assert not out.exists() or not any(out.iterdir())
