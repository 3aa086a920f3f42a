"""Every CSV localpay writes is safe to open in a spreadsheet: a cell that would start a formula
is written with a leading single quote (OWASP, CSV Injection), money stays a number, the file is
UTF-8 with a byte order mark so that Excel on Windows shows £, and localpay reads its own files
back to the values it wrote."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from conftest import HEADER, REPO, ruleset_text
from localpay.cli import cli
from localpay.cli.demo import adjusted_episode
from localpay.csvout import BOM, TRIGGERS, neutralise, read_csv, recover, write_csv
from localpay.statement.writing import Written

HOSTILE = {  # each kind of formula a cell could start, and text that must come back exactly
    "E_EQ": '=HYPERLINK("http://x","y")',
    "E_PLUS": "+SUM(1+1)",
    "E_MINUS": "-SUM(1+1)",
    "E_AT": "@SUM(1+1)",
    "E_NEG": "-12",  # an id that looks like a number is still an id: Excel would read it as -12
    "E_TEXT": 'a"b,c\nd',  # no formula: quoted, its quote doubled, read back as it was
}
NEUTRALISED = {  # exactly as each is written
    "E_EQ": '\'=HYPERLINK("http://x","y")', "E_PLUS": "'+SUM(1+1)", "E_MINUS": "'-SUM(1+1)", "E_AT": "'@SUM(1+1)",
    "E_NEG": "'-12", "E_TEXT": 'a"b,c\nd',
}
TARIFF = """\
- id: tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  clause: "{clause}"
  basis: per_day
  prices:
    2025-04-01: {{3: {price}}}
"""


def invoke(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    return result.output


def episodes(path: Path, end: str = "") -> Path:
    """One open cluster 3 period from 1 May per hostile id, the patient id the same text; one row
    whose bad cluster (a formula) goes to exceptions.csv with its value quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    for key, value in HOSTILE.items():
        writer.writerow([value, value if key != "E_TEXT" else "P£1", "RT2", "01W", "3", "2025-05-01", end, "", ""])
    writer.writerow(["BAD1", "PB", "RT2", "01W", "=1+1", "2025-05-01", "", "", ""])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    """A CSV as Python's csv module reads it (the byte order mark dropped, as Excel does)."""
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def ruleset(path: Path, clause: str = "Schedule 3A", price: str = "7.80") -> Path:
    path.write_text(ruleset_text(TARIFF.format(clause=clause, price=price)))
    return path


# --- the rule, cell by cell -------------------------------------------------------------------

@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("'=1", "''=1"),  # a quote before a formula gains one more, so reading back is exact
    ("''-1", "'''-1"),
    ("'quoted'", "'quoted'"), ("Schedule 3A", "Schedule 3A"), ("", ""), ("1-2", "1-2"), ("a=b", "a=b"),
    (" =1+1", " =1+1"),  # OWASP names the first character; a cell starting with a space is text
    ("\n=1", "\n=1"), ("£5", "£5"),
])
def test_a_cell_that_would_start_a_formula_gets_one_quote(value, written):
    assert neutralise(value) == written
    assert recover(written) == value


def test_the_six_characters_and_no_other_start_a_formula():
    starting = {c for c in map(chr, range(0x3000)) if neutralise(c) != c}
    assert starting == set(TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}
    assert {c for c in map(chr, range(0x3000)) if neutralise(c + "x") != c + "x"} == starting


CELL = st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "'", '"', ",", ";", " ", "\x00",
                                         "\x1b", "a", "1", ".", "%", "£", "é", "\u2028", "\U0001f600"]), max_size=8)
