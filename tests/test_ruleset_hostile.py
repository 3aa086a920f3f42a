"""Hostile rulesets: files named outside the ruleset's folder, YAML that expands or nests without
end, bytes that are not UTF-8, tags that would construct objects, numbers past what arithmetic
holds. Each is refused with its file, line and key, and nothing is read from outside the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from localpay.cli import cli
from localpay.errors import Problem, RulesetError
from localpay.manager import make_plugins
from localpay.ruleset.files import line_and_column
from localpay.ruleset.load import load_ruleset
from localpay.ruleset.source import MAX_ALIAS_VALUES, MAX_DEPTH

MINIMAL = (Path(__file__).parent / "rulesets" / "good" / "minimal.yaml").read_text()
PRICES = """    prices:
      2025-04-01:
        1: 3.10
        3: 7.80
        11: 9.85
      2025-10-01: {1: 3.20}
"""
CSV = "effective_from,cluster,price\n2025-04-01,1,3.10\n2025-04-01,3,7.80\n2025-04-01,11,9.85\n2025-10-01,1,3.20\n"


@pytest.fixture(scope="module")
def options():
    return make_plugins().options


def table_ruleset(name: str) -> str:
    return MINIMAL.replace(PRICES, f"    prices: {{file: '{name}'}}\n")


def problems(path: Path, options) -> list[Problem]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path, options)
    return caught.value.problems


def only(path: Path, options) -> Problem:
    found = problems(path, options)
    assert len(found) == 1, found
    return found[0]


def write(folder: Path, text: str | bytes, name: str = "ruleset.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# --- files a ruleset names --------------------------------------------------------------------

def test_a_table_inside_the_folder_is_read(tmp_path, options):
    write(tmp_path / "rs", CSV, "tables/prices.csv")
    ruleset = load_ruleset(write(tmp_path / "rs", table_ruleset("tables/prices.csv")), options)
    prices = ruleset.arrangements[0].price_schedule()
    assert [str(price) for _, price in prices[1]] == ["3.10", "3.20"]


@pytest.mark.parametrize("name", ["../outside.csv", "tables/../../outside.csv", "./../rs/../outside.csv"])
def test_a_table_named_outside_the_folder_is_refused(tmp_path, options, name):
    write(tmp_path, CSV, "outside.csv")
    (tmp_path / "rs" / "tables").mkdir(parents=True)
    problem = only(write(tmp_path / "rs", table_ruleset(name)), options)
    assert (problem.line, problem.key) == (20, "arrangements[0].prices")
    assert problem.file == str(tmp_path / "rs" / "ruleset.yaml")
    assert f"the file {name!r} leads outside the ruleset's folder" in problem.message
    assert str(tmp_path / "outside.csv") in problem.message


@pytest.mark.parametrize("name", ["/etc/passwd", "/dev/zero", "C:\\prices.csv", "\\\\server\\share\\prices.csv"])
def test_an_absolute_table_path_is_refused_unread(tmp_path, options, name):
    problem = only(write(tmp_path, table_ruleset(name)), options)
    assert (problem.line, problem.key) == (20, "arrangements[0].prices")
    assert "is an absolute path; name a file inside the ruleset's folder" in problem.message


def test_a_link_out_of_the_folder_is_refused(tmp_path, options):
    outside = write(tmp_path, CSV, "outside.csv")
    (tmp_path / "rs").mkdir()
    (tmp_path / "rs" / "prices.csv").symlink_to(outside)
    (tmp_path / "rs" / "linked").symlink_to(tmp_path)
    for name in ("prices.csv", "linked/outside.csv"):
        problem = only(write(tmp_path / "rs", table_ruleset(name)), options)
        assert f"the file {name!r} leads through a link outside the ruleset's folder" in problem.message
        assert str(outside) in problem.message


def test_a_link_within_the_folder_is_followed(tmp_path, options):
    write(tmp_path / "rs", CSV, "2025/prices.csv")
    (tmp_path / "rs" / "prices.csv").symlink_to("2025/prices.csv")
    assert load_ruleset(write(tmp_path / "rs", table_ruleset("prices.csv")), options).arrangements[0].id == "cluster-tariff"


def test_a_loop_of_links_and_a_folder_are_not_table_files(tmp_path, options):
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    (tmp_path / "tables").mkdir()
    assert "cannot be found" in only(write(tmp_path, table_ruleset("a.csv")), options).message
    assert only(write(tmp_path, table_ruleset("tables")), options).message == "the table file 'tables' is not a file"


# --- table files: encodings, line ends, quotes ------------------------------------------------

@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_table_reads_the_same_with_any_line_end(tmp_path, options, end):
    write(tmp_path, CSV.replace("\n", end), "prices.csv")
    ruleset = load_ruleset(write(tmp_path, table_ruleset("prices.csv")), options)
    schedule = ruleset.arrangements[0].price_schedule()
    # four rows: clusters 1 (twice), 3 and 11
    assert {code: [str(p) for _, p in rows] for code, rows in schedule.items()} == {
        1: ["3.10", "3.20"], 3: ["7.80"], 11: ["9.85"]}


def test_a_latin1_table_names_the_line_and_byte(tmp_path, options):
    # "2025-04-01,3,7.80 caf" is 21 characters: the é is the 22nd
    write(tmp_path, CSV.replace("2025-04-01,3,7.80", "2025-04-01,3,7.80 caf\xe9").encode("latin-1"), "prices.csv")
    problem = only(write(tmp_path, table_ruleset("prices.csv")), options)
    assert (problem.file, problem.line) == (str(tmp_path / "prices.csv"), 3)
    assert "the byte 0xE9 at line 3, column 22 is not valid UTF-8" in problem.message


def test_a_stray_quote_is_an_error_at_its_row_never_a_swallowed_row(tmp_path, options):
    write(tmp_path, CSV.replace("2025-04-01,3,7.80", '2025-04-01,3,"7.80'), "prices.csv")
    problem = only(write(tmp_path, table_ruleset("prices.csv")), options)
    assert (problem.file, problem.line) == (str(tmp_path / "prices.csv"), 3)
    assert "runs over the end of the line" in problem.message


def test_rows_after_a_quoted_cell_keep_their_line_numbers(tmp_path, options):
    text = 'effective_from,cluster,price\n"2025-04-01",1,3.10\n2025-04-01,3,-7.80\n'
    write(tmp_path, text.replace("\n", "\r"), "prices.csv")
    problem = only(write(tmp_path, table_ruleset("prices.csv")), options)
    assert (problem.line, problem.key) == (3, "arrangements[0].prices[2025-04-01][3]")


# --- size, nesting, aliases -------------------------------------------------------------------

def laughs(levels: int) -> str:
    rows = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(rows) + "\n"


def test_a_billion_laughs_stops_at_the_alias_bound(tmp_path, options):
    path = write(tmp_path, laughs(9))
    assert len(path.read_bytes()) == 500  # 9 ** 9 strings when expanded
    problem = only(path, options)
    assert f"the aliases (*name) in this file expand to more than {MAX_ALIAS_VALUES:,} values" in problem.message


@pytest.mark.parametrize("text, line", [("rules: &r [*r]\n", 29), ("inputs: &i {episodes: *i}\n", 29)])
def test_an_alias_inside_its_own_value_is_refused(tmp_path, options, text, line):
    problem = only(write(tmp_path, MINIMAL + text), options)
    assert problem.line == line and "an alias here names a value that holds it" in problem.message


def test_a_merge_into_itself_repeats_its_keys(tmp_path, options):
    text = MINIMAL.replace("status: draft", "status: draft\nsettings: &s {<<: *s, overdue_review: hold}")
    problem = only(write(tmp_path, text), options)
    assert (problem.line, problem.key) == (7, "settings.overdue_review") and "this key appears twice" in problem.message


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "{a: " * 5000 + "1" + "}" * 5000, "[" * 200_000])
def test_deep_nesting_is_refused_at_the_bound(tmp_path, options, text):
    problem = only(write(tmp_path, MINIMAL + "rules: " + text + "\n"), options)
    assert problem.line == 29 and f"nest more than {MAX_DEPTH} levels deep" in problem.message


def test_brackets_in_a_comment_are_not_nesting(tmp_path, options):
    assert load_ruleset(write(tmp_path, MINIMAL + "# " + "[" * 150 + "\n"), options).document.area == "Testshire"


def test_block_nesting_past_the_bound_is_refused(tmp_path, options):
    block = "".join(" " * i + f"k{i}:\n" for i in range(1, 130)) + " " * 130 + "v\n"
    problem = only(write(tmp_path, MINIMAL + "inputs:\n" + block), options)
    assert f"nest more than {MAX_DEPTH} levels deep" in problem.message


def test_a_file_larger_than_the_bound_is_refused_before_it_is_parsed(tmp_path, options, monkeypatch):
    path = write(tmp_path, MINIMAL + "# " + "x" * 1_100_000 + "\n")
    problem = only(path, options)
    assert problem.file == str(path) and "is 1.1 MB, larger than a ruleset's files may be (1 MB" in problem.message
    monkeypatch.setenv("LOCALPAY_RULESET_MAX_MB", "2")
    assert load_ruleset(path, options).document.area == "Testshire"
    monkeypatch.setenv("LOCALPAY_RULESET_MAX_MB", "lots")
    with pytest.raises(Exception, match="LOCALPAY_RULESET_MAX_MB is 'lots'; expected a number of megabytes"):
        load_ruleset(path, options)


# --- bytes and tags ----------------------------------------------------------------------------

def test_a_latin1_ruleset_names_the_line_and_byte(tmp_path, options):
    problem = only(write(tmp_path, MINIMAL.replace("Testshire", "Testsh\xefre").encode("latin-1")), options)
    assert problem.line == 3
    assert "the byte 0xEF at line 3, column 13 is not valid UTF-8" in problem.message
    assert "in Latin-1 or Windows-1252 that is 'ï'" in problem.message


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_a_utf16_ruleset_is_named_as_such(tmp_path, options, encoding, name):
    problem = only(write(tmp_path, MINIMAL.encode(encoding)), options)
    assert problem.message.startswith(f"the file is {name} text")


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_named_with_its_line(tmp_path, options, character):
    problem = only(write(tmp_path, MINIMAL.replace("Testshire", f"Test{character}shire")), options)
    assert problem.line == 3 and f"the character #x{ord(character):04X} at line 3 is not allowed" in problem.message


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!python/name:os.system",
                                 "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]", "!custom text"])
def test_tags_that_construct_objects_are_refused(tmp_path, options, tag):
    problem = only(write(tmp_path, MINIMAL.replace("area: Testshire", f"area: {tag}")), options)
    assert (problem.line, problem.key) == (3, "area")
    assert problem.message.startswith("the tag !") and "is not allowed in a ruleset" in problem.message


def test_plain_tags_are_read_as_before(tmp_path, options):
    text = MINIMAL.replace("area: Testshire", "area: !!str 012").replace("1: 21000", "1: !!int 21000")
    ruleset = load_ruleset(write(tmp_path, text), options)
    assert ruleset.document.area == "012"


@pytest.mark.parametrize("key, shown", [("? [a, b]\n: 1", None), ("? !!set {a}\n: 1", None),
                                        ("12: x", "unknown key 12"), ("true: x", "unknown key True")])
def test_keys_that_are_not_names(tmp_path, options, key, shown):
    problem = only(write(tmp_path, MINIMAL + key + "\n"), options)
    assert problem.line == 29
    assert problem.message == "a key must be plain text" if shown is None else problem.message.startswith(shown)


# --- values -------------------------------------------------------------------------------------

def test_a_number_too_long_to_read(tmp_path, options):
    problem = only(write(tmp_path, MINIMAL.replace("1: 21000", "1: " + "9" * 5000)), options)
    assert (problem.line, problem.key) == (27, "arrangements[0].activity_plan[1]")
    assert problem.message.startswith("expected a whole number of at most 4,300 digits")
    assert "(5,002 characters)" in problem.message  # the value is not echoed whole


@pytest.mark.parametrize("old, new, key", [("to: 2026-03-31", "to: 9999-12-31", "period.to"),
                                            ("from: 2025-04-01", "from: 0001-01-01", "period.from"),
                                            ("from: 2025-04-01", "from: 1899-12-31", "period.from")])
def test_a_period_outside_the_calendar_is_refused(tmp_path, options, old, new, key):
    problem = only(write(tmp_path, MINIMAL.replace(old, new)), options)
    assert problem.key == key
    assert problem.message == f"expected a date from 1900-01-01 to 2100-12-31, found {new.split(': ')[1]}"


@pytest.mark.parametrize("price", ["1.0e400", "1.0e999999999", "123456789012345678901234567890.5"])
def test_validate_names_a_price_too_large_to_compute_with(tmp_path, price):
    path = write(tmp_path, MINIMAL.replace("3: 7.80", f"3: {price}"))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path}, line 23 [arrangements[0].prices[2025-04-01][3]]" in result.output
    # refused by the money bound (any sum of money a ruleset states), before any arithmetic
    assert "a sum of money in a ruleset is at most £1,000,000,000.00; found" in result.output


def test_schedule_names_a_price_too_large_to_compute_with(tmp_path):
    path = write(tmp_path, MINIMAL.replace("3: 7.80", "3: 1.0e400"))
    result = CliRunner().invoke(cli, ["schedule", str(path), "--out", str(tmp_path / "out"), "--no-pdf"])
    assert result.exit_code == 2, result.output
    assert f"{path}, line 23 [arrangements[0].prices[2025-04-01][3]]" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing written


@pytest.mark.parametrize("value", ["[cluster]", "{a: 1}", "12"])
def test_an_option_that_is_not_a_name(tmp_path, options, value):
    problem = only(write(tmp_path, MINIMAL.replace("option: cluster", f"option: {value}")), options)
    assert problem.key == "arrangements[0].option"
    assert problem.message.startswith("expected the name of a payment option") or "unknown payment option" in problem.message


# --- the line of a byte -------------------------------------------------------------------------

@given(st.lists(st.tuples(st.text(alphabet="ab\xe9", max_size=5), st.sampled_from(["\n", "\r\n", "\r"])), max_size=8),
       st.data())
@settings(max_examples=200, deadline=None)
def test_line_and_column_count_every_line_end(lines, data):
    raw = "".join(text + end for text, end in lines).encode()
    if not raw:
        return
    offset = data.draw(st.integers(0, len(raw) - 1))
    line, column = line_and_column(raw, offset)
    # the reference: split on the line ends as a universal-newline reader does
    before = raw[:offset].decode("utf-8", "replace")
    expected_line = len(before.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if raw[offset:offset + 1] == b"\n" and raw[offset - 1:offset] == b"\r":
        expected_line -= 1  # the LF of a CRLF ends the line the CR began
    assert line == expected_line, (raw, offset)
    assert 1 <= column <= offset + 1
