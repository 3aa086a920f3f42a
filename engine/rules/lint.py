"""Warnings about rules that load but cannot do what their author meant: a rule that can never
match, two prices for the same episodes, an action that changes nothing, a rule citing no clause.

Warnings, not errors: the ruleset still runs. Each is sound, never a guess: a rule "can never
match" only when no episode could satisfy it. That is decided by trying a representative of
every kind of value the rule's tests tell apart (each known value of a field such as the
cluster; for other fields each value written in the rule, its neighbours, and a value unlike
any), so the answer is exact for the built-in tests. A test the lint cannot reason about (a
pattern, a plugin's operator, most history conditions) is left out, which can only hide a
warning, never invent one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from ..clusters import CLUSTERS
from ..money import MICROS_PER_POUND
from .conditions import All, Node, Not, Test, tests_of
from .describe import condition
from .fields import Field
from .history import HistoryCondition
from .model import Rule
from .vocabulary import BUILTIN
from .wording import label

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
STEPS = {"number": Decimal("0.000001"), "date": dt.timedelta(days=1)}  # values are held to these
MOOT = ("commissioner", "price", "adjust", "hold", "split", "flag")  # what exclusion makes moot (policy.py)
PARTIES = ("provider", "commissioner")
# never empty when rules run: the episode checks (episodes.default_checks) send a row missing
# one to the exceptions report, and a missing setting is read as community
GIVEN = ("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date", "setting")


@dataclass(frozen=True)
class RuleWarning:
    code: str  # never_matches, price_conflict, no_effect, no_clause
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: warning: {self.key}: {self.message}"


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


def lint(ruleset) -> list[RuleWarning]:
    """Every warning about the ruleset's rules, in the order of their lines."""
    book = ruleset.rulebook
    if book is None:
        return []
    found: list[tuple[str, tuple, str]] = []
    conditions = {r.id: conditions_of(r, book.fields) for r in book.rules}
    live = []
    for rule in book.rules:
        if not rule.clause:
            found.append(("no_clause", rule.path, f"rule '{rule.id}' cites no clause of the contract; add "
                          "clause: with the schedule or variation it comes from, so each payment it "
                          "changes can be traced to the contract"))
        never = never_matches(rule, conditions[rule.id])
        if never:
            found.append(never)
        else:
            live.append(rule)
    covered = excluded_by(live, conditions)
    found += no_effect(live, conditions, covered, book.fields)
    found += price_conflicts([r for r in live if r.id not in covered and not _excludes(r)], conditions)
    file = str(ruleset.path)
    problems = [ruleset.source.problem(path, message, file) for _, path, message in found]
    warnings = [RuleWarning(code, p.file, p.line, p.key, p.message) for (code, _, _), p in zip(found, problems)]
    return sorted(warnings, key=lambda w: (w.file, w.line or 0, w.key, w.code, w.message))


# --- what a rule requires --------------------------------------------------------------------


def conditions_of(rule: Rule, fields: dict[str, Field]) -> list[Condition]:
    """The conditions under the rule's top-level *all*, those the lint can reason about."""
    found = [c for c in (_condition(node) for node in _conjuncts(rule.local)) if c]
    for history in rule.history:
        clusters = _subject_clusters(history)
        if clusters is not None:
            found.append(Condition(history.describe(), history.path, (fields["cluster"],),
                                   lambda case, c=clusters: case["cluster"] in c))
    return found


def _subject_clusters(history: HistoryCondition) -> tuple | None:
    """The clusters the rule's own episode must be in for a history condition to hold."""
    if history.kind == "repeat_crisis":
        return history.params["clusters"]
    if history.kind == "escalation":  # a step up from a lower cluster of the same super class
        return tuple(c for c, info in CLUSTERS.items()
                     if any(o < c and other.super_class == info.super_class for o, other in CLUSTERS.items()))
    return None


def _conjuncts(node: Node | None) -> Iterator[Node]:
    if isinstance(node, All):
        for item in node.items:
            yield from _conjuncts(item)
    elif node is not None:
        yield node


def _condition(node: Node) -> Condition | None:
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


# --- the warnings ------------------------------------------------------------------------------


def never_matches(rule: Rule, conditions: list[Condition]) -> tuple | None:
    group = impossible(conditions)
    if group is None:
        return None
    single = next((c for c in group if impossible([c])), None)
    if single is not None:
        f = single.fields[0]
        if len(single.fields) == 1 and f.values is not None:
            why = f"{single.text}, but {label(f.name)} can only be {_domain(f)}; {_advice(f)}"
        else:
            why = f"{single.text} is never true; correct the condition or remove the rule"
        return ("never_matches", single.path, f"rule '{rule.id}' can never match: {why}")
    pair = next(((a, b) for a, b in itertools.combinations(group, 2) if impossible([a, b])), None)
    at = pair[1] if pair else group[-1]
    texts = [c.text for c in pair] if pair else [c.text for c in group]
    both = "both" if len(texts) == 2 else "all"
    return ("never_matches", at.path, f"rule '{rule.id}' can never match: {' and '.join(texts)} cannot "
            f"{both} be true; correct the conditions or remove the rule")


