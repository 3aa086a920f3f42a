"""Risk share around a block or an activity plan, worked by hand.

The block is £36,000.00 a year: £3,000.00 a month, £9,000.00 to 30 June and £18,000.00 to 30
September. The actual activity is a cluster tariff run in shadow: one person in cluster 3 from
1 April, 91 days to 30 June (30 + 31 + 30) and 183 to 30 September (+ 31 + 31 + 30), at a price
a day chosen for each case. The corridor is 3%: £270.00 of £9,000.00, £540.00 of £18,000.00.
"""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from contract_helpers import SHADOW_TARIFF, details, pounds, run_contract
from localpay.errors import RulesetError


BLOCK = """\
- id: block
  option: block
  provider: RT2
  commissioner: 01W
  clause: Schedule 3 block
  annual_value: 36000.00
  compare: [cluster-tariff]
"""
ONE_PERSON = "E1,P1,RT2,01W,3,2025-04-01,,community,CMHT"


def risk(limits: str = "", settlement: str = "quarterly", around: str = "{block: block}") -> str:
    return f"""\
- id: risk-share
  option: risk_share
  provider: RT2
  commissioner: 01W
  clause: Schedule 3 risk share
  around: {around}
  actual: [cluster-tariff]
  corridor: 3%
  excess_rate: 50%
  shortfall_rate: 40%
  settlement: {settlement}
{limits}"""


def arrangements(price: str, limits: str = "", settlement: str = "quarterly") -> str:
    return BLOCK + SHADOW_TARIFF.format(price=price) + risk(limits, settlement)


def settlement(result, period: str = "2025-06") -> dict:
    [row] = [r for r in details(result, "risk_share", period)]
    return row


@pytest.mark.parametrize("price, limits, paid, working", [
    # 91 x £100.00 = £9,100.00: £100.00 above, inside the £270.00 corridor: nothing
    ("100.00", "", None, "actual £9,100.00 is £100.00 above the block of £9,000.00; the corridor of 3% is £270.00; "
                         "within it, no adjustment"),
    # 91 x £110.00 = £10,010.00: £1,010.00 above; excess £1,010.00 - £270.00 = £740.00; 50% = £370.00
    ("110.00", "", D("370.00"), "actual £10,010.00 is £1,010.00 above the block of £9,000.00; the corridor of 3% is "
                                "£270.00; the excess £740.00 at 50% is £370.00, paid by the commissioner"),
    # 91 x £90.00 = £8,190.00: £810.00 below; shortfall £810.00 - £270.00 = £540.00; 40% = £216.00 refunded
    ("90.00", "", D("-216.00"), "actual £8,190.00 is £810.00 below the block of £9,000.00; the corridor of 3% is "
                                "£270.00; the shortfall £540.00 at 40% is £216.00, refunded by the provider"),
    # the £370.00 is capped at £300.00
    ("110.00", "  cap: 300.00\n", D("300.00"), "the excess £740.00 at 50% is £370.00, capped at £300.00, paid by the "
                                               "commissioner"),
    # the £216.00 refund is limited by the collar to £200.00
    ("90.00", "  collar: 200.00\n", D("-200.00"), "the shortfall £540.00 at 40% is £216.00, limited by the collar to "
                                                  "£200.00, refunded by the provider"),
])
def test_the_first_quarter_inside_above_and_below_the_corridor(tmp_path, plugins, price, limits, paid, working):
    result = run_contract(tmp_path, plugins, arrangements(price, limits), "2025-06", ONE_PERSON)
    assert pounds(result, "risk-share") == ([paid] if paid is not None else [])
    row = settlement(result)
    assert row["kind"] == "settlement" and row["working"].endswith(working)
    assert (row["baseline_value"], row["corridor_amount"]) == (900_000, 27_000)
    assert row["settlement_amount"] == (int(paid * 100) if paid is not None else 0)


def test_the_settlement_details_carry_every_step(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, arrangements("90.00"), "2025-06", ONE_PERSON)
    row = settlement(result)
    assert {k: row[k] for k in ("baseline_value", "actual_value", "difference_value", "corridor_amount",
                                "excess_amount", "shortfall_amount", "rate", "adjustment_to_date_amount",
                                "earlier_amount", "settlement_amount")} == {
        "baseline_value": 900_000, "actual_value": 819_000, "difference_value": -81_000, "corridor_amount": 27_000,
        "excess_amount": 0, "shortfall_amount": 54_000, "rate": "40%", "adjustment_to_date_amount": -21_600,
        "earlier_amount": 0, "settlement_amount": -21_600}
    line = result.lines.filter(pl.col("arrangement") == "risk-share").row(0, named=True)
    assert (line["unit"], line["status"], line["from_date"].isoformat()) == ("settlement", "payable", "2025-04-01")
    assert line["reason"] == "paid back by the provider: the risk share to date is -£216.00"


