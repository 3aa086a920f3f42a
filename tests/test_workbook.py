"""statements.xlsx: the statements, their lines and exceptions as a workbook, read back with
openpyxl as Excel would read it: money numbers in pounds to the penny, dates as dates, every id
a text cell (never a formula), headers frozen and filtered, sheet names valid and unique."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay.cli import cli
from localpay.money import MAX_AMOUNT_PENCE, pence_to_decimal
from localpay.outmanifest import verify
from localpay.statement import workbook
from localpay.statement.cells import EXACT, POUNDS, PRICE, Formats, Rows
from localpay.statement.workbook import sheet_names

# a second tariff, for RXV and 01Y, so that a run has two statements
SECOND = CLUSTER_PER_DAY.replace("id: tariff", "id: tariff-rxv").replace("provider: RT2", "provider: RXV").replace(
    "commissioner: 01W", "commissioner: 01Y")
# cluster 3 £7.80 a day, 4 £10.95, 14 £61.50 (reviewed within 4 weeks, then suspended)
PLAIN = """\
E1,P1,RT2,01W,3,2025-05-20,,community,CMHT
E2,P2,RT2,01W,14,2025-06-01,,,
E3,P3,RXV,01Y,4,2025-06-10,,,
E4,P4,RXV,01Y,99,2025-06-10,,,
"""
INJECTED = ['=HYPERLINK("http://x","y")', "+SUM(1+1)", "-SUM(1+1)", "@SUM(1+1)", "-12"]
MONEY = {"unit_price": PRICE, "option_price": PRICE, "value": POUNDS, "amount": POUNDS}
DATES = ("from_date", "to_date", "price_from")


def run(folder, rows: str, name: str = "out", *extra: str):
    (folder / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY + SECOND, "overdue_review: suspend"))
    (folder / f"{name}.csv").write_text(HEADER + "\n" + rows)
    out = folder / name
    result = CliRunner().invoke(cli, ["run", str(folder / "r.yaml"), str(folder / f"{name}.csv"), "--period", "2025-06",
                                      "--from", "2025-05", "--out", str(out), "--no-pdf", *extra])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return out


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture
def plain(tmp_path):
    return run(tmp_path, PLAIN)


def test_each_statement_sheet_totals_its_lines_in_lines_csv(plain):
    lines = pl.read_csv(plain / "lines.csv", infer_schema=False)
    book = openpyxl.load_workbook(plain / "statements.xlsx")
    assert book.sheetnames == ["Summary", "RT2-01W", "RXV-01Y", "Lines", "Exceptions"]
    for sheet, statement_id in (("RT2-01W", "RT2-01W-2025-06"), ("RXV-01Y", "RXV-01Y-2025-06")):
        mine = lines.filter((pl.col("statement_id") == statement_id) & (pl.col("status") == "payable"))
        pence = sum(int(Decimal(a) * 100) for a in mine["amount"])
        (payable,) = [row[1] for row in book[sheet].iter_rows() if row[0].value == "Payable"]
        assert payable.data_type == "n" and payable.number_format == POUNDS
        assert round(payable.value * 100) == pence
    # RT2-01W: E1 30 days x £7.80 = £234.00, E2 28 days x £61.50 = £1,722.00 (29-30 June suspended)
    # RXV-01Y: E3 21 days (10-30 June) x £10.95 = £229.95; E4's cluster 99 is an exception
    summary = book["Summary"]
    header = next(i for i, row in enumerate(summary.iter_rows(values_only=True), 1) if row[0] == "Statement")
    rows = {row[0]: row for row in summary.iter_rows(min_row=header + 1, values_only=True) if row[0]}
    assert rows["RT2-01W-2025-06"][9] == 1956.00 and rows["RT2-01W-2025-06"][11] == 123.00
    assert rows["RXV-01Y-2025-06"][9] == 229.95 and rows["Total"][9] == 2185.95
    assert summary.freeze_panes == f"B{header + 1}" and summary.auto_filter.ref == f"A{header}:M{header + 2}"
    link = summary.cell(header + 1, 2)
    assert link.value == "RT2-01W" and link.hyperlink.location == "'RT2-01W'!A1"
    statement = book["RT2-01W"]
    assert statement["A1"].value == "Payment statement 2025-06: NHS Testshire (01W) pays Test Trust (RT2)"
    assert statement.freeze_panes == "A4"
    rows = list(statement.iter_rows(values_only=True))
    totals = {row[0]: row[1] for row in rows[rows.index(("Figure", "Amount", *[None] * 7)) + 1:] if row[0]}
    assert totals["Suspended (not payable)"] == 123.00 and totals["Lines"] == 3 and totals["Episodes"] == 2
    by_arrangement = rows[rows.index(("By arrangement", *[None] * 8)) + 2]
    assert by_arrangement[0] == "tariff" and by_arrangement[4:7] == (3, 1956.00, 0)
    clusters = rows[rows.index(("By cluster", *[None] * 8)) + 2:]
    assert [(r[1], r[3], r[4], r[5], r[7]) for r in clusters[:2]] == [
        ("3: Non-psychotic (moderate severity)", 30, 0, 234.00, 0),
        ("14: Psychotic crisis", 30, 2, 1722.00, 123.00)]


def test_the_lines_and_exceptions_sheets_are_the_csvs_row_for_row(plain):
    book = openpyxl.load_workbook(plain / "statements.xlsx")
    for sheet, file in (("Lines", "lines.csv"), ("Exceptions", "exceptions.csv")):
        expected = pl.read_csv(plain / file, infer_schema=False)
        ws = book[sheet]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(expected.width)}{expected.height + 1}"
        rows = list(ws.iter_rows())
        assert [c.value for c in rows[0]] == expected.columns
        assert len(rows) == expected.height + 1 >= 2
        for row, wanted in zip(rows[1:], expected.iter_rows(named=True)):
            for cell, (column, text) in zip(row, wanted.items()):
                assert _as_csv(cell, column if sheet == "Lines" or column == "row" else "text") == text, (
                    sheet, column, cell.coordinate)


def _as_csv(cell, column: str) -> str | None:
    """A cell as the CSV writes its value, checking it has the kind it should."""
    if cell.value is None:
        return None
    if column in MONEY:
        assert cell.data_type == "n" and cell.number_format == MONEY[column]
        value = Decimal(repr(cell.value))  # the double's shortest decimal: the amount exactly
        return str(value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value)
    if column in DATES:
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
        return cell.value.date().isoformat()
    if column in ("cluster", "quantity", "row"):
        assert cell.data_type == "n" and isinstance(cell.value, int)
        return str(cell.value)
    assert cell.data_type == "s"
    return cell.value


def test_formula_like_ids_are_text_cells_exactly_as_given(tmp_path):
    rows = "".join(f"{quoted(text)},{quoted(text)},RXV,01Y,4,2025-06-1{i},,,\n" for i, text in enumerate(INJECTED))
    rows += f"{quoted(INJECTED[0] + 'X')},P9,RXV,01Y,bad,2025-06-01,,,\n"  # a bad row: the id reaches the exceptions
    out = run(tmp_path, rows)
    book = openpyxl.load_workbook(out / "statements.xlsx")
    lines = book["Lines"]
    header = [c.value for c in lines[1]]
    found = {}
    for row in lines.iter_rows(min_row=2):
        for column in ("episode_id", "patient_id"):
            cell = row[header.index(column)]
            assert cell.data_type == "s"
            found.setdefault(column, []).append(cell.value)
    assert sorted(found["episode_id"]) == sorted(found["patient_id"]) == sorted(INJECTED)
    exceptions = book["Exceptions"]
    header = [c.value for c in exceptions[1]]
    bad = [row[header.index("episode_id")] for row in exceptions.iter_rows(min_row=2)
           if row[header.index("column")].value == "cluster"]
    assert [(c.value, c.data_type) for c in bad] == [(INJECTED[0] + "X", "s")]
    # no formula anywhere in the workbook's XML, and the texts as Excel reads them
    with zipfile.ZipFile(out / "statements.xlsx") as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)


def test_the_manifest_lists_the_workbook_and_identical_runs_give_identical_bytes(tmp_path, plain):
    again = run(tmp_path, PLAIN, "again")
    data = (plain / "statements.xlsx").read_bytes()
    assert data == (again / "statements.xlsx").read_bytes()
    manifest = json.loads((plain / "manifest.json").read_text())
    assert manifest["outputs"]["statements.xlsx"] == hashlib.sha256(data).hexdigest()
    assert verify(plain) == []
    with zipfile.ZipFile(plain / "statements.xlsx") as archive:
        core = archive.read("docProps/core.xml").decode()
    # a run not issued into a ledger: made on the statement month's last day, not today
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-06-30T00:00:00Z</dcterms:created>" in core


def test_a_table_longer_than_the_setting_is_left_to_its_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALPAY_XLSX_ROWS", "2")
    out = run(tmp_path, PLAIN)
    book = openpyxl.load_workbook(out / "statements.xlsx")
    lines = pl.read_csv(out / "lines.csv", infer_schema=False)
    assert book["Lines"]["A1"].value == (f"{lines.height:,} rows: more than the workbook takes (LOCALPAY_XLSX_ROWS=2); "
                                         "every row is in lines.csv.")
    assert book["Lines"].max_row == 1
    assert book["Exceptions"].max_row == 2  # one exception (cluster 99): within the limit
    assert round(book["RT2-01W"]["B7"].value * 100) == 195600  # the statements are there whatever the limit
    monkeypatch.setenv("LOCALPAY_XLSX_ROWS", "ten")
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "r.yaml"), str(tmp_path / "out.csv"), "--period", "2025-06",
                                      "--out", str(tmp_path / "other"), "--no-pdf"])
    assert result.exit_code == 2
    assert "LOCALPAY_XLSX_ROWS='ten' is not a whole number of rows from 0 (default 250,000)" in result.output


def test_a_table_longer_than_a_sheet_goes_on_across_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "SHEET_ROWS", 3)  # a header and two rows a sheet
    out = run(tmp_path, PLAIN)
    lines = pl.read_csv(out / "lines.csv", infer_schema=False)
    book = openpyxl.load_workbook(out / "statements.xlsx")
    parts = [name for name in book.sheetnames if name.startswith("Lines")]
    assert parts == ["Lines", *(f"Lines ({n})" for n in range(2, len(parts) + 1))]
    assert len(parts) == (lines.height + 1) // 2 > 1
    read = [row for name in parts for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in read] == lines["statement_id"].to_list()
    assert all([c.value for c in book[name][1]] == lines.columns for name in parts)


def test_sheet_names_are_valid_unique_and_readable():
    wanted = ["RT2-01W", "rt2-01w", "Summary", "History", "A" * 12 + "-" + "B" * 12 + "-" + "C" * 12, "[a]:b*c?d/e\\f'",
              "A" * 12 + "-" + "B" * 12 + "-" + "C" * 13, "", "Lines"]
    names = sheet_names(wanted, taken=["Summary", "Lines", "Exceptions"])
    assert names == ["RT2-01W", "rt2-01w (2)", "Summary (2)", "History (2)", "A" * 12 + "-" + "B" * 12 + "-CCCCC",
                     "_a__b_c_d_e_f_", "AAAAAAAAAAAA-BBBBBBBBBBBB-C (2)", "Statement", "Lines (2)"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=12))
def test_any_sheet_names_are_taken_by_xlsxwriter(tmp_path_factory, wanted):
    names = sheet_names(wanted, taken=["Summary"])
    assert len({n.lower() for n in names} | {"summary"}) == len(names) + 1
    assert all(0 < len(n) <= 31 and not re.search(r"[\[\]:*?/\\']", n) for n in names)
    book = xlsxwriter.Workbook(str(tmp_path_factory.mktemp("names") / "n.xlsx"))
    book.add_worksheet("Summary")
    for name in names:
        book.add_worksheet(name)  # raises on a name Excel would refuse
    book.close()


EDGES = [0, 1, -1, 5, 10, 99, 100, 12345, -12345, 2**53 // 100, MAX_AMOUNT_PENCE, -MAX_AMOUNT_PENCE,
         MAX_AMOUNT_PENCE - 1, 999_999_999_999_99]


@given(st.one_of(st.sampled_from(EDGES), st.integers(-MAX_AMOUNT_PENCE, MAX_AMOUNT_PENCE)))
def test_every_amount_within_bounds_is_an_exact_number_of_pence(pence):
    # the double pence / 100 reads back (as Excel shows it, to 15 figures) as the amount exactly
    assert abs(pence) < EXACT
    assert Decimal(repr(pence / 100)) == pence_to_decimal(pence)
    assert float(f"{pence / 100:.15g}") == pence / 100


TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    [*INJECTED, "\t=1+1", "\r=1+1", "'quoted", '"', "_x0041_", "a\x00b", "\x1b[31m", "\ufffe\uffff", "£", "12", "1e5", "0012",
     " x "])


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=8), st.lists(st.sampled_from(EDGES), min_size=1, max_size=8))
def test_text_and_money_round_trip_through_a_workbook(tmp_path_factory, texts, amounts):
    path = tmp_path_factory.mktemp("cells") / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    frame = pl.DataFrame({"note": texts})
    workbook._table(book.add_worksheet("T"), Formats(book), frame)
    rows = Rows(book.add_worksheet("M"), Formats(book))
    for pence in amounts:
        rows.pounds(0, pence)
        rows.skip()
    book.close()
    read = openpyxl.load_workbook(path)
    got = [read["T"].cell(row, 1).value for row in range(2, len(texts) + 2)]
    # Excel reads _xHHHH_ in a cell's XML as the character it escapes (openpyxl leaves it)
    unescaped = [re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), v) if v else v for v in got]
    assert unescaped == [t if t else None for t in texts]
    assert all(read["T"].cell(row, 1).data_type == "s" for row in range(2, len(texts) + 2) if got[row - 2] is not None)
    money = [c.value for c in read["M"]["A"]]
    assert [round(Decimal(repr(v)) * 100) for v in money] == amounts
    assert all(c.number_format == POUNDS for c in read["M"]["A"])


def test_a_date_excel_cannot_show_is_written_as_text(tmp_path):
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    frame = pl.DataFrame({"from_date": [dt.date(1900, 1, 1), dt.date(1900, 3, 1), dt.date(2025, 6, 1)]})
    workbook._table(book.add_worksheet("D"), Formats(book), frame)
    book.close()
    cells = openpyxl.load_workbook(path)["D"]["A"][1:]
    # before March 1900 Excel's day numbers follow its own calendar (with a 29 February 1900)
    assert [(c.value, c.data_type) for c in cells[:1]] == [("1900-01-01", "s")]
    assert [c.value for c in cells[1:]] == [dt.datetime(1900, 3, 1), dt.datetime(2025, 6, 1)]
    assert all(c.number_format == "yyyy-mm-dd" for c in cells[1:])
