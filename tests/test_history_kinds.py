"""History kinds are declared through a hook: a plugin's kind is parsed, evaluated by both
evaluators, described and linted as the built-in ones are, and clashes are refused."""

import polars as pl
import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay import hookimpl
from localpay.errors import PluginError, RulesetError
from localpay.manager import make_plugins
from localpay.plugin import HistoryCondition, HistoryJoin, keys_of, ref, same_person, whole_days
from localpay.rules.lint import lint
from localpay.ruleset.load import load_ruleset


class StepDown:
    """A step down: a lower cluster in the same super class than the period the person was in
    when this one began, starting within N days of that period's start."""

    name = "step_down"
    summary = "the cluster steps down within N days of the previous period's start"

    def parse(self, value, path, problems):
        data = keys_of(value, path, problems, {"within_days": True})
        days = whole_days(data.get("within_days"), path, problems, "within_days") if data else None
        return HistoryCondition(self, {"within_days": days}, path) if days else None

    def evaluate(self, params, prefix):
        before = {f"{prefix}p": {"$and": [
            {"t": "ep"}, same_person(), {"sc": ref("e", "sc")},
            {"$gt": {"cluster": ref("e", "cluster")}}, {"$lt": {"start": ref("e", "start")}},
            {"$gte": {"stop": ref("e", "start")}},
            {"$gte": {"start": {"$sub": {"$l": {"e": "start"}, "$r": params["within_days"]}}}},
        ]}}
        return HistoryJoin(patterns=(before,))

    def columnar(self, params, history):
        # a self-join within the person and super class: plain, for a kind whose people have few periods
        ep = history.episodes
        pairs = ep.join(ep, on=["patient_id", "sc"], suffix="_p").filter(
            (pl.col("cluster_p") > pl.col("cluster")) & (pl.col("start_p") < pl.col("start"))
            & (pl.col("stop_p") >= pl.col("start")) & (pl.col("start_p") >= pl.col("start") - params["within_days"]))
        return ep["row"].is_in(pairs["row"].implode())

    def describe(self, params):
        return f"the cluster steps down within {params['within_days']} days of the previous period's start"

    def clusters(self, params):
        return (3, 4, 11, 12)  # a narrowing, so that the lint can tell a rule that never matches


class Trust:
    @hookimpl
    def localpay_history_kinds(self):
        return [StepDown()]


RULES = """
rules:
  - {id: stepped-down, clause: V9, when: {step_down: {within_days: 60}}, then: {flag: stepped down}}
"""
HEADER = "episode_id,patient_id,provider,commissioner,cluster,start_date,end_date"


@pytest.fixture
def plugins():
    return make_plugins(load_entry_points=False, extra=(Trust(),))


@pytest.mark.parametrize("evaluator", ["polars", "durable"])
def test_a_plugin_history_kind_flags_the_episodes_it_describes(price, evaluator):
    case = price(ruleset_text(CLUSTER_PER_DAY) + RULES, """
        A1,P1,RT2,01W,12,2025-04-01,2025-05-10
        A2,P1,RT2,01W,11,2025-05-10,2025-07-01
        B1,P2,RT2,01W,12,2025-04-01,2025-06-10
        B2,P2,RT2,01W,11,2025-06-10,2025-07-01
        C1,P3,RT2,01W,11,2025-04-01,2025-05-10
        C2,P3,RT2,01W,12,2025-05-10,2025-07-01
        D1,P4,RT2,01W,12,2025-04-01,2025-05-10
        D2,P4,RT2,01W,3,2025-05-10,2025-07-01
    """, "2025-06", "2025-04", header=HEADER, evaluator=evaluator)
    # P1: 12 -> 11 (both psychotic) on 10 May, 39 days after 1 April: a step down within 60 days.
    # P2: the same step down 70 days after the earlier start: not within 60. P3 steps up; P4 crosses
    # super classes (12 psychotic -> 3 non-psychotic). Only A2 is flagged.
    flags = case.exceptions.filter(pl.col("reason_code") == "rule_flag")
    assert flags["episode_id"].to_list() == ["A2"]
    assert case.lines.filter(pl.col("episode_id") == "A2")["rules"].unique().to_list() == ["stepped-down"]


