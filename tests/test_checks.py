"""Every kind of bad row goes to the exceptions report with its row, column and reason; the run
goes on with the rest, and rows read = rows priced + rows excepted."""

from decimal import Decimal as D

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text

RULES = ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay")


def test_each_kind_of_bad_row(price):
    case = price(RULES, """
        E1,P1,RT2,01W,3,2025-06-01,,,
        E2,P2,RT2,01W,22,2025-06-01,,,
        E3,P3,RT2,01W,9,2025-06-01,,,
        E4,P4,RT2,01W,3,2025-02-30,,,
        E5,P5,RT2,01W,3,2025-06-10,2025-06-01,,
        E6,P6,RZZ,01W,3,2025-06-01,,,
        E7,P7,RT2,99X,3,2025-06-01,,,
        E8,,RT2,01W,3,2025-06-01,,,
        E9,P9,RT2,01W,3,2025-06-01,,ward,
        E10,P10,RT2,01W,3,2025-06-01,,,
        E10,P11,RT2,01W,4,2025-06-01,,,
        E12,P12,RT2,01W,3,2025-06-01,,,
        E12,P12,RT2,01W,3,2025-06-01,,,
        E14,P14,RT2,01W,3,2025-06-05,2025-06-05,,
        E15,P15,RT2,01W,3,01/06/2025,15/06/2025,,
    """, "2025-06")
    found = case.exceptions.filter(pl.col("source") == "episodes").select("row", "episode_id", "column", "value",
                                                                         "reason_code", "action")
    assert found.sort("row").rows() == [
        (2, "E2", "cluster", "22", "unknown_cluster", "excluded"),
        (3, "E3", "cluster", "9", "unknown_cluster", "excluded"),
        (4, "E4", "start_date", "2025-02-30", "bad_date", "excluded"),
        (5, "E5", "end_date", "2025-06-01", "end_before_start", "excluded"),
        (6, "E6", "provider", "RZZ", "unknown_provider", "excluded"),
        (7, "E7", "commissioner", "99X", "unknown_commissioner", "excluded"),
        (8, "E8", "patient_id", None, "missing_value", "excluded"),
        (9, "E9", "setting", "ward", "unknown_setting", "excluded"),
        (10, "E10", "episode_id", "E10", "duplicate_episode_id", "excluded"),
        (11, "E10", "episode_id", "E10", "duplicate_episode_id", "excluded"),
        (13, "E12", "episode_id", "E12", "repeated_row", "excluded"),
        (14, "E14", "end_date", "2025-06-05", "no_days", "excluded"),
    ]
    reasons = dict(case.exceptions.select("row", "reason").rows())
    assert reasons[2] == "expected a care cluster code from 0 to 21 (9 is never used), found '22'"
    assert reasons[4] == ("expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 1900 to 2100; "
                          "a time, if any, must be midnight), found '2025-02-30'")
    assert reasons[5] == "the period ends (2025-06-01) before it starts (2025-06-10)"
    assert reasons[6] == "'RZZ' is not a provider party to the ruleset (expected one of: RT2, RXV)"
    assert reasons[10] == ("episode_id 'E10' is on rows 10, 11 with different values; none of them is paid "
                           "until the data is corrected")
    assert reasons[13] == "this row repeats row 12 exactly; it is counted once"
    # the good rows are priced: E1 30 days x 7.80, E12 once, E15 (UK dates) 1..14 June = 14 x 7.80
    assert case.rows("E1") == [("2025-06-01", "2025-06-30", 30, D("7.8"), D("234.00"), "payable")]
    assert sum(r[4] for r in case.rows("E12")) == D("234.00")
    assert case.rows("E15") == [("2025-06-01", "2025-06-14", 14, D("7.8"), D("109.20"), "payable")]
    summary = case.result.summary["episodes"]
    assert (summary["rows_read"], summary["rows_priced"], summary["rows_excepted"]) == (15, 3, 12)


