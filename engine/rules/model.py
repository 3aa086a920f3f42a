"""A ruleset's ``inputs:`` and ``rules:`` blocks, parsed and checked against the vocabulary.

Every problem carries its file, line and key, and any problem stops the run before money is
computed, like the rest of the ruleset.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
import re
from dataclasses import dataclass
from typing import Any

from ..errors import Problem
from ..inputs.blocks import RESERVED, parse_table
from ..inputs.reading import TableOptions
from ..ruleset.messages import describe_found
from .conditions import Node, parse_when, split_history
from .fields import Field, builtin_fields
from .history import HistoryCondition
from .normal_form import complexity_problems
from .vocabulary import COMBINERS, ActionContext, RuleAction, Vocabulary

RULE_KEYS = ("id", "clause", "description", "priority", "when", "then")
INPUT_TYPES = ("text", "number", "date")
IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Action:
    action: RuleAction
    value: Any

    @property
    def name(self) -> str:
        return self.action.name

    def describe(self) -> str:
        return self.action.describe(self.value)


@dataclass(frozen=True)
class Rule:
    id: str
    index: int  # its place in the ruleset: ties in priority go by it
    clause: str | None
    description: str | None
    priority: int
    when: Node
    then: tuple[Action, ...]
    history: tuple[HistoryCondition, ...]
    local: Node | None  # the conditions on the episode's own fields

    @property
    def order(self) -> tuple[int, int]:
        return (self.priority, self.index)

    @property
    def path(self) -> tuple:
        return ("rules", self.index)


@dataclass(frozen=True)
class RuleBook:
    fields: dict[str, Field]
    rules: tuple[Rule, ...]
    tables: tuple[tuple[str, TableOptions], ...] = ()  # how the ``inputs:`` block reads each input file

    @property
    def declared(self) -> dict[str, Field]:
        return {name: f for name, f in self.fields.items() if f.declared}


def parse_inputs(data: object, fields: dict[str, Field], problem, history: Iterable[str] = (),
                 tables: Mapping[str, tuple[str, ...]] | None = None,
                 ) -> tuple[dict[str, Field], list[Problem], dict[str, TableOptions]]:
    """The declared episode columns added to ``fields``, and how each input file is read
    (``inputs.blocks``); a column may not take the name of a history condition (``history``),
    which a rule would read in its place. ``tables``: each input table's columns, by name
    (``episodes`` and ``assessments`` among them)."""
    problems: list[Problem] = []
    options: dict[str, TableOptions] = {}
    tables = dict(tables or {"episodes": (), "assessments": ()})
    if data is None:
        return fields, problems, options
    if not isinstance(data, dict):
        return fields, [problem(("inputs",), "expected inputs: {episodes: {columns: ..., column: type, ...}, "
                                             f"<table>: {{columns: ..., encoding: ..., sheet: ...}}}}, found "
                                             f"{describe_found(data)}")], options
    for name in data:
        if name not in tables:
            close = difflib.get_close_matches(str(name), list(tables), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(problem(("inputs", str(name)), f"unknown input table '{name}'{hint} (the tables: "
                                                           f"{', '.join(tables)})"))
    for name, block in data.items():
        if name not in tables or block is None:
            continue
        if not isinstance(block, dict):
            problems.append(problem(("inputs", name), f"expected a mapping (columns, encoding, sheet"
                                                      f"{', and the columns rules read' if name == 'episodes' else ''}),"
                                                      f" found {describe_found(block)}"))
            continue
        if name != "episodes":
            for key in (k for k in block if k not in RESERVED):
                problems.append(problem(("inputs", name, str(key)), f"unknown key '{key}' (expected: "
                                        f"{', '.join(RESERVED)}; only episodes declares the columns rules read)"))
            known = tables[name]
        else:
            fields, found = _declared(block, fields, problem, history)
            problems += found
            known = tuple(dict.fromkeys(tables[name] + tuple(f for f in fields if fields[f].declared)))
            block = {k: v for k, v in block.items() if not (k in RESERVED and _a_column(v))}  # reported
        options[name], found = parse_table(name, block, known, problem)
        problems += found
    return fields, problems, options


def _declared(columns: dict, fields: dict[str, Field], problem,
              history: Iterable[str]) -> tuple[dict[str, Field], list[Problem]]:
    """The episode columns a ruleset declares for its rules (every key but the reserved ones)."""
    problems: list[Problem] = []
    fields = dict(fields)
    for name, spec in columns.items():
        at = ("inputs", "episodes", str(name))
        if name in RESERVED:
            if _a_column(spec):
                problems.append(problem(at, f"'{name}' is a reserved key of an input table's block ("
                                            f"{', '.join(RESERVED)}): a column of that name cannot be declared"))
            continue
        if not COLUMN.match(str(name)) or name in COMBINERS:
            problems.append(problem(at, f"'{name}' cannot name a column: use lower-case letters, digits and _"))
            continue
        if name in history:
            problems.append(problem(at, f"'{name}' is the name of a condition across the person's history; "
                                        "a rule would read that, not the column: name the column otherwise"))
            continue
        if name in fields and not (name == "service"):
            problems.append(problem(at, f"'{name}' is a built-in episode column; it needs no declaring"))
            continue
        written, spec = spec, ({"type": spec} if isinstance(spec, str) else spec)
        if not isinstance(spec, dict) or spec.get("type") not in INPUT_TYPES or set(spec) - {"type", "values"}:
            problems.append(problem(at, f"expected a type ({', '.join(INPUT_TYPES)}) or {{type: ..., values: [...]}}, "
                                        f"found {describe_found(written)}"))
            continue
        values = spec.get("values")
        if values is not None and (spec["type"] != "text" or not isinstance(values, list) or not values):
            problems.append(problem(at + ("values",), "values lists the text a column can hold, e.g. [CMHT, EIP]"))
            continue
        fields[name] = Field(name, spec["type"], tuple(str(v) for v in values) if values else None, declared=True)
    return fields, problems


def _a_column(spec: object) -> bool:
    """Whether a value declares a column (a type, or ``{type: ...}``)."""
    return (isinstance(spec, dict) and "type" in spec) or (isinstance(spec, str) and spec in INPUT_TYPES)


def parse_rules(data: object, fields: dict[str, Field], vocabulary: Vocabulary, commissioners: tuple[str, ...],
                problem) -> tuple[tuple[Rule, ...], list[Problem]]:
    if data is None:
        return (), []
    if not isinstance(data, list):
        return (), [problem(("rules",), f"expected a list of rules, found {describe_found(data)}")]
    seen: dict[str, int]
    rules, problems, seen = [], [], {}
    context = ActionContext(commissioners)
    for index, block in enumerate(data):
        at = ("rules", index)
        if not isinstance(block, dict):
            problems.append(problem(at, f"expected a rule (id, clause, when, then), found {describe_found(block)}"))
            continue
        found = _rule_keys(block, at, problem)
        problems += found
        rule_id = block.get("id")
        if not isinstance(rule_id, str) or not IDENT.match(rule_id):
            problems.append(problem(at + ("id",), f"expected an id of lower-case letters, digits, - and _, found {describe_found(rule_id)}"))
            continue
        if rule_id in seen:
            problems.append(problem(at + ("id",), f"the id '{rule_id}' is already used by rules[{seen[rule_id]}]"))
        seen.setdefault(rule_id, index)
        when, when_problems = (parse_when(block["when"], at + ("when",), fields, vocabulary, problem)
                               if "when" in block else (None, []))
        then, then_problems = (_parse_then(block["then"], at + ("then",), vocabulary, context, problem)
                               if "then" in block else ([], []))
        priority = block.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            problems.append(problem(at + ("priority",), f"expected a whole number, found {describe_found(priority)}"))
        text = {k: block.get(k) for k in ("clause", "description")}
        for key, value in text.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                problems.append(problem(at + (key,), f"expected text, found {describe_found(value)}"))
        problems += when_problems + then_problems
        if when is None or not then or when_problems or then_problems or found:
            continue
        history, local = split_history(when)
        rules.append(Rule(rule_id, index, text["clause"], text["description"], priority if isinstance(priority, int) else 0,
                          when, tuple(then), tuple(history), local))
    return tuple(rules), problems


def _rule_keys(block: dict, at: tuple, problem) -> list[Problem]:
    problems = []
    for key in block:
        if key not in RULE_KEYS:
            problems.append(problem(at + (str(key),), f"unknown key '{key}' in a rule (expected: {', '.join(RULE_KEYS)})"))
    for key in ("id", "when", "then"):
        if key not in block:
            problems.append(problem(at, f"the key '{key}' is required in a rule"))
    return problems


def _parse_then(data: object, at: tuple, vocabulary: Vocabulary, context: ActionContext, problem):
    if not isinstance(data, dict) or not data:
        return [], [problem(at, f"expected actions as a mapping, e.g. {{uplift: 10%}}, found {describe_found(data)}")]
    actions, problems = [], []
    for name, value in data.items():
        action = vocabulary.actions.get(str(name))
        if action is None:
            known = ", ".join(vocabulary.actions)
            close = difflib.get_close_matches(str(name), list(vocabulary.actions), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(problem(at + (str(name),), f"unknown action '{name}'{hint} (expected one of: {known})"))
            continue
        try:
            actions.append(Action(action, action.parse(value, context)))
        except ValueError as error:
            problems.append(problem(at + (str(name),), str(error)))
    return actions, problems


def rulebook(document_data: dict, vocabulary: Vocabulary, providers, commissioners, problem,
             tables: Mapping[str, tuple[str, ...]] | None = None) -> tuple[RuleBook, list[Problem]]:
    """``tables``: each input table's columns by name (``input_columns``)."""
    fields, problems, options = parse_inputs(document_data.get("inputs"), builtin_fields(list(providers), list(commissioners)),
                                             problem, vocabulary.history, tables)
    rules, rule_problems = parse_rules(document_data.get("rules"), fields, vocabulary, tuple(commissioners), problem)
    book = RuleBook(fields, rules, tuple(options.items()))
    return book, problems + rule_problems + complexity_problems(rules, problem)
