"""The input side's edges: an extract of one submission month read whole, a column or mapping
named ``row``, a ``latest`` column the file lacks, Excel's month cells in a returns or
population workbook, rows whose month did not parse never duplicates of each other, sheet names
Excel quotes, a bad cell under its file's own header, the one header rule everywhere, and an
``encoding:`` or ``sheet:`` that does not fit the file's kind."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import polars as pl
import pytest

from localpay.errors import RulesetError
from localpay.inputs.budgets import check_population, read_population
from localpay.inputs.columns import ColumnMap, Source, latest_rows
from localpay.inputs.headers import tidy
from localpay.inputs.workbook import cell_name, cell_ref, sheet_ref
from localpay.lines import EXCEPTION_COLUMNS
from localpay.measures.returns import check_returns, read_returns
from localpay.ruleset.load import load_ruleset
from test_input_columns import MHS801, OWN, OWN_ASSESSMENTS, RULESET, invoke, priced, rows
from test_workbooks import Error, Serial, price_ruleset, workbook
from test_workbooks import load_ruleset as load_plain

# MHS803 of one submission month: every period once, CC4's start a bad date (a time of day)
ONE_MONTH = "\n".join(line for line in textwrap.dedent("""\
    UniqMonthID,UniqClustID,Person_ID,LocalPatientId,OrgIDProv,OrgIDComm,RespComm,AMHCareClustCodeFin,StartDateCareClust,EndDateCareClust
    1502,CC1,0012,L12,RT2,00L,00L,03,2025-06-01T00:00:00,2025-06-20 00:00:00
    1502,CC2,0013,L13,RT2,00L,00L,04,2025-06-05 00:00:00.000,
    1502,CC3,0014,L14,RT2,00L,00L,03,2024-09-01T00:00:00Z,
    1502,CC4,0015,L15,RT2,00L,00L,11,2025-06-10 14:30:00,
    """).splitlines()) + "\n"


def as_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


def episodes_file(folder, text: str, kind: str):
    """The extract as CSV, as a workbook (text cells, so codes keep their zeros) or as Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        (folder / "e.csv").write_text(text)
        return folder / "e.csv"
    if kind == "xlsx":
        return workbook(folder / "e.xlsx", {"MHS803": as_rows(text)})
    pl.read_csv(folder / "e.csv" if (folder / "e.csv").exists() else text.encode(),
                infer_schema=False).write_parquet(folder / "e.parquet")
    return folder / "e.parquet"


def run_files(folder, ruleset: str, episodes, *extra):
    (folder / "r.yaml").write_text(ruleset)
    (folder / "a.csv").write_text(MHS801)
    return invoke("run", folder / "r.yaml", episodes, "--assessments", folder / "a.csv", "--period", "2025-06",
                  "--out", folder / "out", "--no-pdf", *extra)


@pytest.fixture
def own(tmp_path):
    return priced(tmp_path / "own", RULESET, OWN, OWN_ASSESSMENTS)


# --- 1. nothing superseded --------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_an_extract_with_uniqmonthid_and_no_earlier_submission_prices_every_row(tmp_path, own, kind):
    folder = tmp_path / kind
    result = run_files(folder, RULESET, episodes_file(folder, ONE_MONTH, kind), "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()
    excepted = [(r["row"], r["episode_id"], r["reason_code"]) for r in rows(folder / "out" / "exceptions.csv")
                if r["source"] == "episodes"]
    row = "5" if kind == "xlsx" else "4"  # a workbook's rows are the sheet's own (its header is row 1)
    assert excepted == [(row, "CC4", "bad_date")]  # no superseded row, and no row made up
    summary = json.loads((folder / "out" / "manifest.json").read_text())["summary"]["episodes"]
    assert (summary["rows_read"], summary["rows_priced"], summary["rows_excepted"]) == (4, 3, 1)


def test_latest_rows_of_a_file_with_nothing_superseded_is_an_empty_frame():
    lazy = pl.LazyFrame({"row": [1, 2], "episode_id": ["A", "B"], "uniqmonthid": ["1502", "1502"]})
    found = latest_rows(ColumnMap((), "UniqMonthID"), lazy, ["episode_id", "uniqmonthid"], "episodes", {})
    assert found is not None and found.height == 0 and found.schema == pl.Schema(EXCEPTION_COLUMNS)


# --- 2. row -----------------------------------------------------------------------------------

@pytest.mark.parametrize("columns, key", [
    ("{preset: mhsds, service: row}", "inputs.episodes.columns.service"),
    ("{preset: mhsds, service: [Service, ROW]}", "inputs.episodes.columns.service"),
    ("{preset: mhsds, latest: Row}", "inputs.episodes.columns.latest"),
])
def test_a_mapping_from_a_header_named_row_is_a_ruleset_problem_at_its_key(tmp_path, plugins, columns, key):
    path = tmp_path / "r.yaml"
    path.write_text(RULESET + f"inputs:\n  episodes: {{columns: {columns}}}\n")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path, plugins.options, plugins.vocabulary, plugins.input_columns)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 20, key)
    assert "cannot be mapped: localpay numbers each file's rows in a column named row" in problem.message
    result = invoke("validate", path)
    assert result.exit_code == 2 and "cannot be mapped" in result.output


