"""What the statement says beyond totals: activity against plan, year to date, decisions,
exceptions; and the data behind the run: extra columns kept, assessments checked."""

from decimal import Decimal as D

import polars as pl

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.statement.document import build_statement

PLANNED = CLUSTER_PER_DAY + "  activity_plan: {3: 3650, 11: 730}\n"


def test_activity_against_plan(price):
    case = price(ruleset_text(PLANNED, "overdue_review: suspend"), """
        E1,P1,RT2,01W,3,2025-05-17,,,
        E2,P2,RT2,01W,3,2025-06-21,,,
    """, "2025-06", from_period="2025-05")
    statement = build_statement(case.result, "RT2", "01W", manifest={})
    rows = {r["key"]: r for r in statement["activity"]}
    # June: plan 3650 x 30 / 365 = 300.0 days; actual 30 (E1) + 10 (E2) = 40
    # to date (May and June): plan 3650 x 61 / 365 = 610.0; actual 15 (E1 in May) + 40 = 55
    assert (rows["cluster 3"]["plan_month"], rows["cluster 3"]["actual_month"]) == (D("300.0"), 40)
    assert rows["cluster 3"]["variance_month"] == D("-260.0")
    assert (rows["cluster 3"]["plan_to_date"], rows["cluster 3"]["actual_to_date"]) == (D("610.0"), 55)
    # cluster 11: 730 x 30 / 365 = 60.0 planned, none seen
    assert (rows["cluster 11"]["plan_month"], rows["cluster 11"]["actual_month"]) == (D("60.0"), 0)
    assert [m["payable"] for m in statement["year_to_date"]["months"]] == [D("117.00"), D("312.00")]
    assert statement["year_to_date"]["total"]["payable"] == D("429.00")


def test_suspended_value_and_decisions(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), "E1,P1,RT2,01W,14,2025-06-01,,,",
                 "2025-06")
    statement = build_statement(case.result, "RT2", "01W", manifest={})
    # 28 days x 61.50 = 1,722.00 payable; 2 days suspended, worth 123.00, not paid
    assert statement["totals"]["payable"] == D("1722.00")
    assert statement["totals"]["suspended"] == D("123.00")
    [decision] = statement["decisions"]
    assert (decision["status"], decision["quantity"], decision["suspended"], decision["rules"]) == (
        "suspended", 2, D("123.00"), "overdue-review:suspend")


def test_statements_per_provider_and_commissioner(price):
    second = CLUSTER_PER_DAY + CLUSTER_PER_DAY.replace("id: tariff", "id: tariff-b").replace("01W", "01Y")
    case = price(ruleset_text(second, "overdue_review: pay"), """
        E1,P1,RT2,01W,3,2025-06-01,,,
        E2,P2,RT2,01Y,3,2025-06-11,,,
    """, "2025-06")
    assert sorted(case.lines["statement_id"].unique()) == ["RT2-01W-2025-06", "RT2-01Y-2025-06"]
    b = build_statement(case.result, "RT2", "01Y", manifest={})
    assert [a["arrangement"] for a in b["arrangements"]] == ["tariff-b"]
    assert b["totals"]["payable"] == D("156.00")  # 20 days x 7.80


def test_extra_columns_are_kept_for_later_stages(price):
    header = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,team,ward"
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay"), "E1,P1,RT2,01W,3,2025-06-01,,North,",
                 "2025-06", header=header)
    episodes = case.result.context.episodes
    assert episodes.select("team", "ward", "setting").row(0) == ("North", None, "community")


def test_assessment_rows_are_checked(price):
    case = price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), "E1,P1,RT2,01W,1,2025-04-01,,,",
                 "2025-06", assessments="""
        P1,RT2,2025-06-10,MHCT,,
        P1,RT2,2025-06-31,MHCT,1,
        P1,RZZ,2025-06-10,MHCT,1,
        P1,RT2,2025-06-10,CGAS,,
        P1,RT2,2025-06-10,HoNOS,,49
        P1,RT2,2025-06-10,wemwbs,,13
        P1,RT2,2025-06-10,SWEMWBS,,35
    """)
    found = case.exceptions.filter(pl.col("source") == "assessments").select("row", "reason_code").rows()
    assert found == [(1, "missing_value"), (2, "bad_date"), (3, "unknown_provider"), (4, "unknown_tool"),
                     (5, "bad_total"), (6, "bad_total")]
    assert case.result.summary["assessments"] == {"rows_read": 7, "rows_used": 1, "rows_excepted": 6}
    # none of the bad MHCT rows counts as a review, so the clock runs from 1 April: due 24 June
    assert [r[5] for r in case.rows("E1")] == ["payable", "suspended"]


def test_progress_bar_draws_only_after_the_delay():
    import io
    import time

    from localpay.progress import StageProgress

    stream = io.StringIO()
    with StageProgress(delay=0.0, stream=stream, force=True) as progress:
        progress("price")
        time.sleep(0.6)
    assert "] 4/7 price" in stream.getvalue()
    quiet = io.StringIO()
    with StageProgress(delay=60.0, stream=quiet, force=True) as progress:
        progress("load")
        time.sleep(0.3)
    assert quiet.getvalue() == ""
