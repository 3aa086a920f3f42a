"""The ``when`` of a rule: parsed into a small tree, checked against the declared fields.

A mapping means *all of* its entries. Each entry is a field with a test (a value: equals; a
list: one of; a mapping of operators such as ``gte`` or ``not``), a combiner (``all``, ``any``,
``not``), or a condition across the person's history (a history kind: ``escalation``,
``re_presentation``, ``repeat_crisis`` or a plugin's), which may be combined with the others only
by *all*.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ..errors import Problem
from ..ruleset.messages import describe_found
from .fields import TYPE_WORDS, Field
from .history import HistoryCondition
from .vocabulary import Operator, Vocabulary


@dataclass(frozen=True)
class Test:
    field: Field
    op: Operator
    value: Any
    path: tuple


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


Node = Test | All | AnyOf | Not | HistoryCondition


class _Parser:
    def __init__(self, fields: dict[str, Field], vocabulary: Vocabulary, problem):
        self.fields, self.problem = fields, problem
        self.operators, self.history = vocabulary.operators, vocabulary.history
        self.problems: list[Problem] = []

    def fail(self, path: tuple, message: str) -> None:
        self.problems.append(self.problem(path, message))

    def mapping(self, data: object, path: tuple) -> Node | None:
        if not isinstance(data, dict) or not data:
            self.fail(path, f"expected conditions as a mapping of fields, found {describe_found(data)}")
            return None
        nodes = [self.entry(str(key), value, path + (str(key),)) for key, value in data.items()]
        nodes = [n for n in nodes if n is not None]
        return nodes[0] if len(nodes) == 1 else All(tuple(nodes))

    def entry(self, key: str, value: object, path: tuple) -> Node | None:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.fail(path, f"expected a list of conditions under {key}, found {describe_found(value)}")
                return None
            found = [self.mapping(v, path + (str(i),)) for i, v in enumerate(value)]
            items = tuple(i for i in found if i is not None)
            return All(items) if key == "all" else AnyOf(items)
        if key == "not":
            inner = self.mapping(value, path)
            return Not(inner) if inner is not None else None
        if key in self.history:
            return self.history[key].parse(value, path, self)
        if key not in self.fields:
            self.fail(path, self.unknown_field(key))
            return None
        return self.test(self.fields[key], value, path)

    def unknown_field(self, key: str) -> str:
        names = sorted(self.fields)
        close = difflib.get_close_matches(key, names + list(self.history), n=1, cutoff=0.7)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (f"unknown field '{key}'{hint}. Rules can test {', '.join(names)}, the conditions "
                f"{', '.join(self.history)}, and any column declared under inputs.episodes")

    def test(self, field: Field, value: object, path: tuple) -> Node | None:
        if isinstance(value, dict):
            if not value:
                self.fail(path, f"expected a test for {field.name}, found an empty mapping")
                return None
            nodes: list[Node | None] = []
            for name, operand in value.items():
                name = str(name)
                if name == "not":
                    inner = self.test(field, operand, path + (name,))
                    nodes.append(Not(inner) if inner is not None else None)
                else:
                    nodes.append(self.operator(field, name, operand, path + (name,)))
            nodes = [n for n in nodes if n is not None]
            return None if not nodes else nodes[0] if len(nodes) == 1 else All(tuple(nodes))
        return self.operator(field, "one_of" if isinstance(value, list) else "equals", value, path)

    def operator(self, field: Field, name: str, operand: object, path: tuple) -> Test | None:
        op = self.operators.get(name)
        if op is None:
            known = ", ".join(["not", *self.operators])
            close = difflib.get_close_matches(name, list(self.operators) + ["not"], n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.fail(path, f"unknown test '{name}'{hint} (expected one of: {known})")
            return None
        if field.type not in op.types:
            self.fail(path, f"'{name}' does not apply to {field.name}, which is {TYPE_WORDS[field.type]}")
            return None
        try:
            value = op.parse(field, operand)
        except ValueError as error:
            self.fail(path, str(error))
            return None
        return Test(field, op, value, path)


def parse_when(data: object, path: tuple, fields: dict[str, Field], vocabulary: Vocabulary,
               problem) -> tuple[Node | None, list[Problem]]:
    parser = _Parser(fields, vocabulary, problem)
    node = parser.mapping(data, path)
    if node is not None:
        _history_only_under_all(node, parser, top=True)
    return node, parser.problems


def _history_only_under_all(node: Node, parser: _Parser, top: bool) -> None:
    if isinstance(node, HistoryCondition) and not top:
        parser.fail(node.path, f"{node.name} looks across the person's history, so it can only be "
                               "combined with other conditions by all (not inside any or not)")
    elif isinstance(node, All):
        for item in node.items:
            _history_only_under_all(item, parser, top)
    elif isinstance(node, (AnyOf, Not)):
        for item in (node.items if isinstance(node, AnyOf) else (node.item,)):
            _history_only_under_all(item, parser, False)


def split_history(node: Node) -> tuple[list[HistoryCondition], Node | None]:
    """The history conditions of a rule (all at the top, joined by *all*) and the rest."""
    if isinstance(node, HistoryCondition):
        return [node], None
    if isinstance(node, All):
        history, rest = [], []
        for item in node.items:
            found, other = split_history(item)
            history += found
            if other is not None:
                rest.append(other)
        return history, (None if not rest else rest[0] if len(rest) == 1 else All(tuple(rest)))
    return [], node


def tests_of(node: Node | None):
    """Every field test in a condition, depth first."""
    if isinstance(node, Test):
        yield node
    elif isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from tests_of(item)
    elif isinstance(node, Not):
        yield from tests_of(node.item)
