"""Dates in the data: YYYY-MM-DD or DD/MM/YYYY with a four-digit year inside the ruleset's
``settings.data_years`` (1900 to 2100 unless it says otherwise). Anything else, a two-digit year
above all, is a bad row with its value quoted, never a date of the first century priced from the
start of the contract."""

import datetime as dt
import re
from decimal import Decimal as D

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.inputs.read import date_expr
from localpay.inputs.reading import ReadOptions, reading

RULES = ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay")
WORDS = ("expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 1900 to 2100; a time, if any, "
         "must be midnight), found ")


@pytest.mark.parametrize("written", ["01/06/25", "1/6/25", "01/06/0025", "-5000-01-01", "0000-06-01", "1850-06-01",
                                     "2250-06-01", "+2025-06-01", "25-06-01", "2025-06-01T00:00", "99999-06-01",
                                     "٠١/٠٦/٢٠٢٥"])
def test_a_date_outside_the_formats_or_the_years_is_a_bad_row(price, written):
    case = price(RULES, f"""
        E1,P1,RT2,01W,3,2025-06-01,2025-06-11,,
        E2,P2,RT2,01W,3,{written},,,
        E3,P3,RT2,01W,3,01/06/2025,11/06/2025,,
    """, "2025-06", from_period="2025-04")
    bad = case.exceptions.filter(pl.col("source") == "episodes").select("row", "column", "value", "reason_code",
                                                                        "reason", "action")
    assert bad.rows() == [(2, "start_date", written, "bad_date", f"{WORDS}'{written}'", "excluded")]
    # E1 and E3: 1 to 10 June = 10 days x 7.80 = 78.00 each; E2 nothing (an open period from
    # "year 25" would have been paid from April: 91 days x 7.80 = 709.80)
    assert case.rows("E1") == case.rows("E3") == [("2025-06-01", "2025-06-10", 10, D("7.80"),
                                                   D("78.00"), "payable")]
    assert case.lines.filter(pl.col("episode_id") == "E2").is_empty()
    assert case.result.summary["episodes"]["rows_read"] == 3


def test_a_two_digit_end_date_is_a_bad_date_not_an_end_before_the_start(price):
    case = price(RULES, """
        E1,P1,RT2,01W,3,2025-06-01,30/06/25,,
    """, "2025-06")
    assert case.exceptions.select("column", "value", "reason_code").rows() == [("end_date", "30/06/25", "bad_date")]


def test_the_years_are_a_setting(price):
    rules = ruleset_text(CLUSTER_PER_DAY, "overdue_review: pay, data_years: {from: 2000, to: 2030}")
    case = price(rules, """
        E1,P1,RT2,01W,3,1999-12-31,,,
        E2,P2,RT2,01W,3,2000-01-01,2025-06-03,,
        E3,P3,RT2,01W,3,2025-06-01,2031-01-01,,
    """, "2025-06")
    assert case.exceptions.select("row", "value", "reason").rows() == [
        (1, "1999-12-31", "expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 2000 to 2030; "
                          "a time, if any, must be midnight), found '1999-12-31'"),
        (3, "2031-01-01", "expected a date written YYYY-MM-DD or DD/MM/YYYY (a four-digit year, from 2000 to 2030; "
                          "a time, if any, must be midnight), found '2031-01-01'"),
    ]
    # E2: 1 and 2 June = 2 days x 7.80 = 15.60
    assert case.paid("2025-06") == D("15.60")


def test_the_years_must_cover_the_rulesets_period(tmp_path, plugins):
    from localpay.errors import RulesetError
    from localpay.ruleset.load import load_ruleset

    path = tmp_path / "r.yaml"
    path.write_text(ruleset_text(CLUSTER_PER_DAY, "data_years: {from: 1900, to: 2024}"))
    with pytest.raises(RulesetError, match=r"settings.data_years \(1900 to 2024\) must cover the ruleset's period"):
        load_ruleset(path, plugins.options, plugins.vocabulary)


def test_a_date_in_the_years_reads_in_either_format():
    frame = pl.DataFrame({"d": ["2025-06-01", "1/6/2025", "01/06/2025", "2025-6-1", "1900-01-01", "2100-12-31",
                                "1899-12-31", "2101-01-01", "2025-02-29", "2024-02-29", None]})
    with reading(ReadOptions()):
        got = frame.select(date_expr("d"))["d"].to_list()
    june = dt.date(2025, 6, 1)
    assert got == [june, june, june, june, dt.date(1900, 1, 1), dt.date(2100, 12, 31), None, None, None,
                   dt.date(2024, 2, 29), None]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)), st.booleans(),
       st.integers(min_value=1000, max_value=9999), st.integers(min_value=0, max_value=300))
