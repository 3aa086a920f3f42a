"""Input files and ruleset tables read from Excel workbooks: the same rows and the same money as
the same data in CSV, each cell read as the text Excel shows, and every cell or workbook that
cannot be read reported with its sheet and cell, never a traceback. Workbooks are built here
with xlsxwriter (and with openpyxl for a formula without a saved result, which xlsxwriter
always gives one)."""

from __future__ import annotations

import csv
import re
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay.cli import cli
from localpay.errors import InputError, LocalpayError, RulesetError
from localpay.inputs.budgets import check_budgets, check_population, read_budgets, read_population
from localpay.inputs.read import read_table
from localpay.inputs.reading import ReadOptions, TableOptions, malformed_rows, reading
from localpay.inputs.cells import number_text, serial_date, text_of
from localpay.inputs.workbook import WorkbookError, open_workbook
from localpay.measures.returns import read_returns
from localpay.manager import make_plugins
from localpay.ruleset.load import load_ruleset as load


class Error(str):
    """An error value cached for a formula (``#N/A``)."""


class Serial(int):
    """A date as a bare Excel serial number (its date format lost)."""


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    date, stamp = book.add_format({"num_format": "dd/mm/yyyy"}), book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, Error):
                    sheet.write_formula(r, c, "=NA()", None, str(value))
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
                elif isinstance(value, str):
                    if value:
                        sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


# --- cells as text -------------------------------------------------------------------------

def test_numbers_read_as_excel_shows_them():
    assert number_text(3.0) == "3"                      # a whole number without .0
    assert number_text(102.00000000000001) == "102"     # a formula's float noise, at 15 digits
    assert number_text(0.1 + 0.2) == "0.3"
    assert number_text(102.505) == "102.505"            # more places than money: a bad amount later
    assert number_text(1e-7) == "0.0000001"             # never an exponent
    assert number_text(-4.25) == "-4.25"
    assert number_text(1.5e20) == "150000000000000000000"
    assert text_of(True) == "TRUE" and text_of(False) == "FALSE"
    assert text_of(dt.datetime(2025, 6, 1)) == "2025-06-01"
    assert text_of(dt.datetime(2025, 6, 1, 13, 5, 0, 999_999)) == "2025-06-01 13:05:01"
    assert text_of(dt.datetime(2025, 6, 1, 23, 59, 59, 600_000)) == "2025-06-02"  # rounds to midnight


def test_serial_dates_follow_excels_1900_system():
    assert serial_date(1) == "1900-01-01"
    assert serial_date(59) == "1900-02-28"
    assert serial_date(60) == "1900-02-29"   # Excel's day that never was: read as written, a bad date
    assert serial_date(61) == "1900-03-01"
    assert serial_date(45809) == "2025-06-01"
    assert serial_date(45809.5) is None and serial_date(0) is None
    assert serial_date(0, dt.date(1904, 1, 1)) is None
    assert serial_date(1, dt.date(1904, 1, 1)) == "1904-01-02"


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_every_serial_after_the_leap_day_is_its_date(day):
    assert serial_date((day - dt.date(1899, 12, 30)).days) == day.isoformat()


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e14, max_value=1e14))
def test_a_number_reads_back_to_itself_at_15_digits(value):
    text = number_text(value)
    assert "e" not in text.lower() and not text.endswith(".")
    assert float(text) == float(f"{value:.15g}")


def test_cells_of_each_kind_read_as_text(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {"Episodes": [
        [None], ["code", "count", "when", "stamp", "flag", "share", "start_date"],
        ["00L", 3, dt.date(2025, 6, 1), dt.datetime(2025, 6, 1, 13, 5), True, 0.1 + 0.2, Serial(45809)],
        [],
        ["03", 3.0, "2025-06-01", dt.datetime(2025, 6, 1), False, 102.00000000000001, "45809"],
    ]})
    frame = read_table(path, "episodes")
    assert frame.columns == ["row", "code", "count", "when", "stamp", "flag", "share", "start_date"]
    assert frame.rows() == [
        # the sheet's own row numbers: the header is in row 2, row 4 is empty
        (3, "00L", "3", "2025-06-01", "2025-06-01 13:05:00", "TRUE", "0.3", "2025-06-01"),  # 45809: a serial date
        (5, "03", "3", "2025-06-01", "2025-06-01", "FALSE", "102", "45809"),  # text, not a number: as written
    ]


