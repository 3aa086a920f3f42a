"""Per-day cluster pricing, worked by hand: price x days in the month, days counted from the
start date and exclusive of the end date unless the ruleset says otherwise."""

from decimal import Decimal as D

from conftest import CLUSTER_PER_DAY, ruleset_text

PAY = "overdue_review: pay"


def test_days_at_month_ends_and_an_open_period(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, PAY), """
        E1,P1,RT2,01W,3,2025-05-20,2025-07-10,,
        E2,P2,RT2,01W,11,2025-06-30,,,
    """, "2025-06", from_period="2025-05")
    # E1 in May: 20..31 May = 12 days x 7.80 = 93.60; June: all 30 days x 7.80 = 234.00
    assert case.rows("E1") == [
        ("2025-05-20", "2025-05-31", 12, D("7.8"), D("93.60"), "payable"),
        ("2025-06-01", "2025-06-30", 30, D("7.8"), D("234.00"), "payable"),
    ]
    # E2 is open: it runs to the end of the statement month, 30 June, one day x 9.85
    assert case.rows("E2") == [("2025-06-30", "2025-06-30", 1, D("9.85"), D("9.85"), "payable")]
    assert case.paid("2025-06") == D("234.00") + D("9.85")


def test_leap_year_february_2028(price):
    rules = ruleset_text(CLUSTER_PER_DAY.replace("2025-04-01:", "2027-04-01:"), PAY, ("2027-04-01", "2028-03-31"))
    case = price(rules, """
        E1,P1,RT2,01W,11,2027-12-01,,,
        E2,P2,RT2,01W,3,2028-02-10,2028-02-29,,
    """, "2028-02")
    # February 2028 has 29 days: 29 x 9.85 = 285.65
    assert case.rows("E1") == [("2028-02-01", "2028-02-29", 29, D("9.85"), D("285.65"), "payable")]
    # 10..28 February (the end date 29th is not counted) = 19 days x 7.80 = 148.20
    assert case.rows("E2") == [("2028-02-10", "2028-02-28", 19, D("7.8"), D("148.20"), "payable")]


def test_a_price_change_inside_the_month_splits_the_days(price):
    arrangement = CLUSTER_PER_DAY + "    2025-06-16: {1: 3.20}\n"
    case = price(ruleset_text(arrangement, PAY), "E1,P1,RT2,01W,01,2025-06-01,,,", "2025-06")
    # cluster 1 reviews every 84 days; 1 June + 84 = 24 August, so all of June is in review.
    # 1..15 June = 15 x 3.10 = 46.50; 16..30 June = 15 x 3.20 = 48.00
    assert case.rows("E1") == [
        ("2025-06-01", "2025-06-15", 15, D("3.1"), D("46.50"), "payable"),
        ("2025-06-16", "2025-06-30", 15, D("3.2"), D("48.00"), "payable"),
    ]
    assert case.lines["price_from"].cast(str).to_list() == ["2025-04-01", "2025-06-16"]


def test_a_move_between_clusters_pays_each_day_once(price):
    # a move from cluster 5 to 15 on 3 May pays cluster 5 to 2 May and cluster 15 from 3 May
    case = price(ruleset_text(CLUSTER_PER_DAY, PAY), """
        E1,P1,RT2,01W,5,2025-04-10,2025-05-03,,
        E2,P1,RT2,01W,15,2025-05-03,,,
    """, "2025-05")
    assert case.rows("E1") == [("2025-05-01", "2025-05-02", 2, D("14.2"), D("28.40"), "payable")]
    # cluster 15 reviews every 28 days: 3..30 May in review, 31 May overdue (paid under "pay")
    assert case.rows("E2") == [
        ("2025-05-03", "2025-05-30", 28, D("58.2"), D("1629.60"), "payable"),
        ("2025-05-31", "2025-05-31", 1, D("58.2"), D("58.20"), "payable"),
    ]
    assert case.reasons() == []


def test_inclusive_end_counts_the_end_date(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, PAY + ", day_count: inclusive_end"), """
        E1,P1,RT2,01W,5,2025-04-10,2025-05-02,,
        E2,P1,RT2,01W,15,2025-05-03,,,
    """, "2025-05")
    assert case.rows("E1") == [("2025-05-01", "2025-05-02", 2, D("14.2"), D("28.40"), "payable")]
    assert sum(r[2] for r in case.rows("E2")) == 29


def test_rounding_is_per_line_half_up(price):
    arrangement = CLUSTER_PER_DAY.replace("1: 3.10", "1: 0.125")
    case = price(ruleset_text(arrangement, PAY), """
        E1,P1,RT2,01W,1,2025-06-01,2025-06-04,,
        E2,P2,RT2,01W,1,2025-06-01,2025-06-02,,
    """, "2025-06")
    # 3 x 0.125 = 0.375 -> 0.38 (half up); 1 x 0.125 = 0.125 -> 0.13; the total is the sum of the
    # rounded lines, 0.51, not the rounded sum of 0.50
    assert [r[4] for r in case.rows("E1") + case.rows("E2")] == [D("0.38"), D("0.13")]
    assert case.paid("2025-06") == D("0.51")
