"""Scoring measures, their load errors, and the returns file."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from incentive_helpers import measures, run_case
from localpay.errors import RulesetError
from localpay.measures import Count, Measure, score

ONE_PERSON = "e1,p1,RT2,01W,3,2025-04-01,,community,CMHT"


def measure(**keys) -> Measure:
    return Measure.model_validate({"id": "m", "indicator": "reported", "weight": "100%", **keys})


@pytest.mark.parametrize("numerator, expected", [
    (39, D(0)),          # below the 40% floor
    (40, D(0)),          # at the floor: nothing yet
    (50, D("0.25")),     # (50 - 40) / (80 - 40)
    (79, D("0.975")),    # (79 - 40) / 40
    (80, D(1)),          # at the target
    (100, D(1)),         # above it: capped
])
def test_linear_scale(numerator, expected):
    assert score(measure(floor="40%", target="80%"), Count(numerator, 100, 100)).achievement == expected


@pytest.mark.parametrize("numerator, expected", [(49, D(0)), (50, D("0.25")), (69, D("0.25")), (70, D("0.6")), (95, D(1))])
def test_bands_pay_the_highest_band_reached(numerator, expected):
    banded = measure(scale="bands", bands=[{"at": "50%", "pays": "25%"}, {"at": "70%", "pays": "60%"},
                                           {"at": "90%", "pays": "100%"}])
    assert score(banded, Count(numerator, 100, 100)).achievement == expected
    assert banded.thresholds == (D("0.5"), D("0.9"))


def test_all_or_nothing():
    binary = measure(scale="all_or_nothing", target="90%")
    assert [score(binary, Count(n, 100, 100)).achievement for n in (89, 90)] == [D(0), D(1)]


def test_too_small_a_denominator_is_withheld_not_zero():
    small = measure(floor="40%", target="80%", minimum_denominator=30)
    result = score(small, Count(12, 12, 12))
    assert result.achievement is None and not result.scored
    assert result.withheld == "the denominator is 12, below the minimum of 30"
    assert score(small, Count(12, 30, 30)).achievement == D(0)  # 40%: scored, at the floor


def test_an_empty_denominator_is_always_withheld():
    assert score(measure(floor="40%", target="80%", minimum_denominator=0), Count(0, 0, 5)).withheld.startswith(
        "the denominator is 0, below the minimum of 1")


def outcomes_with(measure_yaml: str) -> str:
    return f"""\
- id: outcomes
  option: outcomes
  provider: RT2
  commissioner: 01W
  pot: {{annual: 1200.00}}
  on_account: 0%
  measures:
    - {measure_yaml}