@pytest.mark.parametrize("kind, header", [("csv", "Row"), ("csv", "row"), ("xlsx", " ROW ")])
def test_a_file_with_its_own_column_named_row_is_refused_naming_it(tmp_path, kind, header):
    folder = tmp_path / "f"
    text = OWN.replace("\n", f",{header}\n", 1).replace(",\n", ",,x\n").replace("0,\n", "0,x\n")
    lines = [line + ("" if i == 0 else ",x") for i, line in enumerate(OWN.splitlines())]
    lines[0] += f",{header}"
    text = "\n".join(lines) + "\n"
    episodes = episodes_file(folder, text, kind)
    result = run_files(folder, RULESET, episodes)
    assert result.exit_code == 2
    assert (f"has a column {header.strip()!r}: localpay numbers the rows of a file in a column named row (any case), "
            "which this one would hide; rename it in the file") in result.output


# --- 3. latest --------------------------------------------------------------------------------

def test_a_latest_column_the_ruleset_names_and_the_file_lacks_stops_the_run(tmp_path):
    folder = tmp_path / "typo"
    ruleset = RULESET + "inputs:\n  episodes: {columns: {preset: mhsds, latest: SubmisionMonth}}\n"
    result = run_files(folder, ruleset, episodes_file(folder, ONE_MONTH, "csv"))
    assert result.exit_code == 2
    assert f"episodes file '{folder / 'e.csv'}' has no column SubmisionMonth for latest (found: UniqMonthID, " \
           "UniqClustID, Person_ID" in result.output
    assert "the mapping is the mhsds preset, given at" in result.output and "[inputs.episodes.columns]" in result.output
    assert not (folder / "out").exists()


