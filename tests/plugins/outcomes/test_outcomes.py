"""Outcomes-based payments, worked by hand.

The tariff pays one person in cluster 3 at £10.00 a day: April £300.00 (30 days), May £310.00,
June £300.00. A pot of 10% of it is £30.00, £31.00 and £30.00: £91.00 for the first quarter.
Half of each month's pot is paid on account: £15.00 + £15.50 + £15.00 = £45.50.
"""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from incentive_helpers import measures, pounds, run_case
from localpay.errors import RulesetError

ONE_PERSON = "e1,p1,RT2,01W,3,2025-04-01,,community,CMHT"


def outcomes(mode: str = "bonus", experience_gate: str = "") -> str:
    return f"""\
- id: outcomes
  option: outcomes
  provider: RT2
  commissioner: 01W
  clause: Schedule 4 part 2
  pot: {{percent: 10%, of: [tariff]}}
  mode: {mode}
  on_account: 50%
  settlement: quarterly
  measures:
    - {{id: recovery, indicator: reported, weight: 60%, floor: 40%, target: 80%}}
    - {{id: experience, indicator: reported, weight: 40%, scale: all_or_nothing, target: 90%{experience_gate}}}
"""


# recovery: 60 of 100 = 60%, halfway from the 40% floor to the 80% target: achievement 50%,
# earning 60% x 50% x £91.00 = £27.30. experience at 95% passes its 90% target: 40% x £91.00 =
# £36.40; at 85% it earns nothing.
RETURNS_MET = "recovery,2025-06,60,100\nexperience,2025-06,95,100"
RETURNS_MISSED = "recovery,2025-06,60,100\nexperience,2025-06,85,100"


def test_bonus_pays_on_account_monthly_and_settles_the_quarter(tmp_path, plugins):
    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-06", RETURNS_MET)
    assert [m.label for m in result.months] == ["2025-04", "2025-05", "2025-06"]  # the quarter, though not asked
    assert pounds(result, "outcomes", "on account") == [D("15.00"), D("15.50"), D("15.00")]
    notes = result.lines.filter(pl.col("unit") == "on account")["note"].to_list()
    assert notes[1] == "on account: 50% of the month's pot of £31.00"
    # earned £27.30 + £36.40 = £63.70, less £45.50 on account
    assert pounds(result, "outcomes", "settlement") == [D("18.20")]
    assert pounds(result, "outcomes", "withheld") == []
    scored = measures(result, "2025-06")
    assert (scored["recovery"]["rate"], scored["recovery"]["achievement"], scored["recovery"]["earned"]) == ("60.0%", "50.0%", 2730)
    assert (scored["experience"]["achievement"], scored["experience"]["earned"], scored["experience"]["at_stake"]) == ("100.0%", 3640, 3640)


def test_a_negative_reconciliation_is_a_recovery(tmp_path, plugins):
    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-06", RETURNS_MISSED)
    # earned £27.30 only, less £45.50 on account
    settlement = result.lines.filter(pl.col("unit") == "settlement").row(0, named=True)
    assert settlement["amount"] == -1820 and settlement["status"] == "payable"
    assert settlement["reason"].startswith("recovery: the outcomes payment earned £27.30 is less than the £45.50 paid on account")


def test_withhold_takes_the_pot_off_each_month_and_earns_it_back(tmp_path, plugins):
    result = run_case(tmp_path, plugins, outcomes("withhold"), ONE_PERSON, "2025-06", RETURNS_MET)
    assert pounds(result, "outcomes", "withheld") == [D("-30.00"), D("-31.00"), D("-30.00")]
    assert pounds(result, "outcomes", "on account") == [D("15.00"), D("15.50"), D("15.00")]
    assert pounds(result, "outcomes", "settlement") == [D("18.20")]
    # over the quarter the provider gets the tariff's £910.00 less the £91.00 pot plus the £63.70 earned
    assert sum(pounds(result, "tariff")) + sum(pounds(result, "outcomes")) == D("882.70")


