"""Input files as they arrive: any line endings, an encoding that is declared or an error naming
the line and the byte, and a malformed record a bad row with its line while the rest of the file
is read. Nothing is read as empty in silence and no row is lost: the rows read are the records
the file holds."""

import csv
import io

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from conftest import ASSESSMENTS_HEADER, CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay.errors import InputError
from localpay.inputs import csvfile
from localpay.inputs.read import read_input
from localpay.inputs.reading import ReadOptions, malformed_rows, reading
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.ruleset.load import load_ruleset

PHB = """\
- id: budgets
  option: phb
  provider: RT2
  commissioner: 01W
  allocation: {item_weights: {1: 1}, price_per_point: 100.00, moderation: 25%}
"""
RULES = ruleset_text(CLUSTER_PER_DAY + PHB, "overdue_review: suspend")
EPISODES = [
    "E1,P1,RT2,01W,3,2025-05-20,2025-06-11,,",
    "E2,P2,RT2,01W,1,2025-06-01,,,",
    "E3,JOSÉ-1,RT2,01W,3,2025-05-01,,,",
    "E4,JOSÈ-1,RT2,01W,3,2025-06-01,,,",
]
ASSESSMENTS = ["P1,RT2,2025-05-20,MHCT,3,", "P2,RT2,2025-06-01,MHCT,1,", "P1,RT2,2025-04-01,HoNOS,,12"]
BUDGETS_HEADER = "patient_id,start_date,end_date,type,agreed_annual_amount,spent_to_date,commissioner,last_review"
BUDGETS = ["P1,2025-04-01,,direct_payment,1200.00,100.00,01W,", "P2,2025-05-01,,notional,800.00,0.00,01W,"]


@pytest.fixture
def ruleset(tmp_path, plugins):
    (tmp_path / "r.yaml").write_text(RULES)
    return load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)


def write(path, header, rows, ending="\n", encoding="utf-8", bom=False):
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ending.join([header, *rows, ""]).encode(encoding))
    return path


def priced(ruleset, plugins, folder, ending="\n", encoding="utf-8", episodes=EPISODES, bom=False, declared=None):
    folder.mkdir(exist_ok=True)
    inputs = Inputs(write(folder / "e.csv", HEADER, episodes, ending, encoding, bom),
                    write(folder / "a.csv", ASSESSMENTS_HEADER, ASSESSMENTS, ending, encoding, bom),
                    {"budgets": write(folder / "b.csv", BUDGETS_HEADER, BUDGETS, ending, encoding, bom)},
                    encoding=declared or encoding)
    return run(ruleset, plugins, inputs, Month(2025, 6), Month(2025, 4))


@pytest.mark.parametrize("ending,bom", [("\r\n", False), ("\r", False), ("\r", True), ("\n", True)])
def test_cr_lf_and_crlf_files_read_the_same(ruleset, plugins, tmp_path, ending, bom):
    lf = priced(ruleset, plugins, tmp_path / "lf")
    other = priced(ruleset, plugins, tmp_path / "other", ending, bom=bom)
    assert other.lines.equals(lf.lines)
    assert other.exceptions.equals(lf.exceptions)
    counts = {k: other.summary[k]["rows_read"] for k in ("episodes", "assessments", "budgets")}
    assert counts == {"episodes": 4, "assessments": 3, "budgets": 2}
    assert other.summary == lf.summary
    # E1 20 May to 10 June, cluster 3 at 7.80: 12 days in May (93.60) and 10 in June (78.00)
    e1 = other.lines.filter(pl.col("episode_id") == "E1").sort("period").select("period", "quantity", "amount")
    assert e1.rows() == [("2025-05", 12, 9360), ("2025-06", 10, 7800)]