NUMBER_TEXT = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,6})?%?", fullmatch=True)  # money, or a percentage


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CELL, st.one_of(NUMBER_TEXT, CELL)), min_size=1, max_size=6))
def test_any_text_is_neutralised_iff_it_starts_a_formula_and_reads_back_exactly(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    frame = pl.DataFrame({"text": [t for t, _ in cells], "amount": [a for _, a in cells], "n": list(range(-3, len(cells) - 3))},
                         schema={"text": pl.String, "amount": pl.String, "n": pl.Int64})
    write_csv(path, frame, numbers=["amount"])
    assert path.read_bytes().startswith(BOM)
    read = rows(path)
    assert len(read) == len(cells)
    for (text, amount), row, n in zip(cells, read, frame["n"]):
        starts = re.match(r"'*[=+\-@\t\r]", text) is not None
        assert row["text"] == ("'" + text if starts else text)
        is_number = re.fullmatch(r"-?\d+(\.\d+)?%?", amount) is not None
        assert row["amount"] == (amount if is_number else neutralise(amount))
        assert row["n"] == str(n)  # a numeric column is a number, negative or not
    back = read_csv(path)
    assert back["text"].fill_null("").to_list() == [t for t, _ in cells]
    assert back["amount"].fill_null("").to_list() == [a for _, a in cells]
    assert pl.read_csv(path, infer_schema=False)["text"].fill_null("").to_list() == [r["text"] for r in read]


def test_number_columns_must_exist(tmp_path):
    with pytest.raises(ValueError, match=r"\['amount'\]"):
        write_csv(tmp_path / "t.csv", pl.DataFrame({"value": ["-1.00"]}), numbers=["amount"])
    assert not (tmp_path / "t.csv").exists()


# --- through real runs --------------------------------------------------------------------------

def test_a_run_writes_every_formula_as_text_and_money_as_numbers(tmp_path):
    out = tmp_path / "out"
    invoke("run", ruleset(tmp_path / "r.yaml", clause="\\t=1+1"), episodes(tmp_path / "e.csv"),
           "--period", "2025-06", "--out", out)
    lines = rows(out / "lines.csv")
    by_id = {r["episode_id"]: r for r in lines}
    assert sorted(by_id) == sorted(NEUTRALISED.values())
    for key, value in HOSTILE.items():
        line = by_id[NEUTRALISED[key]]
        assert line["patient_id"] == (NEUTRALISED[key] if key != "E_TEXT" else "P£1")
        assert line["clause"] == "'\t=1+1"  # the ruleset's text too: a tab then a formula
        # 30 June days of cluster 3 at £7.80 = £234.00
        assert (line["amount"], line["unit_price"], line["quantity"]) == ("234.00", "7.80", "30")
    exceptions = rows(out / "exceptions.csv")
    bad = [r for r in exceptions if r["episode_id"] == "BAD1"]
    assert [(r["column"], r["value"]) for r in bad] == [("cluster", "'=1+1")]

    # Polars reads the same cells, the byte order mark dropped; amounts are numbers
    typed = pl.read_csv(out / "lines.csv")
    assert sorted(typed["episode_id"].to_list()) == sorted(NEUTRALISED.values())
    assert typed.schema["amount"] == pl.Float64 and typed["amount"].to_list() == [234.0] * len(HOSTILE)

    # localpay's own reader has the ids back as they were in the episodes file
    assert sorted(read_csv(out / "lines.csv")["episode_id"].to_list()) == sorted(HOSTILE.values())
    assert read_csv(out / "exceptions.csv").filter(pl.col("episode_id") == "BAD1")["value"].to_list() == ["=1+1"]


def test_a_carriage_return_before_a_formula_is_neutralised(tmp_path):
    out = tmp_path / "out"
    invoke("run", ruleset(tmp_path / "r.yaml", clause="\\r=1+1"), episodes(tmp_path / "e.csv"),
           "--period", "2025-06", "--out", out)
    assert {r["clause"] for r in rows(out / "lines.csv")} == {"'\r=1+1"}
    assert b'"\'\r=1+1"' in (out / "lines.csv").read_bytes()  # quoted, so the CR stays inside its cell


def test_a_ledger_reissue_writes_negative_adjustments_as_numbers_and_ids_as_text(tmp_path):
    rules, ledger = ruleset(tmp_path / "r.yaml"), tmp_path / "ledger.db"
    invoke("run", rules, episodes(tmp_path / "may.csv"), "--period", "2025-05", "--out", tmp_path / "may",
           "--ledger", ledger, "--issued-on", "2025-06-15")
    # June's data ends every May period on 10 May: May paid 31 days x 7.80 = 241.80 each, now
    # 9 days (1 to 9 May, the end date not counted) x 7.80 = 70.20: adjusted by -171.60
    invoke("run", rules, episodes(tmp_path / "june.csv", end="2025-05-10"), "--period", "2025-06",
           "--out", tmp_path / "june", "--ledger", ledger, "--issued-on", "2025-07-15")
    adjustments = rows(tmp_path / "june" / "adjustments.csv")
    assert sorted(r["episode_id"] for r in adjustments) == sorted(NEUTRALISED.values())
    assert {(r["was"], r["now"], r["amount"]) for r in adjustments} == {("241.80", "70.20", "-171.60")}
    typed = pl.read_csv(tmp_path / "june" / "adjustments.csv")
    assert typed.schema["amount"] == pl.Float64 and typed["amount"].to_list() == [-171.60] * len(HOSTILE)

    # the demo's pointer to an adjusted episode reads the id back as it was
    first = sorted(r["episode_id"] for r in adjustments)[0]
    assert adjusted_episode(Written(tmp_path / "june", [], [], {})) == recover(first)

    invoke("ledger", "export", ledger, "--out", tmp_path / "export")
    for name in ("lines", "adjustments"):
        exported = rows(tmp_path / "export" / f"{name}.csv")
        assert set(NEUTRALISED.values()) <= {r["episode_id"] for r in exported}, name
        assert (tmp_path / "export" / f"{name}.csv").read_bytes().startswith(BOM)
    assert {r["amount"] for r in rows(tmp_path / "export" / "adjustments.csv")} == {"-171.60"}


def test_a_diff_writes_ids_as_text_and_changes_as_numbers(tmp_path):
    data = episodes(tmp_path / "e.csv")
    invoke("diff", ruleset(tmp_path / "old.yaml"), ruleset(tmp_path / "new.yaml", price="7.50"), data,
           "--period", "2025-06", "--out", tmp_path / "diff")
    changed = rows(tmp_path / "diff" / "diff-episodes.csv")
    assert sorted(r["episode_id"] for r in changed) == sorted(NEUTRALISED.values())
    # 30 June days at 7.80 = 234.00 before, at 7.50 = 225.00 after: -9.00
    assert {(r["before"], r["after"], r["change"]) for r in changed} == {("234.00", "225.00", "-9.00")}


# --- the byte order mark ------------------------------------------------------------------------

def test_every_csv_starts_with_a_byte_order_mark_and_keeps_the_pound_sign(tmp_path):
    out = tmp_path / "out"
    invoke("run", ruleset(tmp_path / "r.yaml"), episodes(tmp_path / "e.csv"), "--period", "2025-06", "--out", out)
    for path in out.glob("*.csv"):
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf", path.name
    raw = (out / "lines.csv").read_bytes()
    assert "P£1".encode("utf-8") in raw
    assert raw[3:].decode("utf-8").startswith("statement_id,")
    assert "P£1" in pl.read_csv(out / "lines.csv", infer_schema=False)["patient_id"].to_list()


def test_the_byte_order_mark_can_be_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALPAY_CSV_BOM", "0")
    out = tmp_path / "out"
    invoke("run", ruleset(tmp_path / "r.yaml"), episodes(tmp_path / "e.csv"), "--period", "2025-06", "--out", out)
    for path in out.glob("*.csv"):
        assert not path.read_bytes().startswith(BOM), path.name
    assert (out / "lines.csv").read_bytes().startswith(b"statement_id,")
    assert "'=HYPERLINK" in (out / "lines.csv").read_text(encoding="utf-8")  # still neutralised


def test_a_bad_byte_order_mark_setting_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALPAY_CSV_BOM", "yes")
    result = CliRunner().invoke(cli, ["run", str(ruleset(tmp_path / "r.yaml")), str(episodes(tmp_path / "e.csv")),
                                      "--period", "2025-06", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("localpay: error: LOCALPAY_CSV_BOM='yes' must be 1 (write a byte order mark, the default) or 0 (none)"
            in result.output)
    assert not (tmp_path / "out").exists()


def _priced(*args, **kwargs):
    raise AssertionError("priced before the setting was checked")


@pytest.mark.parametrize("command", [
    ["run", "{r}", "{e}", "--period", "2025-06", "--out", "{t}/out", "--ledger", "{t}/ledger.db"],
    ["diff", "{r}", "{r}", "{e}", "--period", "2025-06", "--out", "{t}/out"],
    ["demo", "--out", "{t}/out", "--area", "stockport", "--people", "5", "--no-pdf"],
])
def test_a_bad_byte_order_mark_setting_stops_before_any_work(tmp_path, monkeypatch, command):
    rules, data = ruleset(tmp_path / "r.yaml"), episodes(tmp_path / "e.csv")
    monkeypatch.setenv("LOCALPAY_CSV_BOM", "2")
    monkeypatch.setattr("localpay.api.run", _priced)
    monkeypatch.setattr("localpay.api.synthesise_for", _priced)
    args = [a.format(r=rules, e=data, t=tmp_path) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.output == ("localpay: error: LOCALPAY_CSV_BOM='2' must be 1 (write a byte order mark, the default) "
                             "or 0 (none)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "r.yaml"]  # no ledger, no --out, no lock


def test_a_bad_byte_order_mark_setting_stops_a_ledger_export_before_its_folder(tmp_path, monkeypatch):
    rules, ledger = ruleset(tmp_path / "r.yaml"), tmp_path / "ledger.db"
    invoke("run", rules, episodes(tmp_path / "may.csv"), "--period", "2025-05", "--out", tmp_path / "may",
           "--ledger", ledger, "--issued-on", "2025-06-15")
    monkeypatch.setenv("LOCALPAY_CSV_BOM", "true")
    result = CliRunner().invoke(cli, ["ledger", "export", str(ledger), "--out", str(tmp_path / "export")])
    assert result.exit_code == 2 and "LOCALPAY_CSV_BOM='true' must be 1" in result.output, result.output
    assert not (tmp_path / "export").exists() and not list(tmp_path.glob(".export*"))


def test_a_first_issue_that_fails_early_leaves_no_empty_ledger_file(tmp_path):
    ledger = tmp_path / "ledger.db"
    result = CliRunner().invoke(cli, ["run", str(ruleset(tmp_path / "r.yaml")), str(tmp_path / "missing.csv"),
                                      "--period", "2025-06", "--out", str(tmp_path / "out"), "--ledger", str(ledger)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"episodes file {str(tmp_path / 'missing.csv')!r} does not exist" in result.output
    assert not ledger.exists() and not (tmp_path / "out").exists()
    # the same ledger then takes a first issue as a new one
    invoke("run", ruleset(tmp_path / "r.yaml"), episodes(tmp_path / "e.csv"), "--period", "2025-06",
           "--out", tmp_path / "out", "--ledger", ledger, "--issued-on", "2025-07-15")
    assert ledger.stat().st_size > 0


# --- no CSV escapes the writer ------------------------------------------------------------------

WRITERS = re.compile(r"\.write_csv\b|\.sink_csv\b|\bcsv\.(writer|DictWriter)\b|\bfrom\s+csv\s+import\b")
NOT_OUTPUTS = {  # files that make CSV text which is never an output a person opens, each with why
    "engine/ledger/chain.py": "the issued tables as CSV bytes hashed into the ledger's chain, never a file",
    "engine/testing.py": "a ruleset test's input rows as CSV text, read back by the input reader",
    "engine/inputs/records.py": "an input file's well-formed records copied into a scratch folder for the CSV reader",
    "engine/inputs/sheetfile.py": "an input workbook's sheet copied into a scratch folder for the CSV reader",
}


def test_no_csv_is_written_but_through_the_safe_writer():
    found = {}
    for folder in ("engine", "plugins"):
        for path in sorted((REPO / folder).rglob("*.py")):
            name = path.relative_to(REPO).as_posix()
            hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                    if WRITERS.search(line.split("#")[0])]
            if hits and name != "engine/csvout.py":
                found[name] = hits
    assert set(found) == set(NOT_OUTPUTS), f"CSV written outside engine/csvout.py: {found}"


def test_a_details_tables_negative_money_and_percentages_stay_numbers(tmp_path):
    from localpay.statement.writing import details_for_csv, details_numbers

    # a measure scored below its floor: achievement -100.0%, earned -£28,800.00 (-2,880,000 pence)
    frame = pl.DataFrame({"arrangement": ["-x"], "achievement": ["-100.0%"], "earned": [-2_880_000], "note": ["@x"]})
    write_csv(tmp_path / "measures.csv", details_for_csv(frame), details_numbers(frame))
    assert rows(tmp_path / "measures.csv") == [
        {"arrangement": "'-x", "achievement": "-100.0%", "earned": "-28800.00", "note": "'@x"}]
