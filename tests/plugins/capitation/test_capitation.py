"""Capitation, worked by hand: a price per person in the commissioner's population, monthly."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from contract_helpers import details, pounds, run_contract
from localpay.errors import RulesetError


def capitation(price: str = "\n    2025-04-01: 24.00\n    2025-06-01: 25.00", per: str = "year") -> str:
    return f"""\
- id: capitation
  option: capitation
  provider: RT2
  commissioner: 01W
  clause: Schedule 3C capitation
  price_per_person: {price}
  per: {per}
"""


# 01Y's row is another commissioner's, not paid under this arrangement
POPULATION = "01W,2025-04,1000\n01W,2025-05,1010\n01W,2025-06,1200\n01W,2025-07,1201\n01Y,2025-05,99999"


def test_each_month_pays_its_population_at_the_price_in_effect(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, capitation(), "2025-07", from_period="2025-04", population=POPULATION)
    lines = result.lines.sort("period")
    # £24.00 a year / 12 = £2.00 a person-month to May; £25.00 / 12 = £2.0833333... -> £2.083333 from June
    assert lines.select("period", "quantity", "unit", "unit_price").rows() == [
        ("2025-04", 1000, "person-month", 2_000_000), ("2025-05", 1010, "person-month", 2_000_000),
        ("2025-06", 1200, "person-month", 2_083_333), ("2025-07", 1201, "person-month", 2_083_333),
    ]
    assert [d.isoformat() for d in lines["price_from"]] == ["2025-04-01", "2025-04-01", "2025-06-01", "2025-06-01"]
    # 1,000 x £2.00; 1,010 x £2.00; 1,200 x £2.083333 = £2,499.9996 -> £2,500.00;
    # 1,201 x £2.083333 = £2,502.082933 -> £2,502.08
    assert pounds(result, "capitation") == [D("2000.00"), D("2020.00"), D("2500.00"), D("2502.08")]
    assert set(lines["status"]) == {"payable"} and lines["episode_id"].is_null().all()
    assert lines["note"][2] == "1,200 people in 2025-06 at £2.083333 a person-month (a twelfth of £25.00 a person a year)"


def test_a_monthly_price_is_paid_as_it_stands(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, capitation("2.10", "month"), "2025-05", population=POPULATION)
    # 1,010 people x £2.10 = £2,121.00
    assert pounds(result, "capitation") == [D("2121.00")]


def test_a_month_with_no_population_pays_nothing_and_is_reported(tmp_path, plugins):
    population = "01W,2025-04,1000\n01W,2025-06,1200"
    result = run_contract(tmp_path, plugins, capitation(), "2025-06", from_period="2025-04", population=population)
    assert result.lines["period"].to_list() == ["2025-04", "2025-06"]
    may = details(result, "capitation", "2025-05")[0]
    assert (may["population"], may["capitation_amount"]) == (None, None)
    assert may["note"] == "no population for 01W in 2025-05: nothing is paid for the month"
    [exception] = result.exceptions.filter(pl.col("source") == "population").rows(named=True)
    assert (exception["row"], exception["reason_code"], exception["value"], exception["commissioner"]) == (
        None, "no_population", "2025-05", "01W")
    # not about an episode, so the option's own action stands: reported, nothing excluded
    assert exception["action"] == "flagged"


def test_without_a_population_file_every_month_is_reported(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, capitation(), "2025-05", from_period="2025-04")
    assert result.lines.is_empty()
    assert result.exceptions.filter(pl.col("reason_code") == "no_population")["value"].to_list() == ["2025-04", "2025-05"]


def test_the_statement_shows_the_population_and_the_price(tmp_path, plugins):
    from localpay.statement.writing import write_outputs

    result = run_contract(tmp_path, plugins, capitation(), "2025-06", population=POPULATION)
    [statement] = write_outputs(result, tmp_path / "out", ["localpay", "run"]).statements
    assert statement["totals"]["payable"] == D("2500.00")
    [working] = [w for w in statement["workings"] if w["kind"] == "capitation"]
    row = dict(zip(working["columns"], working["rows"][0]))
    assert (row["population"], row["price"], row["unit_price"], row["capitation_amount"]) == (
        1200, "£25.00 a person a year", "£2.083333", D("2500.00"))


OUTCOMES = """\
- id: outcomes
  option: outcomes
  provider: RT2
  commissioner: 01W
  pot: {{percent: 5%, of: [capitation]}}
  mode: {mode}
  on_account: 50%
  settlement: quarterly
  measures:
    - {{id: recovery, indicator: reported, weight: 100%, floor: 40%, target: 80%}}