def test_a_file_not_valid_in_its_encoding_is_an_error_naming_the_line_and_the_byte(ruleset, plugins, tmp_path):
    with pytest.raises(InputError) as raised:
        priced(ruleset, plugins, tmp_path, encoding="latin-1", declared="utf-8")
    path = tmp_path / "e.csv"
    # line 4 is E3's; "E3,JOS" is 6 characters, so the É is column 7; the header and two rows before
    offset = len(HEADER) + 1 + len(EPISODES[0]) + 1 + len(EPISODES[1]) + 1 + len("E3,JOS")
    assert str(raised.value) == (
        f"episodes file {str(path)!r} is not valid UTF-8: line 4, column 7 has the byte 0xC9 (byte offset {offset} "
        "from the start of the file); if the file is written in another encoding, name it with --encoding (for "
        "example --encoding latin-1 or --encoding cp1252)")


def test_with_its_encoding_declared_a_latin_1_file_keeps_its_ids_apart(ruleset, plugins, tmp_path):
    result = priced(ruleset, plugins, tmp_path, encoding="latin-1")
    utf8 = priced(ruleset, plugins, tmp_path / "utf8")
    assert result.lines.equals(utf8.lines)
    people = result.lines.filter(pl.col("episode_id").is_in(["E3", "E4"])).group_by("patient_id").agg(
        pl.col("amount").sum()).sort("patient_id").rows()
    # JOSÉ-1 from 1 May: 31 + 30 days x 7.80 = 475.80; JOSÈ-1 in June: 30 x 7.80 = 234.00, no overlap
    assert people == [("JOSÈ-1", 23400), ("JOSÉ-1", 47580)]
    assert result.exceptions.filter(pl.col("reason_code") == "overlap").is_empty()


def test_a_byte_a_declared_encoding_does_not_define_is_an_error(ruleset, plugins, tmp_path):
    path = write(tmp_path / "e.csv", HEADER, ["E1,P\x811,RT2,01W,3,2025-06-01,,,"], encoding="latin-1")
    with pytest.raises(InputError, match=r"is not valid cp1252: line 2, column 5 has the byte 0x81 \(byte offset "
                                         rf"{len(HEADER) + 5}"):
        run(ruleset, plugins, Inputs(path, encoding="cp1252"), Month(2025, 6))


def test_utf_16_declared_reads_the_same(ruleset, plugins, tmp_path):
    assert priced(ruleset, plugins, tmp_path / "a", encoding="utf-16").lines.equals(
        priced(ruleset, plugins, tmp_path / "b").lines)


def test_an_unknown_encoding_is_refused(ruleset, plugins, tmp_path):
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        priced(ruleset, plugins, tmp_path, declared="klingon")


BAD = [
    ("E9,P9,RT2,01W,3,2025-06-01,,,,EXTRA", "10 values where the header has 9 columns"),
    ("E9,P9,RT2,01W,3,2025-06-01,,", "8 values where the header has 9 columns"),
    ("E9,P9,RT2,01W,3,2025-06-01,community,CMHT", "8 values where the header has 9 columns"),
    ('E9,P"9,RT2,01W,3,2025-06-01,,,', "value 2 has a quote inside it but does not start with one"),
    ('E9,"P9,RT2,01W,3,2025-06-01,,,', "the quote that opens value 2 is not closed"),
    ('E9,"P"9,RT2,01W,3,2025-06-01,,,', "value 2 has text after its closing quote"),
]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("line,reason", BAD)
def test_a_malformed_record_is_a_bad_row_and_the_rest_is_read(ruleset, plugins, tmp_path, line, reason, ending):
    result = priced(ruleset, plugins, tmp_path / "bad", ending, episodes=[*EPISODES[:2], line, *EPISODES[2:]])
    good = priced(ruleset, plugins, tmp_path / "good")
    bad = result.exceptions.filter(pl.col("source") == "episodes")
    assert bad.select("row", "value", "reason_code", "reason", "action").rows() == [
        (3, line, "malformed_row", f"line 4: {reason}; the row is not read", "excluded")]
    assert result.lines.equals(good.lines)
    summary = result.summary["episodes"]
    assert (summary["rows_read"], summary["rows_priced"], summary["rows_excepted"]) == (5, 4, 1)


