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

import itertools
from dataclasses import dataclass
from decimal import Decimal

from ..money import MICROS_PER_POUND
from .fields import Field
from .model import Rule
from .conditions import Not
from .satisfy import PARTIES, Condition, condition_of, conditions_of, impossible, possible_values
from .vocabulary import BUILTIN
from .wording import label

MOOT = ("commissioner", "price", "adjust", "hold", "split", "flag")  # what exclusion makes moot (policy.py)


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
    assert f.values is not None  # asked only of a field whose values are known
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
    whole = condition_of(Not(excluder.local))  # None when any of its tests is beyond the lint
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
