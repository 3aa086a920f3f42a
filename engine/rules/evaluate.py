"""Which rules match which episodes, by either evaluator.

``polars`` (the default): row-local rules as vectorised expressions; rules across a person's
history in durable-rules, one session per batch of people. ``durable``: every rule through
durable-rules, row-local ones in sessions of a batch of episodes each. The durable-rules
sessions run in a child process (``isolate.py``); every fact is built before it starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from .durable_adapter import engine
from .durable_compile import definitions, episode_facts, negates, review_facts, subjects
from .isolate import in_child
from .model import Rule, RuleBook
from .polars_eval import MATCH_SCHEMA, polars_matches

Evaluator = Literal["polars", "durable"]
EVALUATORS = ("polars", "durable")
EPISODES_PER_SESSION = 200
PEOPLE_PER_SESSION = 50


@dataclass
class Evaluation:
    matches: pl.DataFrame  # episode_id, rule (index)
    stats: dict = field(default_factory=dict)


def evaluate(book: RuleBook, episodes: pl.DataFrame, reviews: pl.DataFrame | None,
             evaluator: Evaluator = "polars") -> Evaluation:
    """``episodes``: checked episodes with typed columns and ``until`` (the stop, closed at the
    horizon); ``reviews``: ``patient_id, review_date``."""
    local = [r for r in book.rules if not r.history]
    history = [r for r in book.rules if r.history]
    in_durable = history + (local if evaluator == "durable" else [])
    found = [polars_matches(episodes, local)] if evaluator == "polars" else []
    stats = {"evaluator": evaluator, "rules_polars": 0 if evaluator == "durable" else len(local),
             "rules_durable": len(in_durable), "sessions": 0, "retries": 0, "crashes": 0}
    if in_durable and not episodes.is_empty():
        ordered = episodes.sort(["patient_id", "start_date", "episode_id"])
        sessions = []  # (ruleset, subjects, context): every fact built before the engine starts
        if evaluator == "durable" and local:
            context = negates(local)  # only a negated test looks at the context facts
            for batch in _chunks(episode_facts(ordered, book.fields), EPISODES_PER_SESSION):
                sessions.append(("local", subjects(batch), batch if context else []))
        if history:
            sessions += [("history", subjects(batch), batch) for batch in _people(ordered, reviews, book)]
        rulesets = {"local": local if evaluator == "durable" else [], "history": history}
        (sink, counts), crashes = in_child(lambda: _run_sessions(rulesets, sessions))
        stats.update(counts, crashes=crashes)
        found.append(pl.DataFrame(sink, schema=MATCH_SCHEMA, orient="row"))
    matches = pl.concat(found) if found else pl.DataFrame(schema=MATCH_SCHEMA)
    return Evaluation(matches.unique().sort(["episode_id", "rule"]), stats)


def _run_sessions(rulesets: dict[str, list[Rule]], sessions: list) -> tuple[list, dict]:
    """Every session through durable-rules: the matches found, and the engine's counts."""
    sink: set[tuple[str, int]] = set()
    compiled = {name: _compiled(rules, sink) for name, rules in rulesets.items() if rules}
    with engine(compiled) as running:
        for name, facts, context in sessions:
            running.assert_session(name, facts, context)
        return sorted(sink), {"sessions": running.sessions, "retries": running.retries}


def _compiled(rules: list[Rule], sink: set) -> dict:
    compiled = {}
    for rule in rules:
        for n, definition in enumerate(definitions(rule)):
            compiled[f"r{rule.index}_{n}"] = (definition, _recorder(rule.index, sink))
    return compiled


def _recorder(index: int, sink: set):
    def record(closure) -> None:
        sink.add((closure.e["episode"], index))
    return record


def _people(ordered: pl.DataFrame, reviews: pl.DataFrame | None, book: RuleBook) -> Iterable[list[dict]]:
    """Sessions of people with more than one episode: every history condition relates an
    episode to another of the same person's, so no one else can match."""
    counts = ordered.group_by("patient_id").len()
    several = counts.filter(pl.col("len") > 1)["patient_id"]
    people = ordered.filter(pl.col("patient_id").is_in(several.implode()))
    if people.is_empty():
        return
    facts = episode_facts(people, book.fields)
    wanted = reviews.filter(pl.col("patient_id").is_in(several.implode())) if reviews is not None else None
    # review_facts takes None for no reviews, though its annotation does not say so
    rv = review_facts(wanted, people).sort(["patient", "date"])  # type: ignore[arg-type]
    by_person: dict[str, list[dict]] = {}
    for fact in facts:
        by_person.setdefault(fact["patient"], []).append(fact)
    for patient, date in rv.iter_rows():
        by_person[patient].append({"t": "rv", "patient": patient, "date": date})
    group: list[dict] = []
    for n, patient in enumerate(sorted(by_person), start=1):
        group += by_person[patient]
        if n % PEOPLE_PER_SESSION == 0:
            yield group
            group = []
    if group:
        yield group


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