def _domain(f: Field) -> str:
    if f.type == "cluster":
        return "0 to 8 or 10 to 21"
    words = [str(v) for v in f.values]
    return words[0] if len(words) == 1 else f"one of {', '.join(words[:-1])} or {words[-1]}"


def _advice(f: Field) -> str:
    if f.name in PARTIES:
        return "correct the code, or add the organisation under parties"
    if f.declared:
        return f"correct the value, or add it to inputs.episodes.{f.name}.values"
    return "correct the value or remove the rule"


def excluded_by(rules: list[Rule], conditions: dict) -> dict[str, Rule]:
    """Rules all of whose episodes another rule excludes, with that rule."""
    excluders = [r for r in rules if _excludes(r)]
    found = {}
    for rule in rules:
        cover = None if _excludes(rule) else next((x for x in excluders if _covers(x, conditions[rule.id])), None)
        if cover is not None:
            found[rule.id] = cover
    return found


def no_effect(rules: list[Rule], conditions: dict, covered: dict[str, Rule], fields: dict[str, Field]) -> list[tuple]:
    found = []
    for rule in rules:
        at = rule.path + ("then",)
        cover = covered.get(rule.id)
        for action in rule.then:
            stage, name, value = action.action.stage, action.name, action.value
            if stage in MOOT and _excludes(rule):
                found.append(("no_effect", at + (name,), f"rule '{rule.id}' excludes the episodes it matches, "
                              f"so its {name} never applies (an excluded episode is not paid); remove {name} "
                              "or move it to a rule of its own"))
            elif stage in MOOT and cover is not None:
                found.append(("no_effect", at + (name,), f"every episode rule '{rule.id}' matches is excluded "
                              f"by rule '{cover.id}', so its {name} never applies; remove the rule or narrow "
                              f"rule '{cover.id}'"))
            elif action.action.plugin != BUILTIN:
                continue
            elif name in ("uplift", "discount") and value == 0:
                found.append(("no_effect", at + (name,), f"rule '{rule.id}' has {'an' if name == 'uplift' else 'a'} "
                              f"{name} of 0%, which changes nothing; set the percentage or remove the {name}"))
            elif name == "split":
                found += [("no_effect", at + (name, code), f"rule '{rule.id}' gives {code} a 0% share of the "
                           f"split, so {code} is paid nothing; remove {code} from the split")
                          for code, share in value if share == 0]
            elif name == "commissioner" and _pays_already(rule, value, rules, conditions, fields):
                found.append(("no_effect", at + (name,), f"rule '{rule.id}' makes commissioner {value} pay, but "
                              f"every episode it matches already has commissioner {value}, so this changes "
                              "nothing; remove the action or correct the commissioner"))
    return found


def _excludes(rule: Rule) -> bool:
    return any(a.action.stage == "exclude" for a in rule.then)


def _covers(excluder: Rule, conditions: list[Condition]) -> bool:
    """Whether every episode satisfying ``conditions`` is matched by ``excluder`` (exclusion wins
    whatever the order, so this is enough)."""
    if excluder.history or excluder.local is None:
        return False
    whole = _condition(Not(excluder.local))  # None when any of its tests is beyond the lint
    if whole is None:
        return False
    return impossible(conditions + [whole]) is not None


def _pays_already(rule: Rule, code: str, rules: list[Rule], conditions: dict, fields: dict[str, Field]) -> bool:
    if possible_values(conditions[rule.id], fields["commissioner"]) != {code}:
        return False
    # the first commissioner action decides: this one still matters if it overrides a later one
    for other in rules:
        moves = [a.value for a in other.then if a.name == "commissioner" and a.value != code]
        if moves and other.order > rule.order and impossible(conditions[rule.id] + conditions[other.id]) is None:
            return False
    return True


def price_conflicts(rules: list[Rule], conditions: dict) -> list[tuple]:
    """Two rules at one priority setting different prices for episodes both can match: the one
    placed first wins, which is rarely what a contract means."""
    found = []
    priced = [(r, a.value) for r in rules for a in r.then if a.name == "price"]
    for (first, a), (second, b) in itertools.combinations(sorted(priced, key=lambda p: p[0].order), 2):
        if first.priority != second.priority or a == b:
            continue
        if impossible(conditions[first.id] + conditions[second.id]) is None:
            found.append(("price_conflict", second.path + ("then", "price"),
                          f"rules '{first.id}' and '{second.id}' set different prices ({_pounds(a)} and "
                          f"{_pounds(b)}) at the same priority, and an episode can match both: '{first.id}' "
                          "wins only because it comes first; give one of them a priority, or narrow their "
                          "conditions so they cannot overlap"))
    return found


def _pounds(micros: int) -> str:
    pounds = Decimal(micros) / MICROS_PER_POUND
    return f"£{pounds:.2f}" if micros % 10_000 == 0 else f"£{pounds.normalize()}"
