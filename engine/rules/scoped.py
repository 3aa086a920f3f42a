"""Conditions written inside an arrangement (a pathway's entry, a measure's scope), in the same
language as the rules' ``when``.

An option's parameter model declares such a key with the ``When`` type. Pydantic keeps what
was written; once the ruleset's fields and operators are known, the loader parses every
``Condition`` in every arrangement (``parse_conditions``), so a misspelt field or a value of
the wrong type is a load error with its line, exactly as in a rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import polars as pl
from pydantic import BaseModel, PlainSerializer, PlainValidator

from .conditions import Node, parse_when, split_history, tests_of
from .describe import condition
from .polars_eval import expression


class Condition:
    """A condition on an episode's own fields. ``node`` is set by the loader."""

    __slots__ = ("raw", "node")

    def __init__(self, raw: Any):
        self.raw = raw
        self.node: Node | None = None

    def expr(self) -> pl.Expr:
        """A Polars boolean expression over the episodes (a missing value is no match)."""
        if self.node is None:
            raise RuntimeError("the condition was not parsed: load the ruleset with load_ruleset")
        return expression(self.node)

    def tests_field(self, name: str) -> bool:
        """Whether the condition tests the field anywhere (in any branch)."""
        return any(test.field.name == name for test in tests_of(self.node))

    def describe(self) -> str:
        return condition(self.node)

    def __repr__(self) -> str:
        return f"Condition({self.raw!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(repr(self.raw))


def _to_condition(value: Any) -> Condition:
    if isinstance(value, Condition):
        return value
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a condition such as {service: EIP, cluster: 10}")
    return Condition(value)


When = Annotated[Condition, PlainValidator(_to_condition), PlainSerializer(lambda c: c.raw)]


def conditions_in(value: Any, path: tuple) -> Iterator[tuple[tuple, Condition]]:
    """Every ``Condition`` inside a validated model, with the path to it."""
    if isinstance(value, Condition):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            key = type(value).model_fields[name].alias or name
            yield from conditions_in(getattr(value, name), path + (key,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from conditions_in(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from conditions_in(item, path + (str(key),))


def parse_conditions(arrangements, fields, vocabulary, problem) -> list:
    """Parse each arrangement's conditions against the ruleset's fields; the problems found."""
    problems = []
    for index, arrangement in enumerate(arrangements):
        for path, found in conditions_in(arrangement, ("arrangements", index)):
            node, trouble = parse_when(found.raw, path, fields, vocabulary, problem)
            problems += trouble
            if node is None or trouble:
                continue
            history, _ = split_history(node)
            if history:
                problems.append(problem(history[0].path, f"{history[0].name} looks across the person's history; "
                                                         "a condition here tests the episode's own fields only"))
                continue
            found.node = node
    return problems