"""
QUARTER = "01W,2025-04,1000\n01W,2025-05,1010\n01W,2025-06,1000"


@pytest.mark.parametrize("mode", ["bonus", "withhold"])
def test_an_outcomes_component_is_a_share_of_the_capitation(tmp_path, plugins, mode):
    result = run_contract(tmp_path, plugins, capitation("24.00") + OUTCOMES.format(mode=mode), "2025-06",
                          population=QUARTER, returns="recovery,2025-06,70,100")
    # capitation £2,000.00, £2,020.00, £2,000.00; the 5% pot £100.00, £101.00, £100.00 = £301.00;
    # on account half of each: £50.00 + £50.50 + £50.00 = £150.50
    assert pounds(result, "capitation") == [D("2000.00"), D("2020.00"), D("2000.00")]
    on_account = result.lines.filter(pl.col("unit") == "on account")
    assert [D(v) / 100 for v in on_account.sort("period")["amount"]] == [D("50.00"), D("50.50"), D("50.00")]
    # recovery 70%: three quarters of the way from the 40% floor to the 80% target: earned 75% x
    # £301.00 = £225.75, less £150.50 on account
    settled = result.lines.filter(pl.col("unit") == "settlement")
    assert settled["amount"].to_list() == [7525]
    withheld = result.lines.filter(pl.col("unit") == "withheld").sort("period")["amount"].to_list()
    assert withheld == ([-10000, -10100, -10000] if mode == "withhold" else [])


def test_the_schedule_states_the_prices_and_the_outcomes_component(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    text = capitation() + OUTCOMES.format(mode="withhold")
    ruleset = run_contract(tmp_path, plugins, text, "2025-06", population=QUARTER,
                           returns="recovery,2025-06,70,100").ruleset
    [section] = [s for owner, s in schedule_sections(ruleset, plugins) if owner == "capitation"]
    words = " ".join(section.paragraphs)
    assert ("NHS Testshire (01W) pays Test Trust (RT2) capitation (Schedule 3C capitation): £24.00 a person a year "
            "from 2025-04-01; £25.00 a person a year from 2025-06-01.") in words
    assert "(a twelfth of the year's price, rounded half up to the millionth of a pound)" in words
    assert ("Outcomes component: 5% of the capitation is withheld from it each month and earned back on achievement "
            "of the measures of 'outcomes'.") in words
    [table] = section.tables
    assert table.rows == (("2025-04-01", "£24.00", "£2.00"), ("2025-06-01", "£25.00", "£2.083333"))


def test_a_price_starting_after_the_contract_is_a_load_error(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_contract(tmp_path, plugins, capitation("\n    2025-05-01: 24.00"), "2025-06", population=QUARTER)
    [problem] = caught.value.problems
    assert problem.key == "arrangements[0].price_per_person"
    assert problem.message == ("the first price takes effect on 2025-05-01, after the contract starts on 2025-04-01: "
                               "give a price from 2025-04-01")


def test_per_must_be_year_or_month(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_contract(tmp_path, plugins, capitation("24.00", "week"), "2025-06", population=QUARTER)
    [problem] = caught.value.problems
    assert problem.key == "arrangements[0].per" and "'year' or 'month'" in problem.message
