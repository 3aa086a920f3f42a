"""Days past the cluster's maximum review period without a review, under each mode.

Cluster 1 reviews every 84 days. A period starting 1 April 2025 with no review falls due on
24 June (1 April + 84 days): 1..23 June are in review (23 days), 24..30 June overdue (7 days).
At 3.10 a day: 23 x 3.10 = 71.30 and 7 x 3.10 = 21.70.
"""

from decimal import Decimal as D

import polars as pl

from conftest import CLUSTER_PER_DAY, ruleset_text

EPISODE = "E1,P1,RT2,01W,1,2025-04-01,,,"


def test_pay_pays_and_flags(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay"), EPISODE, "2025-06")
    assert case.rows("E1") == [
        ("2025-06-01", "2025-06-23", 23, D("3.1"), D("71.30"), "payable"),
        ("2025-06-24", "2025-06-30", 7, D("3.1"), D("21.70"), "payable"),
    ]
    flagged = case.lines.filter(pl.col("from_date").cast(str) == "2025-06-24").row(0, named=True)
    assert flagged["rules"] == "overdue-review:pay"
    assert flagged["note"] == "review due 2025-06-24 (from the period start on 2025-04-01); no review yet"


def test_suspend_shows_the_days_at_nil(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), EPISODE, "2025-06")
    assert case.rows("E1") == [
        ("2025-06-01", "2025-06-23", 23, D("3.1"), D("71.30"), "payable"),
        ("2025-06-24", "2025-06-30", 7, D("3.1"), D("0.00"), "suspended"),
    ]
    suspended = case.lines.filter(pl.col("status") == "suspended").row(0, named=True)
    assert suspended["reason"] == "past the maximum review period without a review: not payable"


def test_hold_withholds_until_a_review_then_releases(price):
    rules = ruleset_text(CLUSTER_PER_DAY, "overdue_review: hold")
    june = price(rules, EPISODE, "2025-06")
    assert june.rows("E1") == [
        ("2025-06-01", "2025-06-23", 23, D("3.1"), D("71.30"), "payable"),
        ("2025-06-24", "2025-06-30", 7, D("3.1"), D("21.70"), "held"),
    ]
    # a review on 10 July: July 1..9 were overdue but the review came within July, so they are
    # paid (9 x 3.10 = 27.90); 10..31 July are in review (22 x 3.10 = 68.20); and the 7 days
    # held in June are released in July (21.70). July pays 27.90 + 68.20 + 21.70 = 117.80.
    both = price(rules, EPISODE, "2025-07", from_period="2025-06", assessments="P1,RT2,2025-07-10,MHCT,1,")
    assert both.paid("2025-06", "held") == D("21.70")
    assert both.rows("E1", "2025-07") == [
        ("2025-06-24", "2025-06-30", 7, D("3.1"), D("21.70"), "payable"),
        ("2025-07-01", "2025-07-09", 9, D("3.1"), D("27.90"), "payable"),
        ("2025-07-10", "2025-07-31", 22, D("3.1"), D("68.20"), "payable"),
    ]
    assert both.paid("2025-07") == D("117.80")
    release = both.lines.filter(pl.col("rules") == "overdue-review:release").row(0, named=True)
    assert release["period"] == "2025-07" and release["note"].endswith("reviewed 2025-07-10")


def test_a_review_restarts_the_clock(price):
    # a review on 10 June: next due 10 June + 84 days = 2 September, so all of June is paid
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), EPISODE, "2025-06",
                 assessments="P1,RT2,2025-06-10,MHCT,1,")
    assert case.rows("E1") == [("2025-06-01", "2025-06-30", 30, D("3.1"), D("93.00"), "payable")]


def test_reviews_count_only_with_the_same_provider_and_as_mhct(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), EPISODE, "2025-06", assessments="""
        P1,RXV,2025-06-10,MHCT,1,
        P1,RT2,2025-06-10,HoNOS,,12
    """)
    assert [r[5] for r in case.rows("E1")] == ["payable", "suspended"]


def test_a_ruleset_mode_can_be_overridden_per_arrangement(price):
    arrangement = CLUSTER_PER_DAY + "  overdue_review: suspend\n"
    case = price(ruleset_text(arrangement, "overdue_review: pay"), EPISODE, "2025-06")
    assert [r[5] for r in case.rows("E1")] == ["payable", "suspended"]


def test_six_month_review_periods_are_calendar_months(price):
    # cluster 3 reviews every 6 months: 31 December + 6 months = 30 June, so 30 June is overdue
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), "E1,P1,RT2,01W,3,2024-12-31,,,", "2025-06")
    assert case.rows("E1") == [
        ("2025-06-01", "2025-06-29", 29, D("7.8"), D("226.20"), "payable"),
        ("2025-06-30", "2025-06-30", 1, D("7.8"), D("0.00"), "suspended"),
    ]
