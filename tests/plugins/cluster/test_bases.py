"""Per review period, per episode, inpatient bed days and initial assessments, by hand."""

from decimal import Decimal as D

from conftest import CLUSTER_PER_DAY, ruleset_text

PER_REVIEW = """\
- id: reviews
  option: cluster
  provider: RT2
  commissioner: 01W
  basis: per_review_period
  prices:
    2025-04-01: {3: 1420.00, 14: 1720.00}
"""


def test_per_review_period_pays_each_period_that_starts_in_the_month(price):
    rules = ruleset_text(PER_REVIEW, "overdue_review: pay")
    # cluster 14 reviews every 28 days: periods start 20 May, 17 June (overdue), 15 July ...
    case = price(rules, "E1,P1,RT2,01W,14,2025-05-20,,,", "2025-06", from_period="2025-05")
    assert case.rows("E1") == [
        ("2025-05-20", "2025-06-16", 1, D("1720"), D("1720.00"), "payable"),
        ("2025-06-17", "2025-07-14", 1, D("1720"), D("1720.00"), "payable"),
    ]
    assert case.lines["rules"].to_list() == [None, "overdue-review:pay"]


def test_per_review_period_after_a_review(price):
    rules = ruleset_text(PER_REVIEW, "overdue_review: suspend")
    # a review on 10 June starts a new review period that day; the next would be due 8 July
    case = price(rules, "E1,P1,RT2,01W,14,2025-05-20,,,", "2025-06", assessments="P1,RT2,2025-06-10,MHCT,14,")
    assert case.rows("E1") == [("2025-06-10", "2025-07-07", 1, D("1720"), D("1720.00"), "payable")]


def test_per_review_period_overdue_suspended(price):
    rules = ruleset_text(PER_REVIEW, "overdue_review: suspend")
    # cluster 3: 31 December + 6 months = 30 June, an overdue period starting in June: suspended
    case = price(rules, "E1,P1,RT2,01W,3,2024-12-31,,,", "2025-06")
    assert case.rows("E1") == [("2025-06-30", "2025-12-30", 1, D("1420"), D("0.00"), "suspended")]


def test_per_episode_pays_once_in_the_month_it_starts(price):
    arrangement = PER_REVIEW.replace("per_review_period", "per_episode")
    case = price(ruleset_text(arrangement, "overdue_review: pay"), """
        E1,P1,RT2,01W,3,2025-06-05,2025-09-01,,
        E2,P2,RT2,01W,3,2025-05-05,,,
    """, "2025-06")
    assert case.rows("E1") == [("2025-06-05", "2025-08-31", 1, D("1420"), D("1420.00"), "payable")]
    assert case.rows("E2") == []
    # E2 started in May: nothing falls due in June, and the report says so
    assert case.reasons(row=2) == ["nothing_due"]


def test_inpatient_days_at_the_bed_day_price(price):
    arrangement = CLUSTER_PER_DAY + "  inpatient_per_day: {2025-04-01: 425.00, 2025-06-21: 430.00}\n"
    case = price(ruleset_text(arrangement, "overdue_review: pay"), """
        E1,P1,RT2,01W,14,2025-06-11,,inpatient,
        E2,P2,RT2,01W,14,2025-06-11,,community,
    """, "2025-06")
    # 11..20 June = 10 bed days x 425 = 4,250.00; 21..30 June = 10 x 430 = 4,300.00
    assert case.rows("E1") == [
        ("2025-06-11", "2025-06-20", 10, D("425"), D("4250.00"), "payable"),
        ("2025-06-21", "2025-06-30", 10, D("430"), D("4300.00"), "payable"),
    ]
    assert case.lines.filter(case.lines["episode_id"] == "E1")["unit"].unique().to_list() == ["bed day"]
    # the community episode is priced at the cluster price: 20 x 61.50 = 1,230.00
    assert case.rows("E2") == [("2025-06-11", "2025-06-30", 20, D("61.5"), D("1230.00"), "payable")]


def test_initial_assessment_for_cluster_0(price):
    arrangement = CLUSTER_PER_DAY + "  initial_assessment: 180.00\n"
    case = price(ruleset_text(arrangement, "overdue_review: pay"), """
        E1,P1,RT2,01W,0,2025-06-03,2025-06-20,,
        E2,P2,RT2,01W,00,2025-05-03,,,
    """, "2025-06")
    assert case.rows("E1") == [("2025-06-03", "2025-06-19", 1, D("180"), D("180.00"), "payable")]
    assert case.reasons(row=2) == ["nothing_due"]


def test_cluster_0_at_its_day_price_when_there_is_no_assessment_price(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay"), "E1,P1,RT2,01W,0,2025-06-03,2025-06-20,,", "2025-06")
    assert case.rows("E1") == [("2025-06-03", "2025-06-19", 17, D("5.4"), D("91.80"), "payable")]


def test_a_cluster_without_a_price_is_reported_not_paid(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay"), "E1,P1,RT2,01W,7,2025-06-03,,,", "2025-06")
    assert case.rows("E1") == []
    found = case.exceptions.row(0, named=True)
    assert (found["reason_code"], found["action"]) == ("no_price", "excluded")
    assert found["reason"] == ("arrangement 'tariff' has no price for cluster 7 in effect from 2025-06-03 to "
                               "2025-06-30; those days are not paid")
