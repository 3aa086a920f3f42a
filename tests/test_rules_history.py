"""Rules across a person's history (by both evaluators), worked by hand on small histories."""

from decimal import Decimal

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text

RULES = """
rules:
  - {id: step-up, clause: V1, when: {escalation: {within_days: 28}}, then: {flag: stepped up}}
  - {id: back-soon, clause: V2, when: {re_presentation: {within_days: 28}}, then: {flag: back within 28 days}}
  - {id: crises, clause: V3, when: {repeat_crisis: {more_than: 2, within_days: 90}}, then: {flag: third crisis}}
"""
HEADER = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date"
ASSESSED = "patient_id,provider,assessment_date,tool,cluster,total"


def flagged(case, rule: str) -> list[str]:
    rows = case.exceptions.filter((pl.col("reason_code") == "rule_flag") & pl.col("value").str.contains(rule))
    return sorted(rows["episode_id"].to_list())


@pytest.fixture(params=["polars", "durable"])
def history(request, price):
    def _run(episodes: str, assessments: str | None = None):
        return price(ruleset_text(CLUSTER_PER_DAY) + RULES, episodes, "2025-09", "2025-04",
                     assessments=assessments, header=HEADER, evaluator=request.param)
    return _run


def test_a_step_up_soon_after_a_review_is_flagged(history):
    case = history("""
        A1,P1,RT2,01W,11,2025-04-01,2025-06-10
        A2,P1,RT2,01W,14,2025-06-10,2025-07-01
        B1,P2,RT2,01W,11,2025-04-01,2025-06-10
        B2,P2,RT2,01W,14,2025-06-10,2025-07-01
        C1,P3,RT2,01W,14,2025-04-01,2025-06-10
        C2,P3,RT2,01W,11,2025-06-10,2025-07-01
        D1,P4,RT2,01W,3,2025-04-01,2025-06-10
        D2,P4,RT2,01W,11,2025-06-10,2025-07-01
    """, assessments="""
        P1,RT2,2025-05-20,MHCT,11,
        P3,RT2,2025-05-20,MHCT,14,
        P4,RT2,2025-05-20,MHCT,3,
    """)
    # P1: 11 -> 14 (psychotic both) on 10 June, 21 days after the 20 May review: flagged.
    # P2: the same step up, but the last review is the allocation on 1 April, 70 days before: not.
    # P3: 14 -> 11 is a step down. P4: 3 -> 11 crosses super classes. Neither is flagged.
    assert flagged(case, "step-up") == ["A2"]


def test_the_allocation_to_the_earlier_cluster_counts_as_a_review(history):
    case = history("""
        A1,P1,RT2,01W,11,2025-05-20,2025-06-10
        A2,P1,RT2,01W,14,2025-06-10,2025-07-01
    """)
    # cluster 11 was allocated on 20 May, 21 days before the step up on 10 June
    assert flagged(case, "step-up") == ["A2"]


def test_a_new_period_soon_after_discharge_by_the_same_provider_is_flagged(history):
    case = history("""
        A1,P1,RT2,01W,11,2025-04-01,2025-05-01
        A2,P1,RT2,01W,11,2025-05-20,2025-06-30
        B1,P2,RT2,01W,11,2025-04-01,2025-05-01
        B2,P2,RT2,01W,11,2025-06-15,2025-06-30
        C1,P3,RT2,01W,11,2025-04-01,2025-05-01
        C2,P3,RXV,01W,11,2025-05-20,2025-06-30
        D1,P4,RT2,01W,11,2025-04-01,2025-05-01
        D2,P4,RT2,01W,3,2025-04-15,2025-05-25
        D3,P4,RT2,01W,11,2025-05-20,2025-06-30
        E1,P5,RT2,01W,11,2025-04-01,2025-05-01
        E2,P5,RT2,01W,11,2025-05-01,2025-06-30
    """)
    # P1: 19 days without care (1 May to 19 May): flagged. P2: 45 days: not. P3: another provider.
    # P4: D2 ran until 25 May, so D3 began while in that provider's care: not; D2 itself began
    #     while A1-like D1 was open: not. P5: a move on the day the first ended: no gap, not.
    assert flagged(case, "back-soon") == ["A2"]


def test_the_third_crisis_within_90_days_is_flagged(history):
    case = history("""
        A1,P1,RT2,01W,14,2025-04-01,2025-04-10
        A2,P1,RT2,01W,15,2025-04-20,2025-04-28
        A3,P1,RT2,01W,14,2025-05-10,2025-05-20
        A4,P1,RT2,01W,14,2025-06-30,2025-07-10
        A5,P1,RT2,01W,14,2025-09-29,2025-09-30
        B1,P2,RT2,01W,14,2025-04-01,2025-04-10
        B2,P2,RT2,01W,11,2025-04-20,2025-04-28
        B3,P2,RT2,01W,14,2025-05-10,2025-05-20
    """)
    # P1: A3 is the third crisis period in 39 days; A4 (30 June) has A2 and A3 within 90 days
    # (from 1 April: A1 is 90 days before, A1..A4 all start on or after 1 April): flagged;
    # A5 (29 Sept): only A4 started within the 90 days before it: not.
    # P2: only two crisis periods.
    assert flagged(case, "crises") == ["A3", "A4"]


def test_history_rules_also_see_row_local_conditions(history, price):
    rules = ruleset_text(CLUSTER_PER_DAY) + """
rules:
  - {id: rt2-only, clause: V1, when: {escalation: {within_days: 90}, provider: {not: RXV}, cluster: 14}, then: {flag: x}}
"""
    case = price(rules, """
        A1,P1,RT2,01W,11,2025-04-01,2025-06-10
        A2,P1,RT2,01W,14,2025-06-10,2025-07-01
        B1,P2,RT2,01W,11,2025-04-01,2025-06-10
        B2,P2,RT2,01W,12,2025-06-10,2025-07-01
    """, "2025-06", header=HEADER, evaluator="durable")
    assert flagged(case, "rt2-only") == ["A2"]  # B2 steps up to 12, not 14


BOTH = """
rules:
  - id: back-in-crisis
    clause: V4
    when: {re_presentation: {within_days: 38}, repeat_crisis: {more_than: 1, within_days: 80}}
    then: {hold: a second crisis soon after the first}
"""


@pytest.mark.parametrize("evaluator", ["polars", "durable"])
def test_two_history_conditions_in_one_rule_hold_what_each_holds_alone(price, evaluator):
    # E2 starts on 5 June, 35 days after E1 ended on 1 May (within 38: a re-presentation), and
    # 65 days after E1 started on 1 April (within 80: the second crisis period). Both conditions
    # hold for E2, each seeing the same earlier period E1, so the rule with both holds it.
    # June: E2 from 5 to 30 June, 26 days x £61.50 (cluster 14) = £1,599.00 held, not paid.
    case = price(ruleset_text(CLUSTER_PER_DAY) + BOTH, """
        E1,P1,RT2,01W,14,2025-04-01,2025-05-01
        E2,P1,RT2,01W,14,2025-06-05,
    """, "2025-06", header=HEADER, evaluator=evaluator)
    assert case.rows("E2") == [("2025-06-05", "2025-06-30", 26, Decimal("61.5"), Decimal("1599.00"), "held")]
    assert case.lines.filter(pl.col("episode_id") == "E2")["rules"].to_list() == ["back-in-crisis"]
    assert case.paid("2025-06") == Decimal("0.00")