def test_the_presets_own_uniqmonthid_is_used_only_when_the_file_has_it(tmp_path, own):
    folder = tmp_path / "nomonth"
    without = "\n".join(line.split(",", 1)[1] for line in ONE_MONTH.splitlines()) + "\n"
    result = run_files(folder, RULESET, episodes_file(folder, without, "csv"), "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()


# --- 4. Excel's months; rows whose month did not parse ----------------------------------------

def test_a_returns_workbooks_date_cells_on_the_first_of_a_month_read_as_that_month(tmp_path):
    book = workbook(tmp_path / "returns.xlsx", {"returns": [
        ["measure", "period", "numerator", "denominator"],
        ["moving-on", dt.date(2025, 4, 1), 5, 10],          # Excel's 2025-04, stored as 1 April
        ["moving-on", dt.date(2025, 6, 15), 6, 10],         # a day, not a month: refused, quoted
        ["moving-on", "2025-05", 7, 10],                    # text as a CSV has it
        ["employment", dt.datetime(2025, 6, 1, 9, 30), 1, 2],  # a time of day: not a month
    ]})
    usable, exceptions = check_returns(read_returns(book), ["RT2"])
    assert usable.select("measure", "period", "numerator").rows() == [("moving-on", "2025-04", 5),
                                                                      ("moving-on", "2025-05", 7)]
    assert exceptions.select("row", "reason_code", "value").rows() == [
        (3, "bad_period", "2025-06-15"), (5, "bad_period", "2025-06-01 09:30:00")]


def test_a_population_workbooks_month_cells_read_as_the_csv_text_does(tmp_path):
    (tmp_path / "p.csv").write_text("commissioner,period,population\n01W,2025-04,1000\n01W,2025-06,1001\n")
    book = workbook(tmp_path / "p.xlsx", {"population": [["commissioner", "period", "population"],
                                                          ["01W", dt.date(2025, 4, 1), 1000],
                                                          ["01W", dt.date(2025, 6, 1), 1001]]})
    from_csv, from_book = (check_population(read_population(p), ["01W"]) for p in (tmp_path / "p.csv", book))
    # the same rows; a workbook's are numbered as the sheet's (its header is row 1)
    assert from_book[0].drop("row").equals(from_csv[0].drop("row")) and from_book[1].height == from_csv[1].height == 0
    assert from_book[0]["period"].to_list() == ["2025-04", "2025-06"]


def test_returns_whose_month_did_not_parse_are_never_duplicates_of_each_other(tmp_path):
    (tmp_path / "r.csv").write_text("measure,period,numerator,denominator\n"
                                    "moving-on,2025-04-01,1,2\n"   # row 1: a date, not a month
                                    "moving-on,2025-05-01,1,2\n"   # row 2: the same mistake, another month
                                    "moving-on,2025-06,x,2\n"      # row 3: a bad number
                                    "moving-on,2025-06,3,4\n"      # row 4: used (row 3 is not)
                                    "moving-on,2025-06,5,6\n")     # row 5: repeats row 4
    usable, exceptions = check_returns(read_returns(tmp_path / "r.csv"), ["RT2"])
    assert usable.select("period", "numerator").rows() == [("2025-06", 3)]
    assert exceptions.sort("row").select("row", "reason_code", "reason").rows() == [
        (1, "bad_period", "expected a month written YYYY-MM, found '2025-04-01'"),
        (2, "bad_period", "expected a month written YYYY-MM, found '2025-05-01'"),
        (3, "bad_number", "expected a whole number, found 'x'"),
        (5, "duplicate_return", "a second return for moving-on in 2025-06; the first, on row 4, is used"),
    ]


def test_populations_whose_month_did_not_parse_are_never_duplicates_of_each_other(tmp_path):
    (tmp_path / "p.csv").write_text("commissioner,period,population\n01W,2025-04-01,10\n01W,2025-05-01,10\n"
                                    "01W,2025-06,-1\n01W,2025-06,20\n01W,2025-06,30\n")
    usable, exceptions = check_population(read_population(tmp_path / "p.csv"), ["01W"])
    assert usable.select("period", "population").rows() == [("2025-06", 20)]
    assert exceptions.sort("row").select("row", "reason_code").rows() == [
        (1, "bad_period"), (2, "bad_period"), (3, "bad_number"), (5, "duplicate_population")]
    assert exceptions.filter(pl.col("row") == 5)["reason"].item() == (
        "a second population for 01W in 2025-06; the first, on row 4, is used")


# --- 5. sheet names Excel quotes --------------------------------------------------------------

@pytest.mark.parametrize("sheet, expected", [
    ("Episodes", "Episodes!F3"), ("Ep!sodes", "'Ep!sodes'!F3"), ("Tom's", "'Tom''s'!F3"),
    ("2025-26", "'2025-26'!F3"), ("a!b'!c", "'a!b''!c'!F3"), ("my_sheet", "my_sheet!F3")])
def test_a_cell_is_named_with_its_sheet_quoted_as_excel_writes_it(sheet, expected):
    assert cell_name(sheet, 6, 3) == expected == f"{sheet_ref(sheet)}!{cell_ref(6, 3)}"


def test_a_price_table_sheet_named_with_a_bang_is_quoted_in_its_errors(tmp_path):
    rows_ = [["effective_from", "cluster", "price"], ["2025-04-01", 1, 3.1], ["2025-04-01", 11, -9.85],
             ["2025-04-01", 12, Error("#N/A")]]
    workbook(tmp_path / "prices.xlsx", {"Prices!2025": rows_})
    with pytest.raises(RulesetError) as error:
        load_plain(price_ruleset(tmp_path, "{file: prices.xlsx}"))
    assert "line 4: cell 'Prices!2025'!C4: holds the error #N/A" in str(error.value)
    workbook(tmp_path / "prices.xlsx", {"Prices!2025": rows_[:3]})
    with pytest.raises(RulesetError) as error:
        load_plain(price_ruleset(tmp_path, "{file: prices.xlsx}"))
    assert "prices.xlsx, cell 'Prices!2025'!C3, line 3" in str(error.value) and "sheet Prices" not in str(error.value)


def test_an_input_sheet_named_with_a_bang_names_its_cells_quoted(tmp_path):
    header, *data = as_rows(ONE_MONTH)
    folder = tmp_path / "bang"
    folder.mkdir()
    data[1][9] = "not a date"
    book = workbook(folder / "e.xlsx", {"Ep!sodes": [header, *data]})
    result = run_files(folder, RULESET, book, "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    reasons = {r["row"]: r["reason"] for r in rows(folder / "out" / "exceptions.csv") if r["source"] == "episodes"}
    assert reasons["3"].endswith("found 'not a date' (cell 'Ep!sodes'!J3)")
    assert reasons["5"].endswith("(cell 'Ep!sodes'!I5)")


# --- 6. a bad cell under its file's header ----------------------------------------------------

def test_a_bad_cell_in_a_mapped_column_is_reported_under_the_files_header(tmp_path):
    header, *data = as_rows(ONE_MONTH)
    folder = tmp_path / "na"
    folder.mkdir()
    data[1][9] = Error("#N/A")  # CC2's EndDateCareClust, sheet row 3, column J
    result = run_files(folder, RULESET, workbook(folder / "e.xlsx", {"MHS803": [header, *data]}), "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    [entry] = [r for r in rows(folder / "out" / "exceptions.csv") if r["source"] == "episodes" and r["row"] == "3"]
    assert (entry["column"], entry["reason_code"], entry["value"]) == ("EndDateCareClust", "bad_cell", "#N/A")
    assert entry["reason"] == "cell MHS803!J3 (EndDateCareClust) holds the error #N/A; the row is not read"


# --- 7. one header rule; encoding and sheet fit the file --------------------------------------

@pytest.mark.parametrize("header", ["\ufeffEpisode_ID ", " EPISODE_ID", "episode_id\t"])
def test_headers_are_tidied_by_one_rule(header):
    assert tidy(header) == "episode_id"


def test_a_header_repeated_once_tidied_is_refused_in_a_csv_with_a_byte_order_mark(tmp_path):
    folder = tmp_path / "bom"
    folder.mkdir()
    text = OWN.replace("episode_id,", "\ufeffepisode_id,", 1).replace("end_date\n", "end_date, Episode_ID \n", 1)
    (folder / "e.csv").write_bytes(text.encode())
    result = run_files(folder, RULESET, folder / "e.csv")
    assert result.exit_code == 2 and "has repeated columns: episode_id" in result.output


@pytest.mark.parametrize("kind, block, words", [
    ("xlsx", "encoding: cp1252", "is an .xlsx workbook, which holds its own text encoding, but the ruleset's inputs: "
                                 "{episodes: {encoding: cp1252}} names one; encoding: is for a CSV file"),
    ("parquet", "encoding: cp1252", "is a Parquet file, which holds its own text encoding, but the ruleset's inputs: "
                                    "{episodes: {encoding: cp1252}} names one"),
    ("csv", "sheet: MHS803", "is a CSV file, which has no sheets, but the ruleset's inputs: {episodes: {sheet: MHS803}} "
                             "names one; sheet: is for an .xlsx workbook"),
    ("parquet", "sheet: MHS803", "is a Parquet file, which has no sheets"),
])
def test_an_encoding_or_sheet_that_does_not_fit_the_files_kind_stops_the_run(tmp_path, kind, block, words):
    folder = tmp_path / kind
    episodes = episodes_file(folder, ONE_MONTH, kind)
    result = run_files(folder, RULESET + f"inputs:\n  episodes: {{columns: mhsds, {block}}}\n", episodes)
    assert result.exit_code == 2
    assert f"episodes file '{episodes}' {words}" in result.output
    assert not (folder / "out").exists()


def test_a_sheet_named_for_a_workbook_and_an_encoding_for_a_csv_still_read(tmp_path, own):
    folder = tmp_path / "fit"
    book = episodes_file(folder, ONE_MONTH, "xlsx")
    blocks = "inputs:\n  episodes: {columns: mhsds, sheet: MHS803}\n  assessments: {columns: mhsds, encoding: cp1252}\n"
    result = run_files(folder, RULESET + blocks, book)
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()


# --- the date columns of a mapping ------------------------------------------------------------

def test_a_mapped_date_column_holding_a_bare_serial_number_reads_as_its_date(tmp_path, own):
    header, *data = as_rows(ONE_MONTH)
    data[0][8] = Serial(45809)  # 2025-06-01 with its date format lost
    folder = tmp_path / "serial"
    folder.mkdir()
    result = run_files(folder, RULESET, workbook(folder / "e.xlsx", {"MHS803": [header, *data]}), "--columns", "mhsds")
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "lines.csv").read_bytes() == (own / "lines.csv").read_bytes()