def test_lines_are_counted_past_a_value_over_several_lines(ruleset, plugins, tmp_path):
    """A quoted value may run over lines: its record is one row, and a later bad row is named by
    its own line."""
    header = HEADER + ",notes"
    rows = ['E1,P1,RT2,01W,3,2025-05-20,2025-06-11,,,"one\ntwo, three\n""four"""', "E2,P2,RT2,01W,1,2025-06-01,,,,x",
            "E5,P5,RT2,01W,1,2025-06-01,,,", "E3,P3,RT2,01W,3,2025-05-01,,,,", "", "   ", "E4,P4,RT2,01W,3,2025-06-01,,,,"]
    folder = tmp_path / "f"
    folder.mkdir()
    result = run(ruleset, plugins, Inputs(write(folder / "e.csv", header, rows)), Month(2025, 6))
    got = result.exceptions.filter(pl.col("source") == "episodes").select("row", "reason_code", "reason").rows()
    blank = [(row, "missing_value", f"{column} is empty; a value is required") for row in (5, 6)
             for column in ("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date")]
    # E1's record runs over lines 2 to 4, so E5's row 3 is line 6; the blank line and the line of
    # spaces are rows 5 and 6, of blank values
    assert sorted(got) == sorted([(3, "malformed_row", "line 6: 9 values where the header has 10 columns; the row is "
                                                       "not read"), *blank])
    assert result.parsed.filter(pl.col("episode_id") == "E1")["notes"].item() == 'one\ntwo, three\n"four"'
    assert sorted(result.lines["episode_id"].unique()) == ["E1", "E2", "E3", "E4"]
    assert result.summary["episodes"]["rows_read"] == 7


