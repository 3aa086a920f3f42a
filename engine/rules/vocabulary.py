"""What a rule can say: condition operators and actions, declared through hooks.

The built-in ones (``localpay.rules.builtin``) are registered through the same hooks a plugin
uses; the core composes them and refuses two with one name, as it does payment options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import polars as pl

from ..errors import PluginError
from .fields import Field, builtin_fields
from .history import HistoryKind

Stage = Literal["exclude", "commissioner", "price", "adjust", "hold", "split", "flag"]
PLUGIN_STAGES = ("adjust", "flag")  # what a plugin's action may do; the rest is the core's policy
# reserved words in a ``when`` mapping: they combine conditions, so no field may take the name
COMBINERS = ("all", "any", "not")
BUILTIN = "localpay.rules.builtin"


@dataclass(frozen=True)
class Operator:
    """A test on one field: ``{field: {name: value}}``.

    ``parse(field, value)`` checks and converts the written value (raise ``ValueError`` with
    what was expected); ``polars(column, field, value)`` is a boolean expression (null counts as
    no match); ``durable(name, field, value)`` is the same test as a durable-rules expression
    over the fact (values encoded by ``fields.encode``); ``describe(label, field, value)`` is
    plain English for the schedule and the explanation.
    """

    name: str
    summary: str
    types: tuple[str, ...]
    parse: Callable[[Field, Any], Any]
    polars: Callable[[pl.Expr, Field, Any], pl.Expr]
    durable: Callable[[str, Field, Any], dict]
    describe: Callable[[str, Field, Any], str]
    plugin: str = ""


@dataclass(frozen=True)
class ActionContext:
    """What an action's ``parse`` may check a value against."""

    commissioners: tuple[str, ...]


@dataclass(frozen=True)
class RuleAction:
    """A ``then`` key. ``stage`` places it in the stated order of application (see the README's
    rules section); plugins declare ``adjust`` actions (``adjust(unit_price_micros, value)``
    returns the new unit price in micros) or ``flag`` actions."""

    name: str
    summary: str
    stage: Stage
    parse: Callable[[Any, ActionContext], Any]
    describe: Callable[[Any], str]
    adjust: Callable[[int, Any], int] | None = None
    plugin: str = ""


@dataclass(frozen=True)
class Vocabulary:
    operators: dict[str, Operator] = field(default_factory=dict)
    actions: dict[str, RuleAction] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)  # measures' indicators, by name
    history: dict[str, HistoryKind] = field(default_factory=dict)  # conditions across a person's history


def compose_vocabulary(operator_lists: Iterable[list[Operator]], action_lists: Iterable[list[RuleAction]],
                       history_lists: Iterable[list[HistoryKind]] = ()) -> Vocabulary:
    """The operators, actions and history kinds; the measures' indicators are composed by the
    caller (their package builds on this one) and set with ``dataclasses.replace``."""
    operators: dict[str, Operator] = {}
    for item in (_owned(o) for batch in operator_lists for o in batch or ()):
        _refuse_clash(operators, item, "rule operator")
        if item.name in COMBINERS:
            raise PluginError(f"rule operator {item.name!r} ({item.plugin}) uses a reserved word")
        operators[item.name] = item
    actions: dict[str, RuleAction] = {}
    for item in (_owned(a) for batch in action_lists for a in batch or ()):
        _refuse_clash(actions, item, "rule action")
        if item.plugin != BUILTIN and item.stage not in PLUGIN_STAGES:
            raise PluginError(f"rule action {item.name!r} ({item.plugin}) has stage {item.stage!r}; "
                              f"a plugin's action may be one of {list(PLUGIN_STAGES)}")
        if item.stage == "adjust" and item.adjust is None:
            raise PluginError(f"rule action {item.name!r} ({item.plugin}) is an adjustment without an adjust function")
        actions[item.name] = item
    return Vocabulary(dict(sorted(operators.items())), dict(sorted(actions.items())), history=_history(history_lists))


def _history(history_lists: Iterable[list[HistoryKind]]) -> dict[str, HistoryKind]:
    # a kind named as a field every ruleset has would hide the field
    reserved = (*COMBINERS, *builtin_fields([], []))
    kinds: dict[str, HistoryKind] = {}
    for batch in history_lists:
        for kind in batch or ():
            owner = type(kind).__module__
            if not isinstance(kind, HistoryKind):
                raise PluginError(f"localpay_history_kinds returned {kind!r} ({owner}), not a history kind "
                                  "(name, summary, parse, columnar, evaluate, describe, clusters)")
            if kind.name in kinds:
                raise PluginError(f"two plugins declare the history kind {kind.name!r}: "
                                  f"{type(kinds[kind.name]).__module__} and {owner}")
            if kind.name in reserved or not kind.name.isidentifier():
                raise PluginError(f"history kind {kind.name!r} ({owner}) uses a reserved word or a field's name")
            kinds[kind.name] = kind
    return dict(sorted(kinds.items()))


def _refuse_clash(known: dict, item, what: str) -> None:
    if item.name in known:
        raise PluginError(f"two plugins declare the {what} {item.name!r}: {known[item.name].plugin} and {item.plugin}")


def _owned(item):
    if not isinstance(item, (Operator, RuleAction)):
        raise PluginError(f"a rule hook returned {item!r}, not an Operator or RuleAction")
    return item if item.plugin else replace(item, plugin=item.parse.__module__)
