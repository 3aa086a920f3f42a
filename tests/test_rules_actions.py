"""Local rules' actions and the stated policy when several match, worked by hand.

The tariff (conftest.CLUSTER_PER_DAY) pays RT2 for 01W per day: cluster 3 £7.80, cluster 11
£9.85. A June period from 1 June to 11 June is 10 days (the end date is not counted).
"""

from decimal import Decimal

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.explain import explain_episode

INPUTS = """
inputs:
  episodes:
    service: {type: text, values: [EIP, CMHT, OOA, DUAL, ASSOC]}
"""


def with_rules(rules: str, arrangement: str = CLUSTER_PER_DAY) -> str:
    return ruleset_text(arrangement) + INPUTS + "rules:\n" + rules


def episode(eid="E1", cluster=3, service="CMHT", start="2025-06-01", end="2025-06-11", patient="P1", provider="RT2"):
    return f"{eid},{patient},{provider},01W,{cluster},{start},{end},community,{service}"


def test_uplift_raises_the_unit_price_and_names_the_rule(price):
    case = price(with_rules("""
  - {id: eip-uplift, clause: Schedule 3B 2, when: {service: EIP}, then: {uplift: 10%}}
"""), "\n".join([episode("E1", service="EIP"), episode("E2", patient="P2")]), "2025-06")
    # 7.80 x 1.10 = 8.58 a day; 10 days = 85.80. E2 is CMHT: 10 x 7.80 = 78.00
    assert case.rows("E1") == [("2025-06-01", "2025-06-10", 10, Decimal("8.58"), Decimal("85.80"), "payable")]
    assert case.rows("E2") == [("2025-06-01", "2025-06-10", 10, Decimal("7.8"), Decimal("78.00"), "payable")]
    line = case.lines.filter(pl.col("episode_id") == "E1").row(0, named=True)
    assert line["rules"] == "eip-uplift" and line["option_price"] == 7_800_000


@pytest.mark.parametrize("discount_priority, uplift_priority, micros", [
    # discount first: 7.80 x 0.875 = 6.825; x 1.333333 = 9.0999977... -> 9.099998
    (1, 2, 9_099_998),
    # uplift first: 7.80 x 1.333333 = 10.3999974 -> 10.399997; x 0.875 = 9.099997375 -> 9.099997
    (2, 1, 9_099_997),
])
def test_percentages_apply_in_priority_order(price, discount_priority, uplift_priority, micros):
    case = price(with_rules(f"""
  - {{id: cut, clause: c1, priority: {discount_priority}, when: {{cluster: 3}}, then: {{discount: 12.5%}}}}
  - {{id: boost, clause: c2, priority: {uplift_priority}, when: {{service: EIP}}, then: {{uplift: 33.3333%}}}}
"""), episode(service="EIP"), "2025-06")
    line = case.lines.row(0, named=True)
    assert line["unit_price"] == micros
    assert line["amount"] == 9100  # 10 days x 9.09999x = 90.9999x -> 91.00 either way
    first = "cut" if discount_priority < uplift_priority else "boost"
    assert line["rules"].split(";")[0] == first


def test_a_price_rule_applies_before_percentages_whatever_its_priority(price):
    case = price(with_rules("""
  - {id: boost, clause: c1, priority: 1, when: {service: EIP}, then: {uplift: 10%}}
  - {id: fixed, clause: c2, priority: 5, when: {cluster: 3}, then: {price: 12.00}}
  - {id: fixed-later, clause: c3, priority: 9, when: {cluster: 3}, then: {price: 20.00}}
"""), episode(service="EIP"), "2025-06")
    # 12.00 (the first price rule in order; the later one is overridden), then +10% = 13.20; 10 days = 132.00
    assert case.rows("E1") == [("2025-06-01", "2025-06-10", 10, Decimal("13.2"), Decimal("132.00"), "payable")]
    line = case.lines.row(0, named=True)
    assert line["rules"] == "boost;fixed"
    steps = explain_episode(case.result, "E1")["months"][0]["lines"][0]["trail"]
    assert [(s["rule"], s["applied"], s.get("price_before"), s.get("price_after")) for s in steps] == [
        ("fixed", True, 7_800_000, 12_000_000),
        ("boost", True, 12_000_000, 13_200_000),
        ("fixed-later", False, None, None),
    ]
    assert steps[1]["amount_before"] == Decimal("120.00") and steps[1]["amount_after"] == Decimal("132.00")
    assert steps[2]["why_not"] == "overridden by fixed"
    assert steps[1]["condition"] == "service is 'EIP'"