def test_a_header_that_cannot_be_read_is_an_error(ruleset, plugins, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('episode_id,"patient_id\nE1,P1\n')
    with pytest.raises(InputError, match=r"the header \(line 1\) cannot be read: the quote that opens value 2 is not "
                                         "closed"):
        run(ruleset, plugins, Inputs(path), Month(2025, 6))
    path.write_text("")
    with pytest.raises(InputError, match="has no header: its first line should name the columns"):
        run(ruleset, plugins, Inputs(path), Month(2025, 6))


def test_rows_the_reader_did_not_produce_stop_the_read(ruleset, plugins, tmp_path, monkeypatch):
    counted = csvfile._plain_records
    monkeypatch.setattr(csvfile, "_plain_records", lambda *args: counted(*args) + 1)
    path = write(tmp_path / "e.csv", HEADER, EPISODES)
    with pytest.raises(InputError, match=r"holds 5 records but 4 were read; nothing was computed from it"):
        run(ruleset, plugins, Inputs(path), Month(2025, 6))


def test_read_input_outside_a_run_names_the_malformed_rows(tmp_path):
    path = write(tmp_path / "t.csv", "a,b", ["1,2", "3", "4,5", '6,"7'])
    with pytest.raises(InputError) as raised:
        read_input(path, "caseloads", ("a", "b"), ())
    assert str(raised.value) == (f"caseloads file {str(path)!r} has rows that cannot be read: row 2 (line 3): 1 values "
                                 "where the header has 2 columns; row 4 (line 5): the quote that opens value 2 is "
                                 "not closed")
    with malformed_rows() as found:
        frame = read_input(path, "caseloads", ("a", "b"), ())
    assert frame.select("row", "a", "b").rows() == [(1, "1", "2"), (3, "4", "5")]
    assert pl.concat(found).select("source", "row", "value").rows() == [("caseloads", 2, "3"), ("caseloads", 4, '6,"7')]


def test_parquet_is_read_as_before(ruleset, plugins, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    csv_path = write(folder / "e.csv", HEADER, EPISODES)
    pl.read_csv(csv_path, infer_schema=False).write_parquet(folder / "e.parquet")
    assert run(ruleset, plugins, Inputs(folder / "e.parquet"), Month(2025, 6)).lines.equals(
        run(ruleset, plugins, Inputs(csv_path), Month(2025, 6)).lines)


VALUES = st.text(alphabet=st.sampled_from('aZ0,"\'| \t\n\ré€\x01=+-@;'), max_size=8)
ROWS = st.lists(st.one_of(
    st.tuples(st.just("good"), st.lists(VALUES, min_size=3, max_size=3)),
    st.tuples(st.sampled_from(["short", "long", "stray"]), st.lists(VALUES, min_size=3, max_size=3)),
), max_size=12)


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


@settings(max_examples=150, deadline=None)
@given(ROWS, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_every_record_is_read_as_written_or_reported_by_its_row(tmp_path_factory, rows, ending, bom):
    """Random values (quotes, commas, line breaks, control characters, spreadsheet formula signs)
    in good and malformed records, in any line endings: each good record reads back as written
    (trimmed, blank as null), under its own row number; each malformed one is reported by row."""
    if ending == "\r":  # a file of CR line endings cannot carry a line break inside a value
        rows = [(kind, [v.replace("\r", "").replace("\n", "") for v in values]) for kind, values in rows]
    lines, expected, bad = [], [], []
    for number, (kind, values) in enumerate(rows, 1):
        cells = [_cell(v) for v in values]
        if kind == "good":
            lines.append(",".join(cells))
            expected.append((number, *[v.strip(" \t\r\n") or None for v in values]))
            continue
        bad.append(number)
        # a malformed record is delimited by its line: no line break in its values
        cells = [_cell(v.replace("\r", "").replace("\n", "")) for v in values]
        if kind == "short":
            lines.append(",".join(cells[:2]))
        elif kind == "long":
            lines.append(",".join([*cells, "x"]))
        else:
            lines.append(",".join([cells[0], 'x"y', cells[2]]))
    path = tmp_path_factory.mktemp("p") / "t.csv"
    write(path, "a,b,c", lines, ending, bom=bom)
    with reading(ReadOptions()), malformed_rows() as found:
        frame = read_input(path, "t", ("a", "b", "c"), ())
    assert frame.select("row", "a", "b", "c").rows() == expected
    reported = pl.concat(found)["row"].to_list() if found else []
    assert reported == bad


def test_the_byte_pass_agrees_with_a_csv_reader_on_plain_files(tmp_path):
    """The fast pass counts what Python's csv module reads from the same plain file."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["a", "b", "c"])
    for i in range(5000):
        writer.writerow([f"v{i}", "x,y" if i % 7 == 0 else "", 'say "hi"' if i % 11 == 0 else str(i)])
    path = tmp_path / "t.csv"
    path.write_text(text.getvalue(), newline="")
    found = csvfile.layout(path, "t", "utf-8", tmp_path)
    assert (found.path, found.records, found.numbered) == (path, 5000, False)
    assert found.records == len(list(csv.reader(io.StringIO(text.getvalue())))) - 1


def test_malformed_assessments_and_budgets_are_bad_rows_of_their_own_file(ruleset, plugins, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    inputs = Inputs(write(folder / "e.csv", HEADER, EPISODES),
                    write(folder / "a.csv", ASSESSMENTS_HEADER, [ASSESSMENTS[0], "P2,RT2,2025-06-01,MHCT,1,,9",
                                                                 *ASSESSMENTS[1:]]),
                    {"budgets": write(folder / "b.csv", BUDGETS_HEADER, [BUDGETS[0], 'P3,"2025-05-01,,notional',
                                                                         BUDGETS[1]], "\r")})
    result = run(ruleset, plugins, inputs, Month(2025, 6), Month(2025, 4))
    bad = result.exceptions.filter(pl.col("reason_code") == "malformed_row").select("source", "row", "value", "reason")
    assert bad.rows() == [
        ("assessments", 2, "P2,RT2,2025-06-01,MHCT,1,,9",
         "line 3: 7 values where the header has 6 columns; the row is not read"),
        ("budgets", 2, 'P3,"2025-05-01,,notional', "line 3: the quote that opens value 2 is not closed; the row is not read"),
    ]
    assert result.summary["assessments"] == {"rows_read": 4, "rows_used": 3, "rows_excepted": 1}
    assert result.summary["budgets"] == {"rows_read": 3, "rows_used": 2, "rows_excepted": 1}


def test_the_command_takes_the_encoding_and_records_it(tmp_path):
    import json

    from click.testing import CliRunner

    from localpay.cli import cli

    (tmp_path / "r.yaml").write_text(RULES)
    write(tmp_path / "e.csv", HEADER, EPISODES, encoding="cp1252")
    args = ["run", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--period", "2025-06", "--out", str(tmp_path / "o")]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2
    assert "localpay: error: episodes file" in refused.output and "is not valid UTF-8: line 4, column 7" in refused.output
    done = CliRunner().invoke(cli, [*args, "--encoding", "cp1252"])
    assert done.exit_code == 0, done.output
    assert "rows read 4 = priced 4 + excepted 0" in done.output
    assert "--encoding cp1252" in " ".join(json.loads((tmp_path / "o" / "manifest.json").read_text())["command"])
    unknown = CliRunner().invoke(cli, [*args, "--encoding", "klingon"])
    assert unknown.exit_code == 2 and "localpay: error: unknown encoding 'klingon'" in unknown.output


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(VALUES.map(lambda v: v.replace("\r", "").replace("\n", "")), min_size=3, max_size=3),
                max_size=10), st.sampled_from(["\n", "\r\n"]))
def test_a_well_formed_file_takes_the_byte_pass_alone(tmp_path_factory, rows, ending):
    """Quoted or not, a file of well-formed single-line records is parsed as it is, once its
    bytes are checked, and reads back as written."""
    folder = tmp_path_factory.mktemp("w")
    path = write(folder / "t.csv", "a,b,c", [",".join(_cell(v) for v in values) for values in rows], ending)
    found = csvfile.layout(path, "t", "utf-8", folder)
    assert (found.path, found.records, found.numbered) == (path, len(rows), False)
    with malformed_rows() as bad:
        frame = read_input(path, "t", ("a", "b", "c"), ())
    assert not bad
    assert frame.select("a", "b", "c").rows() == [tuple(v.strip(" \t") or None for v in values) for values in rows]


@pytest.mark.parametrize("encoding, message", [
    ("utf-16", "cannot be read as utf-16: UTF-16 stream does not start with BOM; a UTF-16 file without a byte order "
               "mark is read with --encoding utf-16-le or --encoding utf-16-be"),
    ("punycode", "cannot be read as punycode: Invalid extended code point ','"),
])
def test_a_codec_error_that_names_no_byte_is_an_error_naming_the_file_and_encoding(tmp_path, encoding, message):
    from click.testing import CliRunner

    from localpay.cli import cli

    (tmp_path / "r.yaml").write_text(RULES)
    path = write(tmp_path / "e.csv", HEADER, EPISODES[:2])  # ASCII: no byte a codec could name
    args = ["run", str(tmp_path / "r.yaml"), str(path), "--period", "2025-06", "--out", str(tmp_path / "o"),
            "--encoding", encoding]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    assert f"localpay: error: episodes file {str(path)!r} {message}\n" in done.output


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_lone_cr_in_an_lf_or_crlf_file_ends_no_line(tmp_path, ending):
    """A CR that ends no line splits no record: in a value that is not quoted the record is a bad
    row at its own line; in a quoted value it is data; the rows and lines after keep their numbers."""
    path = tmp_path / "t.csv"
    path.write_bytes(ending.join(["episode_id,provider", "E1,P\rX,Q", "E2,P2", 'E3,"P\rY"', "E4", "E5,P5", ""])
                     .encode())
    found = csvfile.layout(path, "caseloads", "utf-8", tmp_path)
    assert (found.records, found.numbered) == (5, True)
    with malformed_rows() as bad:
        frame = read_input(path, "caseloads", ("episode_id", "provider"), ())
    assert frame.select("row", "episode_id", "provider").rows() == [(2, "E2", "P2"), (3, "E3", "P\rY"),
                                                                   (5, "E5", "P5")]
    assert pl.concat(bad).select("row", "value", "reason").rows() == [
        (1, "E1,P\rX,Q", "line 2: value 2 holds a carriage return (CR) but is not quoted; the row is not read"),
        (4, "E4", "line 5: 1 values where the header has 2 columns; the row is not read"),
    ]