def test_merged_cells_hidden_rows_and_saved_formula_results(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["a", "b", "c"])
    sheet.merge_range(1, 0, 2, 0, "merged")          # A2:A3: the value is A2's, A3 is blank
    sheet.write_row(1, 1, ["x", "y"])
    sheet.write_row(2, 1, ["x2", "y2"])
    sheet.write_row(3, 0, ["hidden", "h", "h"])
    sheet.set_row(3, None, None, {"hidden": True})   # a hidden row is data like any other
    sheet.write_formula(4, 0, "=0.1+0.2", None, 0.30000000000000004)
    sheet.write_formula(4, 1, '="0"&"3"', None, "03")
    book.close()
    assert read_table(tmp_path / "t.xlsx", "episodes").rows() == [
        (2, "merged", "x", "y"), (3, None, "x2", "y2"), (4, "hidden", "h", "h"), (5, "0.3", "03", None)]  # formulas' saved results


def test_a_serial_number_is_a_date_only_in_a_date_column(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {"s": [["cluster", "start_date", "when"], [45809, 45809, 45809]]})
    assert read_table(path, "episodes").rows() == [(2, "45809", "2025-06-01", "45809")]
    assert read_table(path, "returns").rows() == [(2, "45809", "45809", "45809")]
    with reading(ReadOptions(tables=(("episodes", TableOptions(dates=("when",))),))):
        assert read_table(path, "episodes").rows() == [(2, "45809", "2025-06-01", "2025-06-01")]


# --- the same money as CSV ---------------------------------------------------------------

