"""Can any episode satisfy a rule's conditions? Decided exactly for the built-in tests by trying
a representative of every kind of value the conditions tell apart: each known value of a field
such as the cluster; for other fields each value written in the rule, its neighbours, and a
value unlike any. A test this cannot reason about (a pattern, a plugin's operator, most history
conditions) is left out, which can only make a rule look satisfiable, never the reverse.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .conditions import All, AnyOf, Node, Not, Test, tests_of
from .describe import condition
from .fields import Field
from .model import Rule
from .vocabulary import BUILTIN

CHECKS: dict[str, Callable] = {
    "equals": lambda v, x: v == x,
    "one_of": lambda v, x: v in x,
    "gt": lambda v, x: v > x,
    "gte": lambda v, x: v >= x,
    "lt": lambda v, x: v < x,
    "lte": lambda v, x: v <= x,
    "between": lambda v, x: x[0] <= v <= x[1],
    "present": lambda v, x: True,
    "starts_with": lambda v, x: v.startswith(x),
}  # `matches` is left out: Python's and Polars' regular expressions differ at the edges
MAX_CASES = 20_000  # a group of conditions with more combinations to try is not judged
FRESH = "\uffff"  # appended to a text, makes one equal to no value written in a rule
STEPS: dict[str, Decimal | dt.timedelta] = {"number": Decimal("0.000001"),
                                           "date": dt.timedelta(days=1)}  # values are held to these
PARTIES = ("provider", "commissioner")
# never empty when rules run: the episode checks (inputs.default_checks) send a row missing
# one to the exceptions report, and a missing setting is read as community
GIVEN = ("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date", "setting")


@dataclass(frozen=True)
class Condition:
    """One condition under a rule's top-level *all*, testable on a representative episode
    (a mapping of field name to value)."""

    text: str
    path: tuple
    fields: tuple[Field, ...]
    holds: Callable[[dict], bool]
    constants: dict = field(default_factory=dict)  # field name -> values written in the rule

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.fields}


# --- what a rule requires --------------------------------------------------------------------


def conditions_of(rule: Rule, fields: dict[str, Field]) -> list[Condition]:
    """The conditions under the rule's top-level *all*, those the lint can reason about."""
    found = [c for c in (condition_of(node) for node in _conjuncts(rule.local)) if c]
    for history in rule.history:
        clusters = history.clusters()
        if clusters is not None:
            found.append(Condition(history.describe(), history.path, (fields["cluster"],),
                                   _in_clusters(clusters)))
    return found


def _in_clusters(clusters: tuple[int, ...]) -> Callable[[dict], bool]:
    return lambda case: case["cluster"] in clusters


def _conjuncts(node: Node | None) -> Iterator[Node]:
    if isinstance(node, All):
        for item in node.items:
            yield from _conjuncts(item)
    elif node is not None:
        yield node


def condition_of(node: Node) -> Condition | None:
    tests = list(tests_of(node))
    if not tests or any(t.op.plugin != BUILTIN or (t.op.name not in CHECKS and t.op.name != "missing") for t in tests):
        return None
    fields = {t.field.name: t.field for t in tests}
    constants: dict[str, set] = {name: set() for name in fields}
    for t in tests:
        if t.op.name in ("one_of", "between"):
            constants[t.field.name].update(t.value)
        elif t.op.name not in ("present", "missing"):
            constants[t.field.name].add(t.value)
    return Condition(condition(node, nested=True), _common_path([t.path for t in tests]), tuple(fields.values()),
                     lambda case: _holds(node, case), constants)


def _holds(node: Node, case: dict) -> bool:
    # two-valued, as both evaluators: a test on a missing value is false, so `not` of it is true
    if isinstance(node, Test):
        value = case[node.field.name]
        if node.op.name == "missing":
            return value is None
        return value is not None and CHECKS[node.op.name](value, node.value)
    if isinstance(node, All):
        return all(_holds(item, case) for item in node.items)
    if isinstance(node, Not):
        return not _holds(node.item, case)
    assert isinstance(node, AnyOf), "a rule's history conditions are split off its own (split_history)"
    return any(_holds(item, case) for item in node.items)


def _common_path(paths: list[tuple]) -> tuple:
    common = paths[0]
    for path in paths[1:]:
        common = tuple(a for a, b in itertools.takewhile(lambda pair: pair[0] == pair[1], zip(common, path)))
    return common


# --- can any episode satisfy them --------------------------------------------------------------


def _groups(conditions: list[Condition]) -> list[list[Condition]]:
    """Conditions in groups sharing no field: the whole holds when each group can."""
    groups: list[tuple[set, list[int]]] = []
    for i, c in enumerate(conditions):
        joined = [g for g in groups if g[0] & c.names]
        names = set(c.names).union(*(g[0] for g in joined))
        groups = [g for g in groups if not g[0] & c.names] + [(names, sorted([j for g in joined for j in g[1]] + [i]))]
    return [[conditions[i] for i in members] for _, members in groups]


def _candidates(f: Field, constants: set) -> list:
    empty = [] if f.name in GIVEN else [None]
    if f.values is not None:
        return [*f.values, *empty]
    step = STEPS.get(f.type)
    if step is not None:  # a value on, just below and just above each bound covers every case
        values = {c + d for c in constants for d in (-step, step)} | constants
        return sorted(values or {Decimal(0) if f.type == "number" else dt.date(2000, 1, 1)}) + empty
    return sorted(constants | {c + FRESH for c in constants} | {FRESH}) + empty


def _solutions(group: list[Condition]) -> Iterator[dict] | None:
    """Every representative episode satisfying the group, or None when there are too many to try."""
    fields = {f.name: f for c in group for f in c.fields}
    joint = [c for c in group if len(c.fields) > 1]
    choices = []
    for name, f in fields.items():  # a condition on one field thins its values before combining
        alone = [c for c in group if c.names == {name}]
        candidates = _candidates(f, set().union(*(c.constants.get(name, set()) for c in group)))
        choices.append([v for v in candidates if all(c.holds({name: v}) for c in alone)])
    if math.prod(len(c) for c in choices) > MAX_CASES:
        return None
    cases = (dict(zip(fields, values)) for values in itertools.product(*choices))
    return (case for case in cases if all(c.holds(case) for c in joint))


def impossible(conditions: list[Condition]) -> list[Condition] | None:
    """A group of the conditions no episode can satisfy, if there is one."""
    for group in _groups(conditions):
        solutions = _solutions(group)
        if solutions is not None and next(solutions, None) is None:
            return group
    return None


def possible_values(conditions: list[Condition], f: Field) -> set | None:
    """The values ``f`` can take in an episode satisfying the conditions, None when unknown."""
    group = next((g for g in _groups(conditions) if any(f.name in c.names for c in g)), None)
    if group is None:
        return set(f.values) if f.values is not None else None
    solutions = _solutions(group)
    return None if solutions is None else {case[f.name] for case in solutions} - {None}