def test_overlap_pays_the_days_once_to_the_later_starting_period(price):
    case = price(RULES, """
        A,P1,RT2,01W,11,2025-05-01,2025-06-21,,
        B,P1,RT2,01W,12,2025-06-11,,,
        C,P2,RT2,01W,4,2025-06-01,2025-07-01,,
        D,P2,RT2,01W,14,2025-06-10,2025-06-15,,
        X,P1,RXV,01W,3,2025-06-01,,,
    """, "2025-06")
    # A and B overlap on 11..20 June: those 10 days go to B, which starts later
    assert case.rows("A") == [("2025-06-01", "2025-06-10", 10, D("9.85"), D("98.50"), "payable")]
    assert case.rows("B") == [("2025-06-11", "2025-06-30", 20, D("14.6"), D("292.00"), "payable")]
    # D lies inside C: C is paid either side of it
    assert case.rows("C") == [
        ("2025-06-01", "2025-06-09", 9, D("10.95"), D("98.55"), "payable"),
        ("2025-06-15", "2025-06-30", 16, D("10.95"), D("175.20"), "payable"),
    ]
    assert case.rows("D") == [("2025-06-10", "2025-06-14", 5, D("61.5"), D("307.50"), "payable")]
    report = case.exceptions.filter(pl.col("reason_code") == "overlap").sort("row")
    assert report.select("row", "episode_id", "action").rows() == [(1, "A", "trimmed"), (3, "C", "trimmed")]
    assert report["reason"][0] == ("overlaps episode 'B' (row 2) from 2025-06-11 to 2025-06-20 (10 days); "
                                   "those days are paid once, to the later-starting period")
    # another provider's period for the same person is not an overlap (no arrangement for RXV)
    assert case.reasons(row=5) == ["no_arrangement"]


def test_a_period_wholly_inside_a_later_one_is_excluded(price):
    case = price(RULES, """
        A,P1,RT2,01W,11,2025-06-10,2025-06-20,,
        B,P1,RT2,01W,12,2025-06-10,2025-06-25,,
    """, "2025-06")
    # same start: the later row is the later-starting period and takes every shared day
    assert case.rows("A") == []
    assert case.exceptions.select("row", "reason_code", "action").rows() == [(1, "overlap", "excluded")]


def test_rows_outside_the_months_are_accounted_for(price):
    case = price(RULES, """
        E1,P1,RT2,01W,3,2025-01-01,2025-03-01,,
        E2,P2,RT2,01W,3,2025-07-01,,,
    """, "2025-06")
    assert case.reasons() == ["outside_period", "outside_period"]
    assert case.exceptions["reason"].to_list() == [
        "no days in 2025-06: the period runs from 2025-01-01 to 2025-03-01",
        "no days in 2025-06: the period runs from 2025-07-01 to (open)",
    ]


def test_missing_columns_stop_the_run_with_a_clear_message(price):
    from localpay.errors import InputError

    with pytest.raises(InputError, match=r"lacks the required columns: cluster \(found: episode_id"):
        price(RULES, "E1,P1,RT2,01W,2025-06-01,", "2025-06",
              header="episode_id,patient_id,provider,commissioner,start_date,end_date")


def test_parquet_input_gives_the_same_lines(price, tmp_path, plugins):
    from localpay.periods import Month
    from localpay.pipeline import Inputs, run
    from localpay.ruleset.load import load_ruleset

    csv_case = price(RULES, "E1,P1,RT2,01W,03,2025-05-20,2025-06-10,inpatient,EIP", "2025-06")
    frame = pl.read_csv(tmp_path / "episodes.csv", infer_schema=False).with_columns(
        start_date=pl.col("start_date").str.to_date(), end_date=pl.col("end_date").str.to_date(),
        cluster=pl.col("cluster").cast(pl.Int32))
    frame.write_parquet(tmp_path / "episodes.parquet")
    ruleset = load_ruleset(tmp_path / "ruleset.yaml", plugins.options)
    parquet = run(ruleset, plugins, Inputs(tmp_path / "episodes.parquet"), Month(2025, 6))
    assert parquet.lines.equals(csv_case.lines)


def test_a_repeated_column_is_refused(price):
    from localpay.errors import InputError

    with pytest.raises(InputError, match="has repeated columns: cluster"):
        price(RULES, "E1,P1,RT2,01W,3,2025-06-01,,4", "2025-06",
              header="episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,Cluster")