def sheet_of(path: Path, dates: set[str], serial: str | None = None, numbers: set[str] = frozenset()) -> list[list[object]]:
    """A CSV's rows for a sheet: dates as date cells (one column as serial numbers), some
    columns as numbers, the rest as text (leading zeros kept)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:  # past a byte order mark
        rows = list(csv.reader(handle))
    head, out = rows[0], [rows[0]]

    def day(value: str) -> dt.date | None:  # a bad date (written so on purpose) stays text
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            return None

    for row in rows[1:]:
        cells: list[object] = []
        for name, value in zip(head, row):
            if value and name == serial and day(value) and day(value) >= dt.date(1900, 3, 1):
                cells.append(Serial((day(value) - dt.date(1899, 12, 30)).days))
            elif value and name in dates and day(value):
                cells.append(day(value))
            elif value and name in numbers and value.lstrip("-").isdigit() and not value.startswith("0"):
                cells.append(int(value))
            else:
                cells.append(value)
        out.append(cells)
    return out


def test_episodes_and_assessments_from_workbooks_price_as_the_csv_does(tmp_path):
    episodes = tmp_path / "episodes.csv"
    assert invoke("synth", "--people", 60, "--out", episodes, "--ruleset", "stockport").exit_code == 0
    assessments = tmp_path / "episodes-assessments.csv"
    width = assessments.read_text().splitlines()[0].count(",")
    with open(assessments, "a") as handle:  # a bad date, to be named by its cell
        handle.write("P0000001,RT2,2025-13-01,HoNOS,,13" + "," * (width - 5) + "\n")
    ruleset = Path(__file__).parents[1] / "rulesets" / "stockport" / "2025-26.yaml"
    workbook(tmp_path / "e.xlsx", {"Episodes": sheet_of(episodes, {"start_date"}, "end_date")})
    workbook(tmp_path / "a.xlsx", {"Notes": [["read me"]],
                                   "assessments": sheet_of(assessments, set(), "assessment_date", {"total"})})
    csv_run = invoke("run", ruleset, episodes, "--assessments", assessments, "--period", "2025-06", "--out", tmp_path / "c")
    xlsx_run = invoke("run", ruleset, tmp_path / "e.xlsx", "--assessments", tmp_path / "a.xlsx", "--period", "2025-06",
                      "--out", tmp_path / "x")
    assert csv_run.exit_code == 0 and xlsx_run.exit_code == 0, xlsx_run.output
    lines = (tmp_path / "c" / "lines.csv").read_text()
    assert lines.count("\n") > 50 and (tmp_path / "x" / "lines.csv").read_text() == lines
    from_csv = pl.read_csv(tmp_path / "c" / "exceptions.csv", infer_schema=False)
    from_xlsx = pl.read_csv(tmp_path / "x" / "exceptions.csv", infer_schema=False)
    assert from_csv.height > 10
    # a workbook's rows are the sheet's own: the CSV's data row n is the sheet's row n + 1
    shifted = from_csv.with_columns(pl.col("row").cast(pl.Int64) + 1)
    from_xlsx = from_xlsx.with_columns(pl.col("row").cast(pl.Int64))
    # each reason names its cell: the column's letter in the header and the sheet's row
    letters = {name: chr(ord("A") + i) for i, name in enumerate(HEADER.split(","))}
    named = from_xlsx.filter(pl.col("source") == "episodes", pl.col("column").is_in(list(letters)))
    assert named.height > 10
    for entry in named.iter_rows(named=True):
        assert entry["reason"].endswith(f" (cell Episodes!{letters[entry['column']]}{entry['row']})"), str(entry)
    assessed = from_xlsx.filter(pl.col("source") == "assessments", pl.col("column").is_not_null())
    assert assessed.height > 0
    for entry in assessed.iter_rows(named=True):
        assert re.search(rf" \(cell assessments![A-Z]{{1,2}}{entry['row']}\)$", entry["reason"]), entry
    assert assessed.filter(pl.col("value") == "2025-13-01")["reason"].item().endswith("(cell assessments!C" +
                                                                                    str(assessed["row"].max()) + ")")
    from_xlsx = from_xlsx.with_columns(pl.col("reason").str.replace(r" \(cell [A-Za-z]+![A-Z]+\d+\)$", ""))
    # a reason naming other rows (a repeated episode id) names them as the sheet's rows too
    renumbered = pl.col("reason").str.replace_all(r"\d+", "N")
    assert from_xlsx.with_columns(renumbered).sort(pl.all()).rows() == shifted.with_columns(renumbered).sort(pl.all()).rows()
    plain = ~pl.col("reason").str.contains(r"rows? \d")
    assert from_xlsx.filter(plain).sort(pl.all()).rows() == shifted.filter(plain).sort(pl.all()).rows()


def test_budgets_population_and_returns_from_workbooks_read_as_the_csv_does(tmp_path):
    budgets = tmp_path / "budgets.csv"
    budgets.write_text(
        "patient_id,start_date,end_date,type,agreed_annual_amount,spent_to_date,commissioner,last_review\n"
        "P1,2025-04-01,,Direct payment,12000.5,300,01W,2025-06-30\n"
        "P2,2025-04-01,2025-03-01,notional,700,0,,\n"
        "P3,2025-04-01,,third_party,70.005,0,,\n")
    rows = sheet_of(budgets, {"start_date", "end_date"}, "last_review")
    rows[1][4] = 12000.500000000002  # a formula's float noise: read to 15 digits, £12,000.50
    rows[3][4] = 70.005              # three places: a bad amount, as in the CSV
    from_csv = check_budgets(read_budgets(budgets), ["01W"])
    from_xlsx = check_budgets(read_budgets(workbook(tmp_path / "b.xlsx", {"budgets": rows})), ["01W"])
    assert from_xlsx[0]["agreed_annual_amount"].to_list() == [1200050]  # pence
    assert from_xlsx[0].drop("row").equals(from_csv[0].drop("row"))
    assert from_xlsx[1].drop("row").equals(from_csv[1].drop("row"))
    assert from_xlsx[1]["row"].to_list() == [r + 1 for r in from_csv[1]["row"].to_list()]

    population = tmp_path / "population.csv"
    population.write_text("commissioner,period,population\n01W,2025-04,250000\n01Y,April,5\n")
    pop_xlsx = workbook(tmp_path / "p.xlsx", {"Sheet1": [["commissioner", "period", "population"],
                                                         ["01W", "2025-04", 250000], ["01Y", "April", 5]]})
    a, b = check_population(read_population(population), ["01W"]), check_population(read_population(pop_xlsx), ["01W"])
    assert a[0].drop("row").equals(b[0].drop("row")) and a[1].drop("row").equals(b[1].drop("row"))

    returns = tmp_path / "returns.csv"
    returns.write_text("measure,period,numerator,denominator,provider\nm1,2025-Q1,3,10,RT2\n")
    ret_xlsx = workbook(tmp_path / "r.xlsx", {"returns": [["measure", "period", "numerator", "denominator", "provider"],
                                                          ["m1", "2025-Q1", 3, 10.0, "RT2"]]})
    assert read_returns(ret_xlsx).drop("row").equals(read_returns(returns).drop("row"))


# --- cells and sheets that cannot be read --------------------------------------------------

def test_bad_cells_are_bad_rows_naming_the_sheet_and_cell(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"))
    head = HEADER.split(",")
    path = workbook(tmp_path / "e.xlsx", {"Episodes": [
        head,
        ["E1", "P1", "RT2", "01W", "14", dt.date(2025, 6, 1), None, None, None],
        ["E2", "P2", "RT2", "01W", "14", dt.date(2025, 6, 1), Error("#N/A"), None, None],
        ["E3", "P3", "RT2", "01W", "14", "31/06/2025", None, None, None],
        ["E4", "P4", "RT2", None, "14", dt.date(2025, 6, 1), None, None, None],
        ["E5", "P5", "RT2", "01W", "14", dt.date(2025, 6, 1), None, None, None, "stray"],
    ]})
    result = invoke("run", tmp_path / "r.yaml", path, "--period", "2025-06", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    found = pl.read_csv(tmp_path / "out" / "exceptions.csv", infer_schema=False)
    by_row = {r["row"]: r for r in found.iter_rows(named=True)}
    assert by_row["3"]["reason"] == "cell Episodes!G3 (end_date) holds the error #N/A; the row is not read"
    assert (by_row["3"]["reason_code"], by_row["3"]["column"], by_row["3"]["value"]) == ("bad_cell", "end_date", "#N/A")
    assert (by_row["4"]["reason_code"], by_row["4"]["column"], by_row["4"]["value"]) == ("bad_date", "start_date", "31/06/2025")
    assert by_row["4"]["reason"].endswith(", found '31/06/2025' (cell Episodes!F4)")
    assert (by_row["5"]["reason_code"], by_row["5"]["column"]) == ("missing_value", "commissioner")
    assert by_row["5"]["reason"].endswith(" (cell Episodes!D5)")
    assert by_row["6"]["reason"] == ("cell Episodes!J6 holds 'stray' but its column has no name in the header; "
                                     "the row is not read")
    assert "rows read 5 = priced 1 + excepted 4" in result.output


def test_a_formula_without_a_saved_result_is_named(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(["measure", "period", "numerator", "denominator"])
    sheet.append(["m1", "2025-Q1", "=1+2", 10])
    book.save(tmp_path / "r.xlsx")
    with reading(ReadOptions()), malformed_rows() as found:
        assert read_table(tmp_path / "r.xlsx", "returns").height == 0
    reason = found[0]["reason"].item()
    assert reason.startswith("cell Returns!C2 (numerator) holds a formula with no saved result")


def test_a_date_formatted_number_beyond_excels_dates_is_named(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["a", "b"])
    sheet.write_number(1, 0, 3_000_000, book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_row(2, 0, ["1", "2"])
    book.close()
    with reading(ReadOptions()), malformed_rows() as found:
        assert read_table(tmp_path / "t.xlsx", "episodes").rows() == [(3, "1", "2")]
    assert found[0]["reason"].to_list() == [
        "cell S!A2 (a) holds the number 3000000 formatted as a date, beyond the dates Excel can show; the row is not read"]


def test_the_sheet_read(tmp_path):
    one = workbook(tmp_path / "one.xlsx", {"Whatever": [["a"], ["1"]]})
    several = workbook(tmp_path / "several.xlsx", {"Notes": [["x"], ["0"]], "EPISODES": [["a"], ["2"]],
                                                   "Other": [["a"], ["3"]]})
    assert read_table(one, "episodes")["a"].to_list() == ["1"]                   # the only sheet
    assert read_table(several, "episodes")["a"].to_list() == ["2"]               # named for the table
    with reading(ReadOptions(tables=(("episodes", TableOptions(sheet="Other")),))):
        assert read_table(several, "episodes")["a"].to_list() == ["3"]           # named
    with reading(ReadOptions(tables=(("episodes", TableOptions(sheet="Missing")),))):
        with pytest.raises(InputError, match="has no sheet 'Missing'; its sheets are 'Notes', 'EPISODES', 'Other'"):
            read_table(several, "episodes")
    with pytest.raises(InputError, match=r"has 3 sheets \('Notes', 'EPISODES', 'Other'\) and none is named "
                                         r"'returns'; say which to read with inputs: \{returns: \{sheet: NAME\}\}"):
        read_table(several, "returns")


def test_headers_that_cannot_name_the_columns(tmp_path):
    blank = workbook(tmp_path / "b.xlsx", {"S": [["a", None, "c"], ["1", "2", "3"]]})
    with pytest.raises(InputError, match=r"the header \(row 1\) has no name in S!B1"):
        read_table(blank, "episodes")
    twice = workbook(tmp_path / "t.xlsx", {"S": [["a", "A ", "c"], ["1", "2", "3"]]})
    with pytest.raises(InputError, match=r"repeats column names: 'a' in S!A1, S!B1"):
        read_table(twice, "episodes")
    header_only = workbook(tmp_path / "h.xlsx", {"S": [["a", "b"]]})
    assert read_table(header_only, "episodes").height == 0
    empty = workbook(tmp_path / "e.xlsx", {"S": []})
    with pytest.raises(InputError, match="has no header"):
        read_table(empty, "episodes")


def test_hostile_and_foreign_files_are_refused_naming_the_file(tmp_path, monkeypatch):
    (tmp_path / "csv.xlsx").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"csv.xlsx' is not an .xlsx workbook \(not a zip archive"):
        read_table(tmp_path / "csv.xlsx", "episodes")
    good = workbook(tmp_path / "good.xlsx", {"S": [["a"], ["1"]]})
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="cut.xlsx' is not an .xlsx workbook"):
        read_table(tmp_path / "cut.xlsx", "episodes")
    (tmp_path / "locked.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(InputError, match="it is encrypted .saved with a password. or an Excel 97-2003"):
        read_table(tmp_path / "locked.xlsx", "episodes")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"is an Excel 97-2003 workbook \(.xls\), which localpay does not read; "
                                         r"save it as .xlsx or CSV"):
        read_table(tmp_path / "old.xls", "episodes")
    with zipfile.ZipFile(tmp_path / "notbook.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="notbook.xlsx' cannot be read as an .xlsx workbook"):
        read_table(tmp_path / "notbook.xlsx", "episodes")
    # a zip bomb: parts that unpack past the bound are refused before any is unpacked
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 3_000_000)
    monkeypatch.setenv("LOCALPAY_WORKBOOK_MAX_MB", "2")
    with pytest.raises(InputError, match=r"would unpack to 3 MB, more than a workbook may \(2 MB; "
                                         r"LOCALPAY_WORKBOOK_MAX_MB sets another bound\)"):
        read_table(tmp_path / "bomb.xlsx", "episodes")


def test_a_workbook_input_through_the_command_line_is_a_clear_error(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"))
    (tmp_path / "e.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.xlsx", "--period", "2025-06", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "e.xlsx' is not an .xlsx workbook" in result.output


# --- ruleset tables ----------------------------------------------------------------------

PRICES = [["effective_from", "cluster", "price"], ["2025-04-01", 1, 3.1], [dt.date(2025, 4, 1), 11, "9.85"],
          ["2025-10-01", "01", 3.2]]


def load_ruleset(path: Path):
    return load(path, make_plugins().options)


def price_ruleset(folder: Path, table: str) -> Path:
    arrangement = CLUSTER_PER_DAY.split("  prices:")[0] + f"  prices: {table}\n"
    text = ruleset_text(arrangement, "overdue_review: suspend")
    (folder / "r.yaml").write_text(text)
    return folder / "r.yaml"


def test_a_price_workbook_loads_as_the_csv_does(tmp_path):
    (tmp_path / "prices.csv").write_text("effective_from,cluster,price\n2025-04-01,1,3.10\n2025-04-01,11,9.85\n"
                                         "2025-10-01,01,3.20\n")
    from_csv = load_ruleset(price_ruleset(tmp_path, "{file: prices.csv}"))
    workbook(tmp_path / "prices.xlsx", {"2024-25": [["x", "y"], ["1", "2"]], "2025-26": PRICES})
    from_xlsx = load_ruleset(price_ruleset(tmp_path, "{file: prices.xlsx, sheet: 2025-26}"))
    assert from_xlsx.arrangements[0].model_dump() == from_csv.arrangements[0].model_dump()
    with pytest.raises(RulesetError) as error:
        load_ruleset(price_ruleset(tmp_path, "{file: prices.xlsx}"))
    assert ("[arrangements[0].prices]: the table file 'prices.xlsx' has 2 sheets ('2024-25', '2025-26'); "
            "say which to read with sheet: NAME beside file:") in str(error.value)


def test_a_bad_price_cell_is_named_with_its_sheet_and_cell(tmp_path):
    workbook(tmp_path / "prices.xlsx", {"2025-26": PRICES[:2] + [["2025-04-01", 11, -9.85]]})
    with pytest.raises(RulesetError) as error:
        load_ruleset(price_ruleset(tmp_path, "{file: prices.xlsx}"))
    assert "prices.xlsx, cell '2025-26'!C3, line 3" in str(error.value)
    assert "expected a number at least 0" in str(error.value) and "-9.85" in str(error.value)
    workbook(tmp_path / "prices.xlsx", {"2025-26": PRICES[:2] + [["2025-04-01", 11, Error("#REF!")]]})
    with pytest.raises(RulesetError, match="line 3: cell '2025-26'!C3: holds the error #REF!"):
        load_ruleset(price_ruleset(tmp_path, "{file: prices.xlsx}"))
    (tmp_path / "fake.xlsx").write_text("effective_from,cluster,price\n")
    with pytest.raises(RulesetError, match="the table file is not an .xlsx workbook"):
        load_ruleset(price_ruleset(tmp_path, "{file: fake.xlsx}"))


def test_a_price_csv_in_a_declared_encoding(tmp_path):
    (tmp_path / "prices.csv").write_bytes("effective_from,cluster,price (£)\n2025-04-01,1,3.10\n".encode("cp1252"))
    loaded = load_ruleset(price_ruleset(tmp_path, "{file: prices.csv, encoding: cp1252}"))
    assert loaded.arrangements[0].model_dump()["prices"]
    with pytest.raises(RulesetError) as error:
        load_ruleset(price_ruleset(tmp_path, "{file: prices.csv}"))
    said = str(error.value)
    assert "the byte 0xA3 at line 1, column 31 is not valid UTF-8 (in Latin-1 or Windows-1252 that is '£')" in said
    assert "name its encoding beside the file: {file: NAME, encoding: cp1252}" in said
    with pytest.raises(RulesetError, match="unknown encoding 'klingon'"):
        load_ruleset(price_ruleset(tmp_path, "{file: prices.csv, encoding: klingon}"))
    with pytest.raises(RulesetError, match="is not valid utf-16"):
        load_ruleset(price_ruleset(tmp_path, "{file: prices.csv, encoding: utf-16}"))
    with pytest.raises(RulesetError, match="sheet applies to a workbook only"):
        load_ruleset(price_ruleset(tmp_path, "{file: prices.csv, sheet: S}"))


@pytest.mark.parametrize("setting", ["x", "0", "-5", "1000001"])
def test_a_bad_workbook_size_bound_is_told_as_the_setting_not_as_the_file(tmp_path, monkeypatch, setting):
    path = tmp_path / "w.xlsx"
    workbook(path, {"episodes": [["episode_id"], ["E1"]]})
    monkeypatch.setenv("LOCALPAY_WORKBOOK_MAX_MB", setting)
    with pytest.raises(LocalpayError) as raised:
        open_workbook(path)
    assert not isinstance(raised.value, WorkbookError)  # a setting's mistake, not the workbook's
    assert str(raised.value) == (f"LOCALPAY_WORKBOOK_MAX_MB is {setting!r}; expected a number of megabytes above 0 "
                                 "and at most 1,000,000")
