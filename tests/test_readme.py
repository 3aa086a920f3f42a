"""The README's plugin example is run as written: a trust copying it gets a working option."""

from __future__ import annotations

import re
import types

import polars as pl

from conftest import REPO
from localpay.testing import price_case

RULESET = """\
format: localpay/1
area: Testshire
title: A flat fee
period: {from: 2025-04-01, to: 2026-03-31}
status: live
parties:
  commissioners: [{code: 01W, name: NHS Testshire}]
  providers: [{code: RT2, name: Test Trust}]
arrangements:
  - {id: fee, option: flat_fee, provider: RT2, commissioner: 01W, clause: Schedule 3 part 9, monthly: 1250.50}
"""
EPISODES = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date\n"


def readme_plugin() -> types.ModuleType:
    text = (REPO / "README.md").read_text()
    guide = text[text.index("## Writing a plugin"):]
    code = re.search(r"This example is run by the tests.*?```python\n(.*?)```", guide, re.S).group(1)
    module = types.ModuleType("readme_flat_fee")
    exec(compile(code, "README.md", "exec", dont_inherit=True), module.__dict__)  # as a file of its own would run
    return module


def test_the_readme_plugin_example_pays_its_fee_each_month():
    case = price_case(RULESET, EPISODES, "2025-06", from_period="2025-04", extra=[readme_plugin()])
    lines = case.lines.sort("period").select("period", "option", "quantity", "unit", "unit_price", "amount", "clause",
                                             "note")
    # £1,250.50 a month: 1 x 1,250.50 = 125,050p in each of April, May and June
    assert lines.rows() == [(month, "flat_fee", 1, "month", 1_250_500_000, 125_050, "Schedule 3 part 9", "the monthly fee")
                            for month in ("2025-04", "2025-05", "2025-06")]
    assert case.exceptions.filter(pl.col("source") == "episodes").is_empty()