"""


@pytest.mark.parametrize("measure_yaml, key, message", [
    ("{id: a, indicator: reported, weight: 100%, floor: 50%}", "arrangements[1].measures[0]",
     "a linear scale needs a floor and a target"),
    ("{id: a, indicator: reported, weight: 100%, floor: 80%, target: 80%}", "arrangements[1].measures[0]",
     "the floor (80%) must be below the target (80%)"),
    ("{id: a, indicator: reported, weight: 100%, scale: bands, bands: [{at: 70%, pays: 50%}, {at: 60%, pays: 100%}]}",
     "arrangements[1].measures[0]", "bands must rise: 60% comes after 70%"),
    ("{id: a, indicator: reportd, weight: 100%, floor: 50%, target: 80%}", "arrangements[1].measures[0].indicator",
     "unknown indicator 'reportd'; did you mean 'reported'?"),
    ("{id: a, indicator: paired_honos, parameters: {min_days: 14}, weight: 100%, floor: 50%, target: 80%}",
     "arrangements[1].measures[0].parameters.min_days", "min_days"),
    ("{id: a, indicator: reported, scope: {servce: EIP}, weight: 100%, floor: 50%, target: 80%}",
     "arrangements[1].measures[0].scope.servce", "servce"),
    ("{id: a, indicator: reported, scope: {escalation: {within_days: 28}}, weight: 100%, "
     "floor: 50%, target: 80%}", "arrangements[1].measures[0].scope.escalation", "the episode's own fields only"),
    ("{id: a, indicator: reported, weight: 100%, floor: 150%, target: 80%}", "arrangements[1].measures[0].floor",
     "expected a percentage from 0% to 100%, found 150%"),
])
def test_measure_load_errors_name_the_key_and_line(tmp_path, plugins, measure_yaml, key, message):
    with pytest.raises(RulesetError) as caught:
        run_case(tmp_path, plugins, outcomes_with(measure_yaml), ONE_PERSON, "2025-06")
    [problem] = caught.value.problems
    assert (problem.key, problem.line) == (key, 26)  # "- {...}", the measure's line in the written ruleset
    assert message in problem.message


def test_a_scope_narrows_the_people_counted(tmp_path, plugins):
    arrangement = outcomes_with("{id: reviewed, indicator: reviewed_in_period, scope: {service: EIP}, weight: 100%, "
                                "floor: 50%, target: 100%}")
    episodes = "e1,p1,RT2,01W,3,2025-04-01,,community,EIP\ne2,p2,RT2,01W,3,2025-04-01,,community,CMHT"
    # p1 (EIP) was reviewed on 10 May: within 6 months on 30 June. p2 is not in scope.
    result = run_case(tmp_path, plugins, arrangement, episodes, "2025-06", assessments="p1,RT2,2025-05-10,MHCT,3,")
    row = measures(result, "2025-06")["reviewed"]
    assert (row["numerator"], row["denominator"], row["in_scope"], row["rate"], row["achievement"]) == (1, 1, 1, "100.0%", "100.0%")


def test_bad_rows_of_the_returns_file_are_reported_and_the_rest_used(tmp_path, plugins):
    arrangement = outcomes_with("{id: recovery, indicator: reported, weight: 100%, floor: 40%, target: 80%}")
    returns = ("recovery,2025-06,60,100\n"      # used
               "recovery,2025-06,70,100\n"      # a second return for the same month: reported, not used
               "recovery,June,1,2\n"            # not a month
               "recovery,2025-05,9,5\n"         # numerator above denominator
               "recovery,2025-04,-1,5")         # negative
    result = run_case(tmp_path, plugins, arrangement, ONE_PERSON, "2025-06", returns)
    found = result.exceptions.filter(pl.col("source") == "returns").select("row", "reason_code", "column").rows()
    assert found == [(2, "duplicate_return", "measure"), (3, "bad_period", "period"),
                     (4, "numerator_above_denominator", "numerator"), (5, "bad_number", "numerator")]
    reason = result.exceptions.filter(pl.col("reason_code") == "duplicate_return")["reason"].item()
    assert reason == "a second return for recovery in 2025-06; the first, on row 1, is used"
    assert result.summary["returns"] == {"rows_read": 5, "rows_used": 1, "rows_excepted": 4}
    assert measures(result, "2025-06")["recovery"]["rate"] == "60.0%"


def test_a_scope_that_names_providers_counts_across_them(tmp_path, plugins):
    shared = ("{id: reviewed, indicator: reviewed_in_period, scope: {provider: {one_of: [RT2, RXV]}}, weight: 100%, "
              "floor: 50%, target: 100%}")
    episodes = ("e1,p1,RT2,01W,3,2025-04-01,,community,CMHT\n"
                "e2,p2,RXV,01W,3,2025-04-01,,community,CMHT\n"
                "e3,p3,RXV,01Y,3,2025-04-01,,community,CMHT")  # another commissioner: not counted
    # p1 reviewed by RT2 and p2 by RXV, each within six months; p2's RT2 review is not theirs to count
    assessments = "p1,RT2,2025-05-10,MHCT,3,\np2,RXV,2025-05-10,MHCT,3,\np3,RT2,2025-05-10,MHCT,3,"
    result = run_case(tmp_path, plugins, outcomes_with(shared), episodes, "2025-06", assessments=assessments)
    row = measures(result, "2025-06")["reviewed"]
    assert (row["numerator"], row["denominator"]) == (2, 2)
    # without the provider in its scope, a measure counts only the arrangement's provider, RT2
    own = outcomes_with("{id: reviewed, indicator: reviewed_in_period, weight: 100%, floor: 50%, target: 100%}")
    result = run_case(tmp_path, plugins, own, episodes, "2025-06", assessments=assessments)
    assert (measures(result, "2025-06")["reviewed"]["denominator"]) == 1
