"""An issue's prior-period adjustments in statements.xlsx: the statement sheet's adjustments
table and net payable, and the Adjustments sheet, row for row with adjustments.csv."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import polars as pl

from localpay.statement.cells import POUNDS

from test_issue import APRIL_FLEX, MAY_FLEX, Cycle


def test_a_reissue_with_adjustments_has_them_in_the_workbook(tmp_path, ledger_url, plugins):
    cycle = Cycle(tmp_path, ledger_url, plugins)
    cycle.issue(APRIL_FLEX, "2025-04", "2025-05-15")
    cycle.issue(MAY_FLEX, "2025-05", "2025-06-15")
    book = openpyxl.load_workbook(cycle.out / "statements.xlsx")
    assert book.sheetnames == ["Summary", "RT2-01W", "Lines", "Exceptions", "Adjustments"]
    rows = list(book["RT2-01W"].iter_rows(values_only=True))
    totals = {row[0]: row[1] for row in rows if row[0] and isinstance(row[1], float)}
    # May: £581.25 this month; -163.80 + 229.95 - 426.00 - 164.25 + 85.80 = -438.30 adjusted; net £142.95
    assert (totals["Payable this month"], totals["Prior-period adjustments"], totals["Net payable"]) == (
        581.25, -438.30, 142.95)
    start = rows.index(("Prior-period adjustments", *[None] * 8))
    assert rows[start + 1][0] == "Issued into the ledger on 2025-06-15: issue 2, on flex data."
    assert rows[start + 2][:5] == ("Month adjusted", "Cause", "Lines", "Adjusted", "Reported only")
    table = rows[start + 3:rows.index(("Total", None, 5, -438.30, 0, *[None] * 4))]
    assert sorted((r[1], r[3]) for r in table) == sorted([("cluster changed", 66.15), ("episode withdrawn", -426.00),
                                                         ("dates moved", -164.25), ("new episode", 85.80)])
    csv = pl.read_csv(cycle.out / "adjustments.csv", infer_schema=False)
    sheet = book["Adjustments"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:M{csv.height + 1}"
    read = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in read[0]] == csv.columns
    for row, wanted in zip(read[1:], csv.iter_rows(named=True)):
        for cell, (column, text) in zip(row, wanted.items()):
            if column in ("was", "now", "amount"):
                assert cell.number_format == POUNDS and Decimal(repr(cell.value)) == Decimal(text), column
            else:
                assert cell.value == text and (text is None or cell.data_type == "s"), column
