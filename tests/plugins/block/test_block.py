"""Block contracts, worked by hand: instalments that add up to the year, and a shadow tariff
priced beside the block and not paid."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from contract_helpers import SHADOW_TARIFF, details, pounds, run_contract
from localpay.errors import RulesetError


def block(annual: str, compare: str = "") -> str:
    return f"""\
- id: block
  option: block
  provider: RT2
  commissioner: 01W
  clause: Schedule 3 block
  annual_value: {annual}
{compare}"""


ONE_PERSON = "E1,P1,RT2,01W,3,2025-04-01,,community,CMHT"
# 22 May to 10 June in cluster 3 (the end date, 11 June, is not counted): 10 days in May, 10 in June
MAY_TO_JUNE = "E1,P1,RT2,01W,3,2025-05-22,2025-06-11,community,CMHT"


def test_a_million_in_twelve_instalments_adds_up_to_the_year(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, block("1000000.00"), "2026-03", from_period="2025-04")
    paid = pounds(result, "block")
    # 100,000,000p x k / 12 rounded half up, less the same for k - 1: 8,333,333.33 -> 8,333,333;
    # 16,666,666.67 -> 16,666,667 (so 8,333,334); 25,000,000 (so 8,333,333); and again each quarter
    assert paid == [D("83333.33"), D("83333.34"), D("83333.33")] * 4
    assert sum(paid) == D("1000000.00")
    assert set(result.lines["unit"]) == {"month"} and set(result.lines["status"]) == {"payable"}


def test_without_a_comparison_a_month_is_priced_alone(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, block("1200000.00"), "2025-06")
    assert [m.label for m in result.months] == ["2025-06"]
    assert pounds(result, "block") == [D("100000.00")]
    june = details(result, "block", "2025-06")[0]
    # the block's year to date comes from its schedule: 3 x £100,000.00; nothing is compared
    assert (june["block_to_date_amount"], june["shadow_value"], june["compared"]) == (30_000_000, None, None)


def test_odd_pence_are_placed_so_the_year_adds_up_exactly(tmp_path, plugins):
    result = run_contract(tmp_path, plugins, block("100000.07"), "2026-03", from_period="2025-04")
    # 10,000,007p x k / 12: 833,333.92 -> 833,334 (k=1), 1,666,667.83 -> 1,666,668, 2,500,001.75 ->
    # 2,500,002, 3,333,335.67 -> 3,333,336, 4,166,669.58 -> 4,166,670, 5,000,003.5 -> 5,000,004 (half up),
    # 5,833,337.42 -> 5,833,337 (October: 833,333), 6,666,671.33 -> 6,666,671, ... 10,000,007
    assert pounds(result, "block") == [D("8333.34")] * 6 + [D("8333.33")] + [D("8333.34")] * 5
    assert sum(pounds(result, "block")) == D("100000.07")
    october = result.lines.filter(pl.col("period") == "2025-10")["note"].item()
    assert october == "instalment 7 of 12 of £100,000.07 a year; £58,333.37 to date"


def test_the_shadow_tariff_is_priced_in_full_and_not_paid_while_the_block_is(tmp_path, plugins):
    arrangements = block("1200000.00", "  compare: [cluster-tariff]\n") + SHADOW_TARIFF.format(price="7.80")
    result = run_contract(tmp_path, plugins, arrangements, "2025-06", MAY_TO_JUNE)
    # the shadow value to date needs the year from April: the run starts there though June was asked
    assert [m.label for m in result.months] == ["2025-04", "2025-05", "2025-06"]
    assert pounds(result, "block") == [D("100000.00")] * 3  # £1,200,000.00 / 12
    tariff = result.lines.filter(pl.col("arrangement") == "cluster-tariff")
    # 10 days x £7.80 = £78.00 in each of May and June, status shadow, paid nothing
    assert tariff.select("period", "status", "value", "amount").rows() == [
        ("2025-05", "shadow", 7800, 0), ("2025-06", "shadow", 7800, 0)]
    june = details(result, "block", "2025-06")[0]
    assert (june["block_amount"], june["shadow_value"], june["difference_value"]) == (10_000_000, 7800, -9_992_200)
    # to date: 3 x £100,000.00 against 2 x £78.00
    assert (june["block_to_date_amount"], june["shadow_to_date_value"], june["difference_to_date_value"]) == (
        30_000_000, 15_600, -29_984_400)
    assert details(result, "block", "2025-04")[0]["shadow_value"] == 0  # no activity in April


def test_the_statement_shows_the_block_beside_the_shadow_value(tmp_path, plugins):
    from localpay.statement.writing import write_outputs

    arrangements = block("1200000.00", "  compare: [cluster-tariff]\n") + SHADOW_TARIFF.format(price="7.80")
    result = run_contract(tmp_path, plugins, arrangements, "2025-06", MAY_TO_JUNE)
    [statement] = write_outputs(result, tmp_path / "out", ["localpay", "run"]).statements
    assert (statement["totals"]["payable"], statement["totals"]["shadow"]) == (D("100000.00"), D("78.00"))
    [working] = [w for w in statement["workings"] if w["kind"] == "block"]
    assert working["title"] == "Block"
    row = dict(zip(working["columns"], working["rows"][0]))
    assert (row["block_amount"], row["shadow_value"], row["difference_value"], row["shadow_to_date_value"]) == (
        D("100000.00"), D("78.00"), D("-99922.00"), D("156.00"))
    markdown = (tmp_path / "out" / "statement-RT2-01W-2025-06.md").read_text()
    assert "| 3 of 12 | £100,000.00 | £78.00 | -£99,922.00 | £300,000.00 | £156.00 | -£299,844.00 | cluster-tariff |" in markdown


def test_the_schedule_states_the_year_the_instalments_and_the_shadow_tariff(tmp_path, plugins):
    from localpay.schedule.sections import schedule_sections

    arrangements = block("100000.07", "  compare: [cluster-tariff]\n") + SHADOW_TARIFF.format(price="7.80")
    ruleset = run_contract(tmp_path, plugins, arrangements, "2025-06").ruleset
    [section] = [s for owner, s in schedule_sections(ruleset, plugins) if owner == "block"]
    text = " ".join(section.paragraphs)
    assert ("NHS Testshire (01W) pays Test Trust (RT2) a block of £100,000.07 a year (Schedule 3 block), in 12 "
            "monthly instalments of £8,333.33 or £8,333.34 that add up to the year exactly") in text
    assert "Shadow tariff: cluster-tariff is priced in full beside the block and not paid." in text
    [table] = section.tables
    assert table.rows[6] == ("2025-10", "£8,333.33", "£58,333.37") and table.rows[-1] == ("2026-03", "£8,333.34", "£100,000.07")


@pytest.mark.parametrize("compare, tariff, message", [
    ("[tariff]", "", "'tariff' is not a shadow arrangement: mark it shadow: true"),
    ("[tarrif]", "", "no arrangement has the id 'tarrif'"),
    ("[block]", "", "a block cannot be compared with itself"),
    ("[cluster-tariff]", "commissioner: 01Y", "'cluster-tariff' is between RT2 and 01Y, not RT2 and 01W"),
])
def test_a_compared_arrangement_must_be_a_shadow_of_the_same_parties(tmp_path, plugins, compare, tariff, message):
    shadow = SHADOW_TARIFF.format(price="7.80")
    if tariff:
        shadow = shadow.replace("commissioner: 01W", tariff)
    paid = SHADOW_TARIFF.format(price="7.80").replace("cluster-tariff", "tariff").replace("  shadow: true\n", "") \
        .replace("provider: RT2", "provider: RXV")
    arrangements = block("1200000.00", f"  compare: {compare}\n") + shadow + paid
    with pytest.raises(RulesetError) as caught:
        run_contract(tmp_path, plugins, arrangements, "2025-06")
    problems = [p for p in caught.value.problems if p.key.startswith("arrangements[0].compare")]
    assert [p.key for p in problems] == ["arrangements[0].compare[0]"]
    assert message in problems[0].message and problems[0].line == 17  # the line of compare: in the file


def test_an_annual_value_in_fractions_of_a_penny_is_a_load_error(tmp_path, plugins):
    with pytest.raises(RulesetError) as caught:
        run_contract(tmp_path, plugins, block("1200000.005"), "2025-06")
    [problem] = caught.value.problems
    assert problem.key == "arrangements[0].annual_value" and "more than two decimal places" in problem.message