def test_a_month_between_settlements_pays_on_account_and_shows_progress(tmp_path, plugins):
    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-05", "recovery,2025-05,50,100")
    assert pounds(result, "outcomes") == [D("15.00"), D("15.50")]  # no settlement in May
    progress = measures(result, "2025-05", "indicative")
    # 50%: a quarter of the way from floor to target; 60% x 25% x the £61.00 pot to date = £9.15
    assert (progress["recovery"]["achievement"], progress["recovery"]["earned"]) == ("25.0%", 915)
    assert progress["experience"]["status"] == "withheld pending data"  # no return for May


def test_a_measure_below_its_completeness_gate_is_withheld_not_scored_zero(tmp_path, plugins):
    arrangement = outcomes().replace(
        "- {id: experience, indicator: reported, weight: 40%, scale: all_or_nothing, target: 90%}",
        "- {id: wellbeing, indicator: wemwbs_improved, weight: 40%, floor: 50%, target: 100%, completeness: 50%}")
    episodes = "\n".join(f"e{i},p{i},RT2,01W,3,2025-04-01,,community,CMHT" for i in range(1, 5))
    # four people in scope; only p1 has two WEMWBS scores: completeness 25%, below the 50% gate
    assessments = "p1,RT2,2025-04-10,WEMWBS,,40\np1,RT2,2025-06-10,WEMWBS,,45\np2,RT2,2025-04-10,WEMWBS,,40"
    result = run_case(tmp_path, plugins, arrangement, episodes, "2025-06", "recovery,2025-06,60,100", assessments)
    # four people: pot £364.00 (10% of 4 x £910.00); on account £182.00
    wellbeing = measures(result, "2025-06")["wellbeing"]
    assert (wellbeing["numerator"], wellbeing["denominator"], wellbeing["in_scope"], wellbeing["completeness"]) == (1, 1, 4, "25.0%")
    assert wellbeing["status"] == "withheld pending data" and wellbeing["earned"] == 0
    assert wellbeing["note"] == "completeness is 25.0% (1 of 4 people in scope), below the gate of 50%"
    held = result.lines.filter(pl.col("unit") == "measure held").row(0, named=True)
    assert held["reason"] == "withheld pending data: " + wellbeing["note"]
    # the money it has at stake, 40% of £364.00, is held, not lost
    assert (held["status"], held["amount"]) == ("held", 14560)
    # recovery earns 60% x 50% x £364.00 = £109.20; less £182.00 on account
    assert pounds(result, "outcomes", "settlement") == [D("-72.80")]