def test_exclusion_wins_over_every_other_action(price):
    case = price(with_rules("""
  - {id: boost, clause: c1, when: {service: OOA}, then: {uplift: 10%, flag: check}}
  - {id: out-of-area, clause: Schedule 2 exclusions, when: {service: OOA}, then: {exclude: commissioned by the placing authority}}
"""), "\n".join([episode("E1", service="OOA"), episode("E2", patient="P2")]), "2025-06")
    assert case.rows("E1") == []
    excluded = case.exceptions.filter(pl.col("episode_id") == "E1").row(0, named=True)
    assert (excluded["reason_code"], excluded["action"], excluded["value"]) == ("rule_excluded", "excluded", "out-of-area")
    assert excluded["reason"] == ("excluded by rule out-of-area (Schedule 2 exclusions): "
                                  "commissioned by the placing authority")
    assert case.reasons(1) == ["rule_excluded"]  # no flag: the flag was not applied
    assert case.result.summary["episodes"] == {**case.result.summary["episodes"], "rows_read": 2,
                                               "rows_priced": 1, "rows_excepted": 1}


def test_hold_withholds_payable_lines_pending_validation(price):
    case = price(with_rules("""
  - {id: check-memory, clause: Schedule 6 rule 4, when: {cluster: 11, service: {not: MAS}}, then: {hold: clustering to be checked}}
"""), episode(cluster=11), "2025-06")
    # 10 x 9.85 = 98.50, held
    assert case.rows("E1") == [("2025-06-01", "2025-06-10", 10, Decimal("9.85"), Decimal("98.50"), "held")]
    assert case.paid("2025-06", "held") == Decimal("98.50") and case.paid("2025-06") == 0
    reason = case.lines.row(0, named=True)["reason"]
    assert reason == "withheld pending validation by rule check-memory (Schedule 6 rule 4): clustering to be checked"


def test_flag_keeps_the_line_payable_and_reports_the_episode(price):
    case = price(with_rules("""
  - {id: watch, clause: Schedule 6 rule 5, when: {cluster: {gte: 10}}, then: {flag: high cluster}}
"""), episode(cluster=11), "2025-06")
    assert case.rows("E1")[0][-1] == "payable"
    flagged = case.exceptions.filter(pl.col("reason_code") == "rule_flag").row(0, named=True)
    assert (flagged["action"], flagged["value"], flagged["reason"]) == (
        "flagged", "watch", "flagged by rule watch (Schedule 6 rule 5): high cluster")
    assert case.result.summary["episodes"]["rows_excepted"] == 0  # a flag excepts nothing


SECOND_TARIFF = CLUSTER_PER_DAY + """\
- id: tariff-elsewhere
  option: cluster
  provider: RT2
  commissioner: 01Y
  clause: Schedule 3A associate
  basis: per_day
  prices:
    2025-04-01: {3: 8.40, 11: 10.00}
"""


def test_commissioner_rule_moves_the_episode_to_the_responsible_commissioner(price):
    case = price(with_rules("""
  - {id: responsible, clause: Who Pays 2022, when: {service: ASSOC}, then: {commissioner: 01Y}}
""", SECOND_TARIFF), episode(service="ASSOC"), "2025-06")
    line = case.lines.row(0, named=True)
    # priced by 01Y's arrangement: 10 x 8.40 = 84.00
    assert (line["arrangement"], line["commissioner"], line["statement_id"], line["amount"]) == (
        "tariff-elsewhere", "01Y", "RT2-01Y-2025-06", 8400)
    assert line["rules"] == "responsible"


