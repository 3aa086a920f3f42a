"""Plugins add condition operators and actions through hooks, and both evaluators run them."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay import hookimpl
from localpay.errors import PluginError, RulesetError
from localpay.manager import make_plugins
from localpay.money import to_micros
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.rules import Operator, RuleAction
from localpay.ruleset.load import load_ruleset


def _text(field, value):
    if not isinstance(value, str) or not value.isalnum():
        raise ValueError(f"expected letters and digits, found {value!r}")
    return value


def _pounds(value, context):
    if not isinstance(value, (int, Decimal)):
        raise ValueError(f"expected a price in pounds, found {value!r}")
    return to_micros(Decimal(value))


class Trust:
    @hookimpl
    def localpay_rule_operators(self):
        return [Operator("ends_with", "text ends with", ("text", "code"), _text,
                         polars=lambda col, field, v: col.str.ends_with(v),
                         durable=lambda name, field, v: {"$mt": {name: ".*" + v}},
                         describe=lambda label, field, v: f"{label} ends with '{v}'")]

    @hookimpl
    def localpay_rule_actions(self):
        return [RuleAction("cap", "caps the unit price", "adjust", _pounds,
                           describe=lambda v: f"at most £{Decimal(v) / 1_000_000}",
                           adjust=lambda price, v: min(price, v))]


RULES = """
rules:
  - {id: capped, clause: Schedule 3B 9, when: {episode_id: {ends_with: X}}, then: {uplift: 50%, cap: 9.00}}
"""
EPISODES = """episode_id,patient_id,provider,commissioner,cluster,start_date,end_date
E1X,P1,RT2,01W,3,2025-06-01,2025-06-11
E2,P2,RT2,01W,3,2025-06-01,2025-06-11
"""


@pytest.mark.parametrize("evaluator", ["polars", "durable"])
def test_a_plugin_operator_and_action_price_lines(tmp_path, evaluator):
    plugins = make_plugins(load_entry_points=False, extra=(Trust(),))
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + RULES)
    (tmp_path / "e.csv").write_text(EPISODES)
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    result = run(ruleset, plugins, Inputs(tmp_path / "e.csv", evaluator=evaluator), Month.parse("2025-06"))
    # E1X: 7.80 + 50% = 11.70, capped at 9.00; 10 days = 90.00. E2 untouched: 78.00
    got = result.lines.sort("episode_id").select("episode_id", "unit_price", "amount", "rules").rows()
    assert got == [("E1X", 9_000_000, 9000, "capped"), ("E2", 7_800_000, 7800, None)]


def test_a_ruleset_using_an_operator_no_plugin_declares_fails_to_load(tmp_path):
    plugins = make_plugins(load_entry_points=False)
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + RULES)
    with pytest.raises(RulesetError) as error:
        load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    messages = [p.message for p in error.value.problems]
    assert any(m.startswith("unknown test 'ends_with'") for m in messages)
    assert any(m.startswith("unknown action 'cap'") for m in messages)


def test_two_plugins_declaring_one_operator_are_refused():
    plugins = make_plugins(load_entry_points=False, extra=(Trust(), Trust()))
    with pytest.raises(PluginError, match="two plugins declare the rule operator 'ends_with'"):
        plugins.vocabulary


def test_a_plugin_cannot_redefine_the_core_policy():
    rogue = SimpleNamespace(localpay_rule_actions=hookimpl(
        lambda: [RuleAction("waive", "no charge", "exclude", lambda v, c: v, describe=str)]))
    plugins = make_plugins(load_entry_points=False, extra=(rogue,))
    with pytest.raises(PluginError, match="rule action 'waive' .* has stage 'exclude'"):
        plugins.vocabulary