def test_a_date_reads_as_itself_exactly_when_its_year_is_inside(day, uk, first, span):
    years = (first, min(first + span, 9999))
    text = day.strftime("%d/%m/") + f"{day.year:04d}" if uk else f"{day.year:04d}" + day.strftime("-%m-%d")
    with reading(ReadOptions(years=years)):
        got = pl.DataFrame({"d": [text]}).select(date_expr("d")).item()
    assert got == (day if years[0] <= day.year <= years[1] else None)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789-/+ .T:٠١"), max_size=12))
def test_only_a_date_in_the_formats_reads_and_inside_the_years(text):
    with reading(ReadOptions()):
        got = pl.DataFrame({"d": [text]}).select(date_expr("d")).item()
    written = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})|([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    if got is not None:
        assert written and 1900 <= got.year <= 2100
        year, month, day = (written[1], written[2], written[3]) if written[1] else (written[6], written[5], written[4])
        assert got == dt.date(int(year), int(month), int(day))


@pytest.mark.parametrize("written", ["0000-06-01", "-5000-01-01"])
def test_explain_shows_an_episode_dated_outside_the_years_as_written(tmp_path, written):
    from click.testing import CliRunner

    from conftest import HEADER
    from localpay.cli import cli

    (tmp_path / "r.yaml").write_text(RULES)
    (tmp_path / "e.csv").write_text(f"{HEADER}\nE1,P1,RT2,01W,3,{written},,,\n")
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--episode", "E1",
                                      "--period", "2025-06"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"from {written}" in result.output
    assert f"row 1 excluded: bad_date (start_date): {WORDS}'{written}'" in " ".join(result.output.split())


MIDNIGHTS = ["", " 00:00", " 00:00:00", " 00:00:00.0", " 00:00:00.000", " 00:00:00.000000", "T00:00:00",
             "T00:00:00Z", "T00:00:00+00:00", "T00:00:00.000", "T00:00:00.000Z"]


@pytest.mark.parametrize("suffix", MIDNIGHTS)
def test_a_date_with_its_midnight_as_exports_write_it_is_the_date(suffix):
    frame = pl.DataFrame({"d": [f"2025-06-01{suffix}", f"01/06/2025{suffix}", f"2024-02-29{suffix}"]})
    with reading(ReadOptions()):
        got = frame.select(date_expr("d"))["d"].to_list()
    assert got == [dt.date(2025, 6, 1), dt.date(2025, 6, 1), dt.date(2024, 2, 29)]


@pytest.mark.parametrize("written", ["2025-06-01 14:30:00", "2025-06-01T00:00:01", "01/06/25 00:00",
                                     "2025-06-01 00:00:00 junk", "2025-06-01T00:00", "2025-06-01 00:00:00.001",
                                     "2025-06-01 00:00Z", "2025-06-01T00:00:00+01:00", "2025-06-01 24:00:00",
                                     "2025-06-01  00:00", "2025-06-0100:00", "2025-6-1 00:00", "1/6/2025 00:00",
                                     "2025-06-31 00:00:00", "2025-06-01T00:00:00ZZ"])
def test_a_time_that_is_not_a_plain_midnight_is_a_bad_date_quoted(price, written):
    case = price(RULES, f"""
        E1,P1,RT2,01W,3,2025-06-01 00:00:00,2025-06-11T00:00:00,,
        E2,P2,RT2,01W,3,{written},,,
    """, "2025-06")
    bad = case.exceptions.filter(pl.col("source") == "episodes").select("row", "column", "value", "reason_code", "reason")
    assert bad.rows() == [(2, "start_date", written, "bad_date", f"{WORDS}'{written}'")]
    # E1: 1 to 10 June (ends 11 June) = 10 days x 7.80 = 78.00
    assert case.paid("2025-06") == D("78.00")


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)), st.booleans(),
       st.one_of(st.sampled_from(MIDNIGHTS),
                 st.from_regex(r"[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,4})?)?(Z|\+0[01]:00)?", fullmatch=True),
                 st.text(alphabet=st.sampled_from("0123456789 T:.Z+-/x"), max_size=14)))
def test_a_date_with_a_time_reads_exactly_when_the_time_is_a_plain_midnight(day, uk, suffix):
    text = (day.strftime("%d/%m/") + f"{day.year:04d}" if uk else f"{day.year:04d}" + day.strftime("-%m-%d")) + suffix
    with reading(ReadOptions()):
        got = pl.DataFrame({"d": [text]}).select(date_expr("d")).item()
    midnight = re.fullmatch(r"( 00:00(:00(\.0+)?)?|T00:00:00(\.0+)?(Z|\+00:00)?)?", suffix) is not None
    assert got == (day if midnight and 1900 <= day.year <= 2100 else None)
