"""Money within bounds: a ruleset states at most £1,000,000,000.00, a run computes at most
£1,000,000,000,000.00 (a line, or all its lines together), and beyond either the answer is a
clear error, never a figure an integer wrapped. Prices and quantities are driven to the edges
through the real pricing path; every expected amount is worked in Decimal, half up."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import SimpleNamespace
from typing import Literal

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import HEADER, ruleset_text
from contract_helpers import run_contract
from localpay import hookimpl
from localpay.cli import cli
from localpay.errors import MoneyError, RulesetError
from localpay.inputs.budgets import check_budgets, read_budgets
from localpay.lines import PRICED_COLUMNS, finalise_lines, payment_line
from localpay.money import (MAX_AMOUNT_PENCE, MAX_STATED, MAX_UNIT_MICROS, amount_expr, checked_amounts,
                            micros_to_decimal)
from localpay.periods import Month
from localpay.plugin import Arrangement, Code, PaymentOption, Priced, lines_frame
from localpay.testing import price_case

LIMIT_MICROS = int(MAX_STATED) * 1_000_000  # £1,000,000,000.00 = 10^15 micros
INT64 = 2**63 - 1


def exact_pence(quantity: int, micros: int) -> int:
    """quantity x unit price in pence, half away from zero, worked in Decimal with the places two
    64-bit integers' product needs (no integer limits)."""
    with localcontext() as context:
        context.prec = 60
        return int((Decimal(quantity) * Decimal(micros) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tariff(price: str, extra: str = "") -> str:
    return ruleset_text(textwrap.dedent(f"""\
        - id: tariff
          option: cluster
          provider: RT2
          commissioner: 01W
          clause: Schedule 3A
          basis: per_day
          prices:
            2025-04-01: {{3: {price}}}
        """) + extra)


def capitation(price: str) -> str:
    return f"""\
- id: capitation
  option: capitation
  provider: RT2
  commissioner: 01W
  clause: Schedule 3C
  price_per_person: {price}
  per: month
"""


def june(days: int, count: int = 1) -> str:
    """``count`` people in cluster 3 from 1 June for ``days`` days (the end date not counted)."""
    end = dt.date(2025, 6, 1) + dt.timedelta(days=days)
    return HEADER + "\n" + "".join(f"E{i},P{i},RT2,01W,3,2025-06-01,{end},,\n" for i in range(count))


# ---------------------------------------------------------------------------------------------
# the two figures of the report, end to end through the command line


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("written, shown", [("400000000000.00", "400000000000.00"), ("9.3e12", "9.3E+12")])
def test_the_reported_prices_are_refused_with_their_line_and_key_before_any_money(tmp_path, written, shown):
    # 400,000,000,000.00 a day for 30 days priced -£6,446,744,073,709.55 (30 x 4 x 10^17 micros
    # wrapped past 2^63), and 9.3e12 ended in a traceback: both are refused at the ruleset now
    (tmp_path / "r.yaml").write_text(tariff(written))
    (tmp_path / "e.csv").write_text(HEADER + "\nE1,P1,RT2,01W,3,2025-06-01,,,\n")
    out = tmp_path / "out"
    result = invoke("run", tmp_path / "r.yaml", tmp_path / "e.csv", "--period", "2025-06", "--out", out)
    assert result.exit_code == 2
    assert result.output.startswith("localpay: error: the ruleset has 1 problem; no money was computed\n")
    # the price is on line 18 of the ruleset (ruleset_text's header is 10 lines, then 8 of the tariff)
    assert (f"r.yaml, line 18 [arrangements[0].prices[2025-04-01][3]]: a sum of money in a ruleset is at most "
            f"£1,000,000,000.00; found {shown}") in result.output
    assert not out.exists()
    assert invoke("validate", tmp_path / "r.yaml").exit_code == 2


def test_the_highest_price_a_ruleset_may_state_is_paid_exactly(price):
    case = price(tariff("1000000000.00"), "E1,P1,RT2,01W,3,2025-06-01,,,", "2025-06")
    # 30 June days x £1,000,000,000.00 = £30,000,000,000.00 (3 x 10^12 pence)
    assert case.lines.select("quantity", "unit_price", "value", "amount").rows() == [
        (30, 10**15, 3 * 10**12, 3 * 10**12)]


# ---------------------------------------------------------------------------------------------
# properties: prices and quantities at the edges, through the real pricing path

EDGE_MICROS = [0, 1, 4_999, 5_000, 10_000, 3_100_000, LIMIT_MICROS - 1, LIMIT_MICROS, LIMIT_MICROS + 1,
               2 * LIMIT_MICROS, INT64 // 30, INT64 // 30 + 1, INT64]
prices = st.one_of(st.sampled_from(EDGE_MICROS), st.integers(0, 2 * LIMIT_MICROS))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(micros=prices, days=st.integers(1, 30))
@example(micros=400_000_000_000 * 10**6, days=30)  # the report's price
@example(micros=LIMIT_MICROS + 1, days=1)
def test_a_day_price_is_exact_or_refused_at_the_ruleset(tmp_path_factory, plugins, micros, days):
    folder = tmp_path_factory.mktemp("tariff")
    ruleset = tariff(f"{micros_to_decimal(micros):f}")
    if micros > LIMIT_MICROS:
        with pytest.raises(RulesetError, match=r"\[arrangements\[0\]\.prices\[2025-04-01\]\[3\]\]: a sum of money in a "
                           r"ruleset is at most £1,000,000,000\.00"):
            price_case(ruleset, june(days), "2025-06", plugins=plugins, folder=folder)
        return
    lines = price_case(ruleset, june(days), "2025-06", plugins=plugins, folder=folder).lines
    # at most 30 days x 10^15 micros: 3 x 10^12 pence, within every bound, so always exact
    assert lines.select("quantity", "unit_price", "value").rows() == [(days, micros, exact_pence(days, micros))]


PEOPLE = [0, 1, 9_999, 10_000, 100_000, 999_999_999, INT64 // LIMIT_MICROS, INT64 // LIMIT_MICROS + 1]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(micros=st.one_of(st.sampled_from(EDGE_MICROS[:8]), st.integers(0, LIMIT_MICROS)),
       people=st.one_of(st.sampled_from(PEOPLE), st.integers(0, 999_999_999)))
@example(micros=LIMIT_MICROS, people=999_999_999)  # 10^24 micros: past 2^63 in the product itself
@example(micros=LIMIT_MICROS, people=100_000)  # exactly £1e14: the bound, paid
@example(micros=LIMIT_MICROS, people=100_001)  # a pound past it
@example(micros=LIMIT_MICROS, people=9_223)  # 9.223 x 10^18 micros: just below 2^63, yet past the bound
def test_a_population_times_a_price_is_exact_or_stops_the_run(tmp_path_factory, plugins, micros, people):
    folder = tmp_path_factory.mktemp("capitation")
    expected = exact_pence(people, micros)
    run = lambda: run_contract(folder, plugins, capitation(f"{micros_to_decimal(micros):f}"), "2025-06",  # noqa: E731
                               population=f"01W,2025-06,{people}")
    if expected > MAX_AMOUNT_PENCE:  # beyond £1,000,000,000,000.00 (10^14 pence)
        with pytest.raises(MoneyError, match=r"arrangement 'capitation', 2025-06: .* people at .* a person-month comes "
                           r"to £.*, beyond the £1,000,000,000,000\.00 any figure of a run may reach; nothing was written"):
            run()
        return
    result = run()
    assert result.lines.select("quantity", "unit_price", "value", "amount").rows() == [
        (people, micros, expected, expected)]


def priced(quantity: list[int], micros: list[int]) -> pl.DataFrame:
    return pl.DataFrame({
        **{c: [None] * len(quantity) for c in PRICED_COLUMNS}, "arrangement": "a", "option": "o", "provider": "RT2",
        "commissioner": "01W", "period": "2025-06", "quantity": quantity, "unit": "day", "unit_price": micros,
        "status": "payable"}).cast(PRICED_COLUMNS)  # type: ignore[arg-type]


int64 = st.integers(-INT64, INT64)
near_edges = st.one_of(int64, st.sampled_from([0, 1, -1, 5_000, -5_000, 10**9, -(10**9), 3 * 10**9 + 1, INT64, -INT64,
                                               2**31, 2**32 + 1, LIMIT_MICROS, -LIMIT_MICROS, MAX_UNIT_MICROS]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(near_edges, near_edges), min_size=1, max_size=6))
@example([(30, 3_100_000), (-3, 5_000), (3, -5_000)])  # £93.00, and -1.5p -> -2p twice: half away from zero
@example([(2**62, 2**62)])  # 2^124 micros: past 64 bits in the product, refused
@example([(1, LIMIT_MICROS * 100)] * 2)  # two lines at the bound, £2 x 10^12 together: refused
def test_any_64_bit_quantity_and_price_give_the_exact_amount_or_a_money_error(pairs):
    # negative quantities and prices are real (a reclaim, a refund): the sign is kept, half away from zero
    quantity, micros = [q for q, _ in pairs], [p for _, p in pairs]
    exact = [exact_pence(q, p) for q, p in pairs]
    within = all(abs(e) <= MAX_AMOUNT_PENCE for e in exact) and sum(abs(e) for e in exact) <= MAX_AMOUNT_PENCE
    if not within:
        with pytest.raises(MoneyError, match="beyond the £1,000,000,000,000.00 any figure of a run may reach"):
            finalise_lines(priced(quantity, micros), "option 'o'")
        return
    lines = finalise_lines(priced(quantity, micros), "option 'o'")
    assert lines["value"].to_list() == lines["amount"].to_list() == exact
    assert lines.schema["value"] == lines.schema["amount"] == pl.Int64


def test_the_sum_of_lines_is_bounded_though_each_line_is_within():
    # 92,234 lines of £1,000,000,000.00 would pass 2^63 pence (£92,233,720,368,547,758.07) once summed
    # in 64 bits; the bound stops the sum at £1,000,000,000,000.00: 1,000 such lines are paid, 1,001 not
    at_bound = priced([1] * 1_000, [10**9 * 10**6] * 1_000)
    assert finalise_lines(at_bound, "w")["value"].sum() == MAX_AMOUNT_PENCE
    with pytest.raises(MoneyError, match=r"^w: the sum of 1,001 lines comes to £1,001,000,000,000\.00, beyond"):
        finalise_lines(priced([1] * 1_001, [10**9 * 10**6] * 1_001), "w")
    # a 128-bit sum would have been needed: 2^63 pence in two halves is refused, not wrapped
    frame = pl.DataFrame({"value": [2**62, 2**62]}, schema={"value": pl.Int64})
    with pytest.raises(MoneyError, match=r"^w: a line comes to £46,116,860,184,273,879\.04, beyond"):
        checked_amounts(frame, "w")


def test_a_line_beyond_the_bound_is_named():
    with pytest.raises(MoneyError) as raised:
        finalise_lines(priced([30], [400_000_000_000 * 10**6]), "option 'cluster' (localpay.plugins.cluster)")
    # 30 x £400,000,000,000.00 = £12,000,000,000,000.00, where 64 bits gave -£6,446,744,073,709.55
    assert str(raised.value) == (
        "option 'cluster' (localpay.plugins.cluster): a line (arrangement a, 2025-06: 30 x £400,000,000,000.00) comes "
        "to £12,000,000,000,000.00, beyond the £1,000,000,000,000.00 any figure of a run may reach; nothing was "
        "written (is a price or a quantity mistyped?)")


def test_the_public_amount_expression_never_wraps():
    # 3 x half a penny = 1.5p -> 2p; 2^62 x 2^62 micros is 2^124 / 10^4 pence, past 64 bits
    frame = pl.DataFrame({"q": [3, 2**62], "p": [5_000, 2**62]})
    assert frame.head(1).select(amount_expr(pl.col("q"), pl.col("p")))[0, 0] == 2
    with pytest.raises(pl.exceptions.InvalidOperationError, match="i128"):
        frame.select(amount_expr(pl.col("q"), pl.col("p")))


# ---------------------------------------------------------------------------------------------
# the ruleset's money: every field that states a sum, and local rules


@pytest.mark.parametrize("arrangement, key", [
    ("- id: b\n  option: block\n  provider: RT2\n  commissioner: 01W\n  clause: S3\n  annual_value: 1000000000.01\n",
     "arrangements[0].annual_value"),
    (capitation("1000000000.000001"), "arrangements[0].price_per_person"),
    ("- id: t\n  option: cluster\n  provider: RT2\n  commissioner: 01W\n  clause: S\n  basis: per_day\n"
     "  prices: {2025-04-01: {3: 1}}\n  inpatient_per_day: {2025-04-01: 1e10}\n",
     "arrangements[0].inpatient_per_day[2025-04-01]"),
])
def test_any_sum_a_ruleset_states_is_bounded(tmp_path, plugins, arrangement, key):
    (tmp_path / "r.yaml").write_text(ruleset_text(arrangement))
    with pytest.raises(RulesetError) as raised:
        price_case(tmp_path / "r.yaml", HEADER + "\n", "2025-06", plugins=plugins)
    [problem] = raised.value.problems
    assert (problem.key, problem.message.split(";")[0]) == (key, "a sum of money in a ruleset is at most £1,000,000,000.00")


def test_a_rules_price_is_bounded_like_the_tariffs(price):
    rules = "rules:\n  - {id: setp, clause: c, when: {cluster: 3}, then: {price: 1000000000.01}}\n"
    with pytest.raises(RulesetError, match=r"\[rules\[0\]\.then\.price\]: a sum of money in a ruleset is at most "
                       r"£1,000,000,000\.00; found 1000000000\.01"):
        price(tariff("3.10") + rules, "E1,P1,RT2,01W,3,2025-06-01,,,", "2025-06")


def test_uplifts_that_move_a_price_past_the_bound_stop_the_run(price):
    rules = "rules:\n" + "".join(f"  - {{id: up{i}, clause: c, when: {{cluster: 3}}, then: {{uplift: 100%}}}}\n"
                                 for i in range(10))
    # £1,000,000,000.00 doubled ten times is £1,024,000,000,000.00 a day: past £10^12 as a unit price
    with pytest.raises(MoneyError, match=r"^the local rules up0, up1, .*, up9 move a unit price of £1,000,000,000\.00 to "
                       r"£1,024,000,000,000\.00, beyond the £1,000,000,000,000\.00 a unit price of a run may reach"):
        price(tariff("1000000000.00") + rules, "E1,P1,RT2,01W,3,2025-06-01,,,", "2025-06")
    # nine doublings: £512,000,000,000.00 a day is a price, but 30 days of it is past the line bound
    nine = "rules:\n" + rules.split("\n", 1)[1].rsplit("  - {id: up9", 1)[0]
    with pytest.raises(MoneyError, match=r"^local rules: a line \(arrangement tariff, episode E1, 2025-06: 30 x "
                       r"£512,000,000,000\.00\) comes to £15,360,000,000,000\.00, beyond"):
        price(tariff("1000000000.00") + nine, "E1,P1,RT2,01W,3,2025-06-01,,,", "2025-06")
    # and within the bounds they are exact: £7.80 x 2^9 = £3,993.60 a day, x 30 = £119,808.00
    case = price(tariff("7.80") + nine, "E1,P1,RT2,01W,3,2025-06-01,,,", "2025-06")
    assert case.lines.select("unit_price", "value").rows() == [(3_993_600_000, 11_980_800)]


def test_a_runs_lines_together_are_bounded(price):
    # each line 30 x £1,000,000,000.00 = £30,000,000,000.00; 33 of them £990,000,000,000.00 (paid),
    # 34 of them £1,020,000,000,000.00, past £1,000,000,000,000.00
    rows = "\n".join(f"E{i},P{i},RT2,01W,3,2025-06-01,,," for i in range(34))
    assert price(tariff("1000000000.00"), rows.rsplit("\n", 1)[0], "2025-06").paid("2025-06") == Decimal("990000000000.00")
    with pytest.raises(MoneyError, match=r"the sum of 34 lines comes to £1,020,000,000,000\.00, beyond"):
        price(tariff("1000000000.00"), rows, "2025-06")


def test_an_activity_plan_is_bounded_in_units_and_in_value(tmp_path, plugins):
    plan = "  activity_plan: {3: %s}\n"
    (tmp_path / "r.yaml").write_text(tariff("3.10", plan % "1000000001"))
    with pytest.raises(RulesetError, match=r"\[arrangements\[0\]\.activity_plan\[3\]\]: expected a number at most "
                       r"1000000000, found 1000000001"):
        price_case(tmp_path / "r.yaml", HEADER + "\n", "2025-06", plugins=plugins)
    # a billion days a year at £1,000,000,000.00 is worth £10^18: the plan is refused, not scheduled
    (tmp_path / "r.yaml").write_text(tariff("1000000000.00", plan % "1000000000"))
    with pytest.raises(RulesetError, match=r"\[arrangements\[0\]\.activity_plan\]: the activity plan is worth "
                       r"£1,000,000,000,000,000,000\.00 a year at its prices, beyond the £1,000,000,000,000\.00"):
        price_case(tmp_path / "r.yaml", HEADER + "\n", "2025-06", plugins=plugins)


def test_a_budget_formula_is_bounded_at_its_most_points(tmp_path, plugins):
    weights = ", ".join(f"{i}: 1000" for i in range(1, 13))

    def phb(per_point: str) -> str:
        return ruleset_text(textwrap.dedent(f"""\
            - id: pb
              option: phb
              provider: RT2
              commissioner: 01W
              clause: S2J
              allocation:
                item_weights: {{{weights}}}
                price_per_point: {per_point}
                moderation: 25%
            """))
    # the most points: 12 items x weight 1,000 x a score of 4 = 48,000; x £20,833.33 = £999,999,840.00
    (tmp_path / "ok.yaml").write_text(phb("20833.33"))
    price_case(tmp_path / "ok.yaml", HEADER + "\n", "2025-06", plugins=plugins)
    # x £20,833.34 = £1,000,000,320.00: past what a ruleset may state as a budget
    (tmp_path / "r.yaml").write_text(phb("20833.34"))
    with pytest.raises(RulesetError, match=r"\[arrangements\[0\]\.allocation\.price_per_point\]: at 20833.34 a point, "
                       r"the most points a person can score \(48000\) come to £1,000,000,320\.00 a year"):
        price_case(tmp_path / "r.yaml", HEADER + "\n", "2025-06", plugins=plugins)


def test_a_contract_line_beyond_a_unit_price_is_refused_by_name():
    arrangement = SimpleNamespace(id="block", option="block", provider="RT2", commissioner="01W", clause="S3")
    line = payment_line(arrangement=arrangement, month=Month.parse("2025-06"), unit="month",  # type: ignore[arg-type]
                        pence=MAX_AMOUNT_PENCE)
    assert line["unit_price"] == MAX_UNIT_MICROS
    with pytest.raises(MoneyError, match=r"^arrangement 'block', 2025-06: a unit price of £1,000,000,000,000\.01 is beyond"):
        payment_line(arrangement=arrangement, month=Month.parse("2025-06"), unit="month",  # type: ignore[arg-type]
                     pence=MAX_AMOUNT_PENCE + 1)


class Huge(Arrangement):
    option: Literal["huge"]
    provider: Code
    commissioner: Code


class HugePlugin:
    """An option whose arithmetic passes 64 bits before the core sees its lines."""

    @hookimpl
    def localpay_payment_options(self):
        def settle(arrangement, context):
            rows = [{"arrangement": arrangement.id, "option": "huge", "provider": arrangement.provider,
                     "commissioner": arrangement.commissioner, "period": "2025-06", "quantity": 1, "unit": "month",
                     "unit_price": 2**70, "status": "payable", "from_date": None, "to_date": None}]
            return Priced(lines_frame(rows))
        return [PaymentOption(name="huge", summary="too big", parameters=Huge, settle=settle,
                              describe=lambda arrangement, ruleset: None)]


def test_an_overflow_inside_an_option_stops_the_run_naming_the_arrangement():
    ruleset = ruleset_text("- id: big\n  option: huge\n  provider: RT2\n  commissioner: 01W\n  clause: S\n")
    with pytest.raises(MoneyError, match=r"^arrangement 'big': a figure is too large to compute \(.*\); money is "
                       r"computed only within £1,000,000,000,000\.00; nothing was written"):
        price_case(ruleset, HEADER + "\n", "2025-06", extra=[HugePlugin()])


# ---------------------------------------------------------------------------------------------
# the data's money: a budget beyond what a ruleset may state is a bad row, quoted


def test_a_budget_amount_past_the_bound_is_a_bad_row_quoted(tmp_path):
    path = tmp_path / "budgets.csv"
    path.write_text("patient_id,start_date,type,agreed_annual_amount,spent_to_date\n"
                    "P1,2025-04-01,notional,1000000000.00,0\n"          # the bound: used
                    "P2,2025-04-01,notional,1000000000.01,0\n"          # a penny past it
                    "P3,2025-04-01,notional,999999999999.99,5\n"        # twelve digits, once accepted
                    "P4,2025-04-01,notional,700,\"1,000,000,000,000\"\n"  # a spend past it
                    "P5,2025-04-01,notional,1000000000000000000,0\n")   # past 64 bits of pence: not money
    usable, exceptions = check_budgets(read_budgets(path), ["01W"])
    assert usable["agreed_annual_amount"].to_list() == [100_000_000_000]
    assert exceptions.sort("row").select("row", "reason_code", "column", "value", "reason").rows() == [
        (2, "bad_amount", "agreed_annual_amount", "1000000000.01",
         "expected an amount of at most £1,000,000,000.00, found '1000000000.01'"),
        (3, "bad_amount", "agreed_annual_amount", "999999999999.99",
         "expected an amount of at most £1,000,000,000.00, found '999999999999.99'"),
        (4, "bad_amount", "spent_to_date", "1,000,000,000,000",
         "expected an amount of at most £1,000,000,000.00, found '1,000,000,000,000'"),
        (5, "bad_amount", "agreed_annual_amount", "1000000000000000000",
         "expected an amount in pounds with at most two decimal places, found '1000000000000000000'"),
    ]
