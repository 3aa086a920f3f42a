"""CQUIN, worked by hand over a whole year.

One person in cluster 4 at £300.00 a day from 1 April 2025 to the year end: 365 days, £109,500.00.
CQUIN is 1.25% of the actual value: £1,368.75. The planned value is £120,000.00, so the planned
CQUIN is £1,500.00, paid on account at £125.00 a month.
"""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from incentive_helpers import measures, pounds, run_case
from localpay.errors import RulesetError

FULL_YEAR = "e1,p1,RT2,01W,4,2025-04-01,,community,CMHT"

CQUIN = """\
- id: cquin
  option: cquin
  provider: RT2
  commissioner: 01W
  clause: Schedule 4 part 3
  percent: 1.25%
  of: [tariff]
  planned_value: 120000.00
  goals:
    - {id: smoking, indicator: reported, weight: 20%, floor: 50%, target: 90%}
    - {id: physical-health, indicator: reported, weight: 30%, floor: 50%, target: 90%}
    - {id: discharge-letters, indicator: reported, weight: 50%, scale: all_or_nothing, target: 80%}
"""

# smoking 40%: below its floor, 0%. physical-health 70%: halfway from 50% to 90%, 50%.
# discharge-letters 85%: at or above its 80% target, 100%.
RETURNS = "smoking,2026-03,40,100\nphysical-health,2026-03,70,100\ndischarge-letters,2026-03,85,100"


@pytest.fixture
def year(tmp_path, plugins):
    return run_case(tmp_path, plugins, CQUIN, FULL_YEAR, "2026-03", RETURNS)


def test_the_year_end_run_prices_the_whole_year(year):
    assert len(year.months) == 12 and year.asked_from.label == "2026-03"
    assert sum(pounds(year, "tariff")) == D("109500.00")


def test_on_account_is_the_planned_cquin_over_twelve(year):
    assert pounds(year, "cquin", "on account") == [D("125.00")] * 12
    notes = set(year.lines.filter(pl.col("unit") == "on account")["note"])
    assert notes == {"on account: 100% of the planned CQUIN of £1,500.00, in twelve instalments"}


def test_three_goals_at_nothing_part_and_full_achievement(year):
    goals = measures(year, "2026-03")
    assert {g: (row["achievement"], row["earned"]) for g, row in goals.items()} == {
        "smoking": ("0.0%", 0),                 # 20% of £1,368.75 = £273.75 at stake, at 0%
        "physical-health": ("50.0%", 20532),    # 30% of £1,368.75 = £410.625 -> £410.63; x 50% = £205.315 -> £205.32
        "discharge-letters": ("100.0%", 68438),  # 50% of £1,368.75 = £684.375 -> £684.38 (half up), all of it
    }
    assert {g: row["at_stake"] for g, row in goals.items()} == {
        "smoking": 27375, "physical-health": 41063, "discharge-letters": 68438}


def test_the_year_end_line_is_earned_minus_paid_and_negative_is_a_recovery(year):
    # earned £0 + £205.32 + £684.38 = £889.70; paid on account 12 x £125.00 = £1,500.00
    [line] = year.lines.filter(pl.col("unit") == "settlement").rows(named=True)
    assert (line["period"], line["amount"]) == ("2026-03", -61030)
    assert line["reason"].startswith("recovery: CQUIN earned £889.70 is less than the £1,500.00 paid on account")
    assert "earned £889.70 of £1,368.75 at stake, less £1,500.00 on account" in line["note"]


def test_without_a_planned_value_on_account_follows_the_actual_value(tmp_path, plugins):
    result = run_case(tmp_path, plugins, CQUIN.replace("  planned_value: 120000.00\n", ""), FULL_YEAR, "2025-05", RETURNS)
    # April: 30 x £300.00 = £9,000.00, 1.25% = £112.50; May: 31 days, £9,300.00 -> £116.25
    assert pounds(result, "cquin", "on account") == [D("112.50"), D("116.25")]


def test_cquin_cannot_be_a_percentage_of_itself_or_of_an_unknown_arrangement(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_case(tmp_path, plugins, CQUIN.replace("of: [tariff]", "of: [tariff, cquin, tarif]"), FULL_YEAR, "2026-03")
    found = {(p.key, p.message) for p in caught.value.problems}
    assert found == {
        ("arrangements[1].of[1]", "an arrangement cannot be a percentage of itself"),
        ("arrangements[1].of[2]", "no arrangement has the id 'tarif' (ids: tariff, cquin)"),
    }
