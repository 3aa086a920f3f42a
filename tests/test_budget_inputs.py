"""The budgets and population files: parsed exactly, bad rows reported with the reason."""

from __future__ import annotations

import datetime as dt

import polars as pl

from localpay.inputs.budgets import check_budgets, check_population, read_budgets, read_population

COMMISSIONERS = ["01W", "01Y"]


def test_budgets_parse_money_to_pence_and_report_bad_rows(tmp_path):
    path = tmp_path / "budgets.csv"
    path.write_text(
        "patient_id,start_date,end_date,type,agreed_annual_amount,spent_to_date,commissioner,last_review\n"
        "P1,2025-04-01,,Direct payment,\"12,000.50\",£300,01W,2025-06-30\n"   # good
        "P2,2025-04-01,2025-03-01,notional,700,0,,\n"                        # ends before it starts
        "P3,2025-04-01,,cash,700,0,,\n"                                       # not a budget type
        "P4,2025-04-01,,third_party,70.005,0,,\n"                             # three decimal places
        "P5,2025-04-01,,notional,700,0,99X,\n"                                # not a commissioner
        "P6,,,notional,700,,,\n"                                              # no start, no spend
    )
    usable, exceptions = check_budgets(read_budgets(path), COMMISSIONERS)
    assert usable.rows(named=True) == [{
        "row": 1, "patient_id": "P1", "commissioner": "01W", "start_date": dt.date(2025, 4, 1), "end_date": None,
        "type": "direct_payment", "agreed_annual_amount": 1200050, "spent_to_date": 30000,
        "last_review": dt.date(2025, 6, 30)}]
    found = exceptions.sort("row", "column").select("row", "reason_code", "column").rows()
    assert found == [(2, "end_before_start", "end_date"), (3, "unknown_type", "type"),
                     (4, "bad_amount", "agreed_annual_amount"), (5, "unknown_commissioner", "commissioner"),
                     (6, "missing_value", "spent_to_date"), (6, "missing_value", "start_date")]
    assert set(exceptions["source"]) == {"budgets"}
    reason = exceptions.filter(pl.col("row") == 3)["reason"].item()
    assert reason == "expected one of direct_payment, third_party, notional, found 'cash'"


def test_population_reports_bad_and_second_rows(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("commissioner,period,population\n01W,2025-04,250000\n01W,2025-04,1\n01Y,April,5\n01Y,2025-05,-3\n")
    usable, exceptions = check_population(read_population(path), COMMISSIONERS)
    assert usable.rows() == [(1, "01W", "2025-04", 250000)]
    assert exceptions.sort("row").select("row", "reason_code").rows() == [
        (2, "duplicate_population"), (3, "bad_period"), (4, "bad_number")]
