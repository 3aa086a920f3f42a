"""``localpay.testing``: a third party prices a case for its own option through the real pipeline,
with nothing but the public modules (``localpay.plugin`` and ``localpay.testing``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl
import pytest

from localpay.plugin import (Arrangement, Code, PaymentOption, Price, Priced, ScheduleSection, hookimpl, lines_frame,
                             payment_line, to_micros)
from localpay.testing import csv_text, price_case


class FlatFee(Arrangement):
    option: Literal["flat_fee"]
    provider: Code
    commissioner: Code
    monthly: Price


def settle_flat_fee(arrangement: FlatFee, context) -> Priced:
    return Priced(lines_frame([
        payment_line(arrangement=arrangement, month=month, unit="month", micros=to_micros(arrangement.monthly),
                     note=f"flat fee of {arrangement.monthly} a month")
        for month in context.months
    ]))


class FlatFeePlugin:
    @hookimpl
    def localpay_payment_options(self):
        return [PaymentOption(name="flat_fee", summary="A fixed monthly fee", parameters=FlatFee,
                              settle=settle_flat_fee,
                              describe=lambda arrangement, ruleset: ScheduleSection("Flat fee", ()))]


RULESET = """\
format: localpay/1
area: Testshire
title: A tariff and a flat fee
period: {from: 2025-04-01, to: 2026-03-31}
status: live
parties:
  commissioners: [{code: 01W, name: NHS Testshire}]
  providers: [{code: RT2, name: Test Trust}]
settings: {overdue_review: pay}
arrangements:
  - id: tariff
    option: cluster
    provider: RT2
    commissioner: 01W
    basis: per_day
    prices:
      2025-04-01: {3: 7.80}
  - id: fee
    option: flat_fee
    provider: RT2
    commissioner: 01W
    clause: Schedule 3C
    monthly: 1000.005
"""
EPISODES = [
    {"episode_id": "E1", "patient_id": "P1", "provider": "RT2", "commissioner": "01W", "cluster": 3,
     "start_date": dt.date(2025, 6, 1), "end_date": dt.date(2025, 6, 11)},
    {"episode_id": "E2", "patient_id": None, "provider": "RT2", "commissioner": "01W", "cluster": 3,
     "start_date": "2025-06-01"},
]


def test_a_third_party_option_is_priced_through_the_pipeline():
    case = price_case(RULESET, EPISODES, "2025-06", from_period="2025-05", extra=[FlatFeePlugin()])
    fee = case.lines.filter(pl.col("arrangement") == "fee").sort("period")
    # £1,000.005 a month, one a month: 1 x 1000.005 rounds half up to £1,000.01 = 100001 pence
    assert fee.select("period", "quantity", "unit_price", "amount").rows() == [
        ("2025-05", 1, 1_000_005_000, 100001), ("2025-06", 1, 1_000_005_000, 100001)]
    assert fee["clause"].to_list() == ["Schedule 3C", "Schedule 3C"]
    assert fee["statement_id"].to_list() == ["RT2-01W-2025-05", "RT2-01W-2025-06"]
    # E1: 1 to 10 June (the end date is not paid) = 10 days of cluster 3 at £7.80 = £78.00
    tariff = case.lines.filter(pl.col("arrangement") == "tariff")
    assert tariff.select("episode_id", "quantity", "amount").rows() == [("E1", 10, 7800)]
    # E2 has no patient: reported, not priced
    assert case.exceptions.filter(pl.col("episode_id") == "E2")["reason_code"].to_list() == ["missing_value"]


def test_the_temporary_folder_goes_unless_a_folder_is_given(tmp_path):
    gone = price_case(RULESET, EPISODES, "2025-06", extra=[FlatFeePlugin()])
    assert not gone.result.inputs["episodes"].exists()
    kept = price_case(RULESET, EPISODES, "2025-06", extra=[FlatFeePlugin()], folder=tmp_path)
    assert kept.result.inputs["episodes"] == tmp_path / "episodes.csv"
    assert (tmp_path / "episodes.csv").read_text().splitlines() == [
        "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date",
        "E1,P1,RT2,01W,3,2025-06-01,2025-06-11",
        "E2,,RT2,01W,3,2025-06-01,"]
    # the ruleset given as a path is read where it is
    (tmp_path / "area.yaml").write_text(RULESET)
    again = price_case(tmp_path / "area.yaml", EPISODES, "2025-06", extra=[FlatFeePlugin()])
    assert again.lines.equals(kept.lines)


def test_rows_as_csv_put_the_leading_columns_first():
    rows = [{"b": 1, "a": None}, {"c": dt.date(2025, 4, 1)}]
    assert csv_text(rows, leading=("a",)) == "a,b,c\n,1,\n,,2025-04-01\n"


def test_what_cannot_be_run_is_refused(plugins):
    with pytest.raises(ValueError, match="either plugins or extra"):
        price_case(RULESET, EPISODES, "2025-06", plugins=plugins, extra=[FlatFeePlugin()])
    with pytest.raises(ValueError, match="no input table budget; the tables are returns, budgets, population"):
        price_case(RULESET, EPISODES, "2025-06", tables={"budget": "x\n"}, extra=[FlatFeePlugin()])