def test_split_shares_each_line_between_funders_to_the_penny(price):
    case = price(with_rules("""
  - {id: dual, clause: Schedule 3B 4, when: {service: DUAL}, then: {split: {01W: 65%, 01Y: 35%}}}
"""), episode(cluster=11, end="2025-06-08", service="DUAL"), "2025-06")
    # 7 days x 9.85 = 68.95 = 6895p; 65% = 4481.75, 35% = 2413.25: floors 4481 + 2413 = 6894,
    # the penny left goes to the larger remainder (.75 each: a tie, so the first funder): 4482 + 2413
    parts = case.lines.sort("commissioner").select("commissioner", "share", "quantity", "unit_price", "amount", "statement_id").rows()
    assert parts == [("01W", "65%", 7, 9_850_000, 4482, "RT2-01W-2025-06"),
                     ("01Y", "35%", 7, 9_850_000, 2413, "RT2-01Y-2025-06")]


def test_share_out_gives_largest_remainders_the_pennies():
    from localpay.rules.apply import share_out

    # 68.95 at 40/35/25: 2758, 2413.25, 1723.75 -> floors 6894; the penny to the .75
    assert share_out(6895, [Decimal(40), Decimal(35), Decimal(25)]) == [2758, 2413, 1724]
    assert share_out(-6895, [Decimal(40), Decimal(35), Decimal(25)]) == [-2758, -2413, -1724]
    assert share_out(1, [Decimal(50), Decimal(50)]) == [1, 0]


def test_lines_shared_all_at_once_match_share_out_line_by_line():
    """The split of every line at once (64-bit arithmetic) against ``share_out`` (Decimal), on
    random values of both signs, zero, odd pennies and shares with up to six decimal places;
    and values too large for 64 bits are refused, for the caller to share line by line."""
    import random

    from localpay.rules.apply import _shared_out, share_out

    rng = random.Random(14)
    splits = {0: (("01W", Decimal(65)), ("01Y", Decimal(35))),
              1: (("A", Decimal("33.333333")), ("B", Decimal("33.333333")), ("C", Decimal("33.333334"))),
              2: (("A", Decimal("0.5")), ("B", Decimal("99.5"))),
              3: (("A", Decimal(25)), ("B", Decimal(25)), ("C", Decimal(25)), ("D", Decimal(25)))}
    values = [0, 1, -1, 2, 3, 99, -6895, 6895, 10 ** 10, -(10 ** 10) - 7] + [rng.randint(-10 ** 9, 10 ** 9) for _ in range(400)]
    plans = [rng.randrange(4) for _ in values]
    lines = pl.DataFrame({"plan": plans, "value": values, "commissioner": ["X"] * len(values), "share": [None] * len(values)},
                         schema={"plan": pl.Int32, "value": pl.Int64, "commissioner": pl.String, "share": pl.String})
    got = _shared_out(lines, splits)
    expected = [(funder, value) for plan, total in zip(plans, values)
                for (funder, _), value in zip(splits[plan], share_out(total, [s for _, s in splits[plan]]))]
    assert got is not None and list(zip(got["commissioner"], got["value"])) == expected
    # every line's parts add back to it exactly
    assert got.height == sum(len(splits[p]) for p in plans)
    assert got["value"].sum() == sum(values)
    # 10^13 pence x 99,500,000 parts (99.5% in millionths) passes 2^62: refused, not overflowed
    huge = lines.head(1).with_columns(plan=pl.lit(1, pl.Int32), value=pl.lit(10 ** 13, pl.Int64))
    assert _shared_out(huge, splits) is None


def test_durable_evaluator_gives_the_same_lines(price):
    rules = with_rules("""
  - {id: eip-uplift, clause: c1, when: {all: [{service: EIP}, {not: {cluster: [4, 5]}}]}, then: {uplift: 10%}}
  - {id: cmht-cut, clause: c2, when: {service: {starts_with: CM}}, then: {discount: 5%}}
""")
    rows = "\n".join([episode("E1", service="EIP"), episode("E2", patient="P2"), episode("E3", patient="P3", cluster=4, service="EIP")])
    by_polars = price(rules, rows, "2025-06").lines.drop("statement_id")
    by_durable = price(rules, rows, "2025-06", evaluator="durable").lines.drop("statement_id")
    assert by_polars.equals(by_durable)
    # E1 +10%: 85.80; E2 -5%: 7.41 x 10 = 74.10; E3 cluster 4 untouched: 10.95 x 10 = 109.50
    assert by_polars.sort("episode_id")["amount"].to_list() == [8580, 7410, 10950]