def test_a_plugin_history_kind_is_described_in_plain_english(tmp_path, plugins):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + RULES)
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    from localpay.rules import describe

    assert describe.rule(ruleset.rules[0]) == (
        "Where the cluster steps down within 60 days of the previous period's start: flagged for validation: "
        "stepped down (V9)")


def test_the_lint_reads_the_clusters_a_plugin_history_kind_concerns(tmp_path, plugins):
    rules = RULES + "  - {id: never, clause: V10, when: {step_down: {within_days: 60}, cluster: 14}, then: {flag: x}}\n"
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + rules)
    ruleset = load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    # step_down concerns clusters 3, 4, 11 and 12 only, so with cluster 14 the rule can never match
    warned = [(w.key, w.message) for w in lint(ruleset) if w.code == "never_matches"]
    assert [key for key, _ in warned] == ["rules[1].when.step_down"]
    assert "can never match" in warned[0][1]


def test_a_misspelt_or_undeclared_history_kind_is_a_load_error_naming_the_kinds(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + RULES)
    bare = make_plugins(load_entry_points=False)
    with pytest.raises(RulesetError) as error:
        load_ruleset(tmp_path / "r.yaml", bare.options, bare.vocabulary)
    message = error.value.problems[0].message
    assert message.startswith("unknown field 'step_down'")
    assert "the conditions escalation, re_presentation, repeat_crisis," in message


def test_a_plugin_kind_written_wrongly_is_reported_at_its_key(tmp_path, plugins):
    rules = "rules:\n  - {id: bad, clause: V9, when: {step_down: {within_days: 0}}, then: {flag: x}}\n"
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + rules)
    with pytest.raises(RulesetError) as error:
        load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    problem = error.value.problems[0]
    assert problem.key == "rules[0].when.step_down.within_days"
    assert problem.message == "expected a whole number of days from 1 to 3660, found 0"


class Clash:
    @hookimpl
    def localpay_history_kinds(self):
        kind = StepDown()
        kind.name = "escalation"
        return [kind]


class Shadowing:
    @hookimpl
    def localpay_history_kinds(self):
        kind = StepDown()
        kind.name = "cluster"
        return [kind]


def test_a_second_kind_with_a_taken_name_or_a_field_name_is_refused():
    with pytest.raises(PluginError, match="two plugins declare the history kind 'escalation'"):
        _ = make_plugins(load_entry_points=False, extra=(Clash(),)).vocabulary
    with pytest.raises(PluginError, match="history kind 'cluster' .* uses a reserved word or a field's name"):
        _ = make_plugins(load_entry_points=False, extra=(Shadowing(),)).vocabulary


def test_a_kind_missing_part_of_the_protocol_is_refused():
    class Half:
        name, summary = "half", "no evaluate"

        def parse(self, value, path, problems):
            return None

    class Declares:
        @hookimpl
        def localpay_history_kinds(self):
            return [Half()]

    with pytest.raises(PluginError, match="not a history kind"):
        _ = make_plugins(load_entry_points=False, extra=(Declares(),)).vocabulary


def test_a_declared_column_may_not_take_a_history_kinds_name(tmp_path, plugins):
    inputs = "inputs:\n  episodes:\n    step_down: {type: text}\n"
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY) + inputs)
    with pytest.raises(RulesetError) as error:
        load_ruleset(tmp_path / "r.yaml", plugins.options, plugins.vocabulary)
    problem = error.value.problems[0]
    assert problem.key == "inputs.episodes.step_down"
    assert problem.message.startswith("'step_down' is the name of a condition across the person's history")