@pytest.mark.parametrize("limits, second", [
    # to 30 September: 183 x £110.00 = £20,130.00, £2,130.00 above £18,000.00; excess £2,130.00 - £540.00 =
    # £1,590.00; 50% = £795.00 to date, less the £370.00 of June: £425.00
    ("", D("425.00")),
    # capped at £600.00 over the year: £600.00 less the £370.00 of June
    ("  cap: 600.00\n", D("230.00")),
])
def test_a_second_quarterly_settlement_nets_the_first(tmp_path, plugins, limits, second):
    result = run_contract(tmp_path, plugins, arrangements("110.00", limits), "2025-09", ONE_PERSON)
    assert pounds(result, "risk-share") == [D("370.00"), second]
    row = settlement(result, "2025-09")
    assert (row["earlier_amount"], row["settlement_amount"]) == (37_000, int(second * 100))
    note = result.lines.filter(pl.col("period") == "2025-09")
    assert note.filter(pl.col("arrangement") == "risk-share")["note"].item().endswith(
        "; less £370.00 settled earlier in the year")


def test_falling_back_into_the_corridor_pays_back_the_earlier_settlement(tmp_path, plugins):
    # 1 April to 11 September: 91 + 31 + 31 + 11 = 164 days x £110.00 = £18,040.00, £40.00 above the
    # £18,000.00 block, inside the £540.00 corridor: nothing to date, so June's £370.00 comes back
    episode = "E1,P1,RT2,01W,3,2025-04-01,2025-09-12,community,CMHT"
    result = run_contract(tmp_path, plugins, arrangements("110.00"), "2025-09", episode)
    assert pounds(result, "risk-share") == [D("370.00"), D("-370.00")]
    reason = result.lines.filter((pl.col("arrangement") == "risk-share") & (pl.col("period") == "2025-09"))["reason"]
    assert reason.item() == "paid back by the provider: the risk share to date is £0.00 against £370.00 settled earlier in the year"


def test_year_end_settlement_pays_once_and_shows_progress_before(tmp_path, plugins):
    july = run_contract(tmp_path, plugins, arrangements("110.00", settlement="year_end"), "2025-07", ONE_PERSON)
    assert pounds(july, "risk-share") == []
    # to 31 July: 122 x £110.00 = £13,420.00 against £12,000.00; corridor £360.00; excess £1,060.00; 50% = £530.00
    row = settlement(july, "2025-07")
    assert (row["kind"], row["adjustment_to_date_amount"], row["settlement_amount"]) == ("indicative", 53_000, None)
    year = run_contract(tmp_path, plugins, arrangements("110.00", settlement="year_end"), "2026-03", ONE_PERSON)
    # 365 x £110.00 = £40,150.00 against £36,000.00; corridor £1,080.00; excess £3,070.00; 50% = £1,535.00
    assert year.lines.filter(pl.col("arrangement") == "risk-share").select("period", "amount").rows() == [
        ("2026-03", 153_500)]


PLANNED = """\
- id: cluster-tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  basis: per_day
  prices:
    2025-04-01: {3: 100.00}
    2025-06-01: {3: 120.00}
  activity_plan: {3: 300}
"""


def test_around_an_activity_plan_at_its_opening_prices(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, PLANNED + risk(around="{plan: cluster-tariff}"), "2025-06", ONE_PERSON)
    # plan to 30 June: 300 days a year x 91/365 x the opening £100.00 = £7,479.452... -> £7,479.45 (rounded once);
    # actual: April 30 x £100.00 + May 31 x £100.00 + June 30 x £120.00 = £9,700.00, £2,220.55 above;
    # corridor 3% x £7,479.45 = £224.3835 -> £224.38; excess £1,996.17; 50% = £998.085 -> £998.09
    assert pounds(result, "risk-share") == [D("998.09")]
    row = settlement(result)
    assert (row["baseline_value"], row["actual_value"], row["corridor_amount"], row["excess_amount"]) == (
        747_945, 970_000, 22_438, 199_617)
    assert row["working"].startswith("actual £9,700.00 is £2,220.55 above the plan of £7,479.45")


