"""An arrangement marked shadow is priced in full and shown, and pays nothing."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.lines import SHADOW_REASON
from localpay.statement.writing import write_outputs


def test_shadow_lines_carry_their_value_and_pay_nothing(price, tmp_path):
    ruleset = ruleset_text(CLUSTER_PER_DAY.replace("  basis: per_day\n", "  basis: per_day\n  shadow: true\n"))
    # 1 to 10 June: 10 days of cluster 3 at £7.80 = £78.00, in shadow
    case = price(ruleset, "E1,P1,RT2,01W,3,2025-06-01,2025-06-11,community,CMHT", "2025-06")
    [line] = case.lines.rows(named=True)
    assert (line["status"], line["value"], line["amount"], line["reason"]) == ("shadow", 7800, 0, SHADOW_REASON)
    written = write_outputs(case.result, tmp_path / "out", ["localpay", "run"])
    [statement] = written.statements
    assert (statement["totals"]["payable"], statement["totals"]["shadow"]) == (D("0.00"), D("78.00"))
    markdown = (tmp_path / "out" / "statement-RT2-01W-2025-06.md").read_text()
    assert "| **Total** | | | **1** | **£0.00** | **£0.00** | **£0.00** | **£78.00** |" in markdown
    assert case.result.summary["episodes"]["rows_priced"] == 1  # shown on a line, so accounted for
    assert case.lines.filter(pl.col("status") == "payable").is_empty()