def test_the_statement_shows_local_rules_and_flags(price):
    from localpay.statement.document import build_statement

    case = price(with_rules("""
  - {id: eip-uplift, clause: c1, when: {service: EIP}, then: {uplift: 10%}}
  - {id: watch, clause: c2, when: {cluster: 11}, then: {flag: high cluster}}
  - {id: dual, clause: c3, when: {service: DUAL}, then: {split: {01W: 65%, 01Y: 35%}}}
"""), "\n".join([episode("E1", service="EIP"), episode("E2", patient="P2", cluster=11),
                 episode("E3", patient="P3", cluster=11, end="2025-06-08", service="DUAL")]), "2025-06")
    statement = build_statement(case.result, "RT2", "01W", manifest={})
    # eip-uplift: E1 85.80; watch: E2 98.50 and E3's 01W share 44.82; dual: E3's 01W share 44.82
    assert statement["local_rules"] == [
        {"rule": "dual", "lines": 1, "episodes": 1, "value": Decimal("44.82")},
        {"rule": "eip-uplift", "lines": 1, "episodes": 1, "value": Decimal("85.80")},
        {"rule": "watch", "lines": 2, "episodes": 2, "value": Decimal("143.32")},
    ]
    assert statement["flags"]["count"] == 2 and [f["episode_id"] for f in statement["flags"]["shown"]] == ["E2", "E3"]
    assert statement["totals"]["payable"] == Decimal("85.80") + Decimal("98.50") + Decimal("44.82")
    elsewhere = build_statement(case.result, "RT2", "01Y", manifest={})
    assert elsewhere["totals"]["payable"] == Decimal("24.13") and elsewhere["flags"]["count"] == 0


@pytest.mark.parametrize("engine", ["polars", "durable"])
def test_explain_prints_the_rules_in_the_order_they_applied(tmp_path, engine):
    from click.testing import CliRunner

    from localpay.cli import cli

    (tmp_path / "r.yaml").write_text(with_rules("""
  - {id: boost, clause: Schedule 3B 1, priority: 1, when: {service: EIP}, then: {uplift: 10%}}
  - {id: fixed, clause: Schedule 3B 2, priority: 5, when: {cluster: 3}, then: {price: 12.00}}
"""))
    (tmp_path / "e.csv").write_text("episode_id,patient_id,provider,commissioner,cluster,start_date,end_date,setting,service\n"
                                    + episode(service="EIP") + "\n")
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--episode", "E1",
                                      "--period", "2025-06", "--rules-engine", engine])
    assert result.exit_code == 0, result.output
    assert """\
     local rules, in the order they applied (the option priced £7.80):
       1) fixed (Schedule 3B 2)
          when the cluster is 3
          then the unit price is £12.00
          unit price £7.80 -> £12.00; amount £78.00 -> £120.00
       2) boost (Schedule 3B 1)
          when service is 'EIP'
          then paid 10% above the price
          unit price £12.00 -> £13.20; amount £120.00 -> £132.00
""" in result.output


@pytest.mark.parametrize("written", ["inf%", "-inf%", "nan%", "Infinity%", "snan%"])
@pytest.mark.parametrize("action", ["uplift", "discount", "split"])
def test_a_percentage_that_is_not_a_number_is_a_load_error_at_its_key(tmp_path, plugins, written, action):
    from localpay.errors import RulesetError
    from localpay.ruleset.load import load_ruleset

    value = f"{{01W: '{written}', 01Y: 20%}}" if action == "split" else f"'{written}'"
    rules = f"rules:\n  - {{id: r, clause: V1, when: {{cluster: 3}}, then: {{{action}: {value}}}}}\n"
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + rules)
    with pytest.raises(RulesetError) as error:
        load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    problem = error.value.problems[0]
    assert problem.key == f"rules[0].then.{action}"
    assert problem.message == f"expected a percentage such as 10%, found {written.removesuffix('%')}%"