def test_weights_that_do_not_add_to_100_are_a_load_error_with_the_line(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_case(tmp_path, plugins, outcomes().replace("weight: 40%", "weight: 30%"), ONE_PERSON, "2025-06")
    [problem] = caught.value.problems
    assert problem.key == "arrangements[1].measures"
    assert "the weights add up to 90% (60% + 30%), not 100%" in problem.message
    assert problem.line == 28  # the line of "measures:" in the written ruleset (read from the file)


def test_the_statement_and_measures_csv_show_each_measure_and_the_settlement(tmp_path, plugins):
    from localpay.statement.writing import write_outputs

    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-06", RETURNS_MET)
    written = write_outputs(result, tmp_path / "out", ["localpay", "run"])
    [statement] = written.statements
    assert [(c["unit"], c["amount"]) for c in statement["contract_lines"]] == [("on account", D("15.00")),
                                                                              ("settlement", D("18.20"))]
    recovery = next(m for m in statement["measures"] if m["measure"] == "recovery")
    assert (recovery["numerator"], recovery["denominator"], recovery["rate"], recovery["floor"], recovery["target"],
            recovery["achievement"], recovery["at_stake"], recovery["earned"]) == (
        60, 100, "60.0%", "40%", "80%", "50.0%", D("54.60"), D("27.30"))
    markdown = (tmp_path / "out" / "statement-RT2-01W-2025-06.md").read_text()
    assert "| outcomes | recovery (`reported`) | 2025-06-30 | 60 | 100 | 60.0% | 40% | 80% | 50.0% | 60% | £54.60 | £27.30 | scored |" in markdown
    assert "| outcomes | settlement | payable | settlement 2025-04 to 2025-06: earned £63.70 of £91.00 at stake, less £45.50 on account | £18.20 |" in markdown
    csv = pl.read_csv(tmp_path / "out" / "measures.csv", infer_schema=False)
    assert csv.filter(pl.col("measure") == "experience").select("kind", "earned", "at_stake").row(0) == ("settlement", "36.40", "36.40")


def test_the_schedule_states_the_pot_the_timing_and_each_measure(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    ruleset = run_case(tmp_path, plugins, outcomes("withhold"), ONE_PERSON, "2025-06", RETURNS_MET).ruleset
    [section] = [s for owner, s in schedule_sections(ruleset, plugins) if owner == "outcomes"]
    text = " ".join(section.paragraphs)
    assert "a pot of 10% of the value paid under tariff, taken off that value each month and earned back on achievement" in text
    assert "Each month 50% of the month's pot is paid on account." in text
    assert "30 June 2025, 30 September 2025, 31 December 2025, 31 March 2026" in text
    [table] = section.tables
    assert table.rows[0][:6] == ("recovery", "the numerator the provider reports for this measure in its return for "
                                 "the month of the last day measured, of the denominator it reports",
                                 "every person of the provider and commissioner", "60%", "40%", "80%")


def test_a_run_starting_mid_quarter_prices_the_whole_quarter_before_settling_it(tmp_path, plugins):
    returns = RETURNS_MET + "\nrecovery,2025-09,60,100\nexperience,2025-09,95,100"
    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-09", returns, from_period="2025-05")
    # May alone would leave April out of the June settlement: the run starts in April instead
    assert result.months[0].label == "2025-04" and result.asked_from.label == "2025-05"
    june, september = pounds(result, "outcomes", "settlement")
    assert june == D("18.20")  # as in the April-to-June run
    # July £31.00, August £31.00, September £30.00: pot £92.00, on account £46.00, earned 70% = £64.40
    assert september == D("18.40")


def test_money_held_pending_data_is_carried_to_the_next_settlement(tmp_path, plugins):
    # experience has no return for June: withheld, its 40% of the £91.00 pot (£36.40) held.
    # September's return meets its target: it earns its 40% of September's £92.00 (£36.80)
    # and the £36.40 carried, £73.20 in all.
    returns = "recovery,2025-06,60,100\nrecovery,2025-09,60,100\nexperience,2025-09,95,100"
    result = run_case(tmp_path, plugins, outcomes(), ONE_PERSON, "2025-09", returns)
    held = result.lines.filter(pl.col("unit") == "measure held")
    assert held.select("period", "amount", "status").rows() == [("2025-06", 3640, "held")]
    assert held["note"].item() == "measure experience: 40% of £91.00; carried to the next settlement"
    june, september = pounds(result, "outcomes", "settlement")
    assert june == D("-18.20")  # recovery's £27.30 less £45.50 on account
    # recovery 60% x 50% x £92.00 = £27.60; experience £73.20; less £46.00 on account
    assert september == D("54.80")
    experience = measures(result, "2025-09")["experience"]
    assert (experience["at_stake"], experience["earned"]) == (7320, 7320)
    assert experience["note"] == "at stake includes £36.40 held at earlier settlements"
    note = result.lines.filter((pl.col("unit") == "settlement") & (pl.col("period") == "2025-09"))["note"].item()
    assert note == ("settlement 2025-07 to 2025-09: earned £100.80 of £92.00 at stake and £36.40 held at earlier "
                    "settlements, less £46.00 on account")
