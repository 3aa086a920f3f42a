"""A rule's conditions in disjunctive normal form: the alternatives, each a conjunction of field
tests (each negated or not), that the durable-rules compiler makes one durable rule of. A rule
whose conditions expand to too many alternatives is a load error, found here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from ..errors import Problem
from .conditions import All, AnyOf, Node, Not, Test

MAX_CONJUNCTIONS = 64


class TooComplex(ValueError):
    pass


class HasConditions(Protocol):
    @property
    def path(self) -> tuple: ...

    @property
    def local(self) -> Node | None: ...  # the conditions on the episode's own fields


def dnf(node: Node | None, negate: bool = False) -> list[list[tuple[Test, bool]]]:
    if node is None:
        return [[]]
    if isinstance(node, Test):
        return [[(node, negate)]]
    if isinstance(node, Not):
        return dnf(node.item, not negate)
    assert isinstance(node, (All, AnyOf)), "a rule's history conditions are split off its own (split_history)"
    parts = [dnf(item, negate) for item in node.items]
    conjunctive = isinstance(node, All) != negate  # De Morgan: not(any) is all of the nots
    if conjunctive:
        result: list[list[tuple[Test, bool]]] = [[]]
        for part in parts:
            result = [a + b for a in result for b in part]
            if len(result) > MAX_CONJUNCTIONS:
                raise TooComplex
        return result
    return [conj for part in parts for conj in part]


def complexity_problems(rules: Iterable[HasConditions], problem: Callable[[tuple, str], Problem]) -> list[Problem]:
    problems = []
    for rule in rules:
        try:
            dnf(rule.local)
        except TooComplex:
            problems.append(problem(rule.path + ("when",), f"the conditions expand to more than {MAX_CONJUNCTIONS} "
                                                          "alternatives for the rules engine; split the rule in two"))
    return problems