def test_the_statement_shows_the_working(tmp_path, plugins):
    from localpay.statement.writing import write_outputs

    result = run_contract(tmp_path, plugins, arrangements("110.00"), "2025-06", ONE_PERSON)
    [statement] = write_outputs(result, tmp_path / "out", ["localpay", "run"]).statements
    [working] = [w for w in statement["workings"] if w["kind"] == "risk_share"]
    row = dict(zip(working["columns"], working["rows"][0]))
    assert (row["baseline_value"], row["actual_value"], row["corridor_amount"], row["excess_amount"], row["rate"],
            row["settlement_amount"]) == (D("9000.00"), D("10010.00"), D("270.00"), D("740.00"), "50%", D("370.00"))
    assert [(c["arrangement"], c["amount"]) for c in statement["contract_lines"] if c["unit"] == "settlement"] == [
        ("risk-share", D("370.00"))]


def test_the_schedule_states_the_corridor_rates_limits_and_worked_examples(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    ruleset = run_contract(tmp_path, plugins, arrangements("110.00", "  cap: 600.00\n  collar: 500.00\n"),
                           "2025-06", ONE_PERSON).ruleset
    [section] = [s for owner, s in schedule_sections(ruleset, plugins) if owner == "risk-share"]
    text = " ".join(section.paragraphs)
    assert "differing from the block 'block' of £36,000.00 a year" in text
    assert ("Within a corridor of 3% of the baseline either side, nothing changes hands. Above it the commissioner "
            "pays 50% of the excess beyond the corridor, at most £600.00 over the year (the cap); below it the provider "
            "refunds 40% of the shortfall beyond the corridor, at most £500.00 over the year (the collar).") in text
    assert "30 June 2025, 30 September 2025, 31 December 2025, 31 March 2026" in text
    [table] = section.tables
    rows = {row[1]: row for row in table.rows}
    # +5%: £37,800.00, £1,800.00 above; beyond the £1,080.00 corridor £720.00; 50% = £360.00
    assert rows["+5%"] == ("£37,800.00", "+5%", "£1,800.00", "£720.00", "50%", "£360.00")
    # +10%: beyond £2,520.00; 50% = £1,260.00, capped at £600.00. -10%: 40% of £2,520.00 = £1,008.00, collared
    assert rows["+10%"][-1] == "£600.00" and rows["-10%"][-1] == "-£500.00"
    assert rows["+3%"][-1] == rows["0%"][-1] == "£0.00"


def load_problems(tmp_path, plugins, text: str) -> list:
    with pytest.raises(RulesetError) as caught:
        run_contract(tmp_path, plugins, text, "2025-06", ONE_PERSON)
    return [(p.key, p.message) for p in caught.value.problems]


def test_a_risk_share_around_an_unknown_arrangement_or_a_non_block_is_a_load_error(tmp_path, plugins):
    base = BLOCK + SHADOW_TARIFF.format(price="110.00")
    [(key, message)] = load_problems(tmp_path, plugins, base + risk(around="{block: blok}"))
    assert key == "arrangements[2].around.block" and message.startswith("no arrangement has the id 'blok'")
    [(key, message)] = load_problems(tmp_path, plugins, base + risk(around="{block: cluster-tariff}"))
    assert (key, message) == ("arrangements[2].around.block",
                              "'cluster-tariff' is a cluster arrangement, not a block (option: block)")
    [(key, message)] = load_problems(tmp_path, plugins, base + risk(around="{plan: cluster-tariff}"))
    assert key == "arrangements[2].around.plan" and "has no activity_plan" in message


def test_the_block_must_settle_before_the_risk_share(tmp_path, plugins):
    text = SHADOW_TARIFF.format(price="110.00") + risk() + BLOCK
    [(key, message)] = load_problems(tmp_path, plugins, text)
    assert key == "arrangements[1].around.block" and "settles after this arrangement" in message


def test_a_corridor_over_100_percent_and_two_baselines_are_load_errors(tmp_path, plugins):
    base = BLOCK + SHADOW_TARIFF.format(price="110.00")
    [(key, message)] = load_problems(tmp_path, plugins, base + risk().replace("corridor: 3%", "corridor: 150%"))
    assert key == "arrangements[2].corridor" and "from 0% to 100%, found 150%" in message
    [(key, message)] = load_problems(tmp_path, plugins, base + risk(around="{block: block, plan: cluster-tariff}"))
    assert key == "arrangements[2].around" and "one baseline" in message


def test_the_block_is_not_activity(tmp_path, plugins):
    text = BLOCK + SHADOW_TARIFF.format(price="110.00") + risk().replace("actual: [cluster-tariff]", "actual: [block]")
    [(key, message)] = load_problems(tmp_path, plugins, text)
    assert key == "arrangements[2].actual[0]" and "its lines are payments, not the activity delivered" in message
