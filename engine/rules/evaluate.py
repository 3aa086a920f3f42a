"""Which rules match which episodes, by either evaluator, and the check of one by the other.

``polars`` (the default): every rule columnar. Tests on the episode's own fields are vectorised
expressions; each history condition is its kind's ``columnar`` answer (as-of joins and running
values over each person's periods and reviews); a rule's conditions are one conjunction, so its
matches are the episodes where every part holds. Then a seeded sample of people
(``settings.rules_cross_check``) is re-evaluated through durable-rules and the two answers
compared (beside pricing, in the background): a disagreement stops the run before anything is
written.

``durable``: every rule through durable-rules. Each part of a rule (its own-field conditions, and
each history condition) is a durable rule of its own, and the rule matches where all its parts
do: in durable-rules a fact matched by one pattern of a rule is never offered to another pattern
of the same rule, so two history conditions in one durable rule could not both see the same
earlier period. The sessions run in a child process (``isolate.py``); every fact is built first.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import polars as pl

from ..errors import LocalpayError, PluginError
from .columnar import history_of
from .durable_adapter import RulesEngineError, engine
from .durable_compile import episode_facts, inexact, negates, parts, patterns_of, review_facts, subjects
from .isolate import in_child
from .model import Rule, RuleBook
from .polars_eval import MATCH_SCHEMA, expression

Evaluator = Literal["polars", "durable"]
EVALUATORS = ("polars", "durable")
EPISODES_PER_SESSION = 200
PEOPLE_PER_SESSION = 50
ORDER = ["patient_id", "start_date", "episode_id"]


class CrossCheckError(LocalpayError):
    """The columnar evaluator and durable-rules disagree: no money is computed on either answer."""


@dataclass
class Evaluation:
    matches: pl.DataFrame  # episode_id, rule (index)
    stats: dict = field(default_factory=dict)
    pending: Future | None = None  # the cross-check, while it runs beside the rest of the run

    def confirm(self) -> None:
        """Wait for the cross-check, if it is still running: raises ``CrossCheckError`` when the
        evaluators disagree. Nothing may be written from the matches before this returns."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()


def evaluate(book: RuleBook, episodes: pl.DataFrame, reviews: pl.DataFrame | None,
             evaluator: Evaluator = "polars", cross_check: int = 0, background: bool = False) -> Evaluation:
    """``episodes``: checked episodes with typed columns and ``until`` (the stop, closed at the
    horizon); ``reviews``: ``patient_id, review_date``; ``cross_check``: how many people the
    polars evaluator has durable-rules re-evaluate; ``background``: return while the
    cross-check runs (in a thread waiting on its child process, so the run goes on pricing on
    the other core), for the caller to ``confirm`` before anything is written."""
    rules = list(book.rules)
    stats = {"evaluator": evaluator, "rules_polars": 0, "rules_durable": 0, "sessions": 0, "retries": 0,
             "crashes": 0, "cross_checked_people": 0}
    if not rules or episodes.is_empty():
        return Evaluation(pl.DataFrame(schema=MATCH_SCHEMA), stats)
    ordered = episodes.sort(ORDER)
    if evaluator == "durable":
        refused = inexact(ordered, rules, book.fields)
        if not refused.is_empty():
            raise RulesEngineError(
                f"episode {refused[0]!r} ({refused.len():,} in all) holds text durable-rules cannot be given exactly "
                "(characters U+E000 to U+E0FF, which it is given text in, or more than 20,000 bytes tested by a "
                "plugin's operator): "
                "run with the default evaluator, which compares it exactly")
        matches, counts = durable_matches(book, ordered, reviews)
        stats.update(counts, rules_durable=len(rules))
        return Evaluation(matches, stats)
    matches = columnar_matches(rules, ordered, reviews)
    stats["rules_polars"] = len(rules)
    if cross_check <= 0:
        return Evaluation(matches, stats)
    refused = inexact(ordered, rules, book.fields)  # people durable-rules cannot be given exactly are not sampled
    eligible = ordered.join(ordered.filter(pl.col("episode_id").is_in(refused.implode())).select("patient_id"),
                            on="patient_id", how="anti") if not refused.is_empty() else ordered
    sample = sampled_people(eligible, cross_check)
    stats["cross_check_unsampled_episodes"] = refused.len()
    if not sample:
        return Evaluation(matches, stats)
    chosen = ordered.filter(pl.col("patient_id").is_in(pl.Series(sample).implode()))
    wanted = reviews.filter(pl.col("patient_id").is_in(pl.Series(sample).implode())) if reviews is not None else None

    def check() -> None:
        checked, counts = durable_matches(book, chosen, wanted)
        stats.update(counts, cross_checked_people=len(sample))
        compare(rules, chosen, matches, checked)

    evaluation = Evaluation(matches, stats)
    if not background:
        check()
        return evaluation
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localpay-cross-check")
    evaluation.pending = worker.submit(check)
    worker.shutdown(wait=False)
    return evaluation


def columnar_matches(rules: list[Rule], ordered: pl.DataFrame, reviews: pl.DataFrame | None) -> pl.DataFrame:
    """``episode_id, rule`` for every episode each rule matches, every part columnar."""
    history = history_of(ordered, reviews) if any(r.history for r in rules) else None
    local = ordered.select([(expression(r.local) if r.local is not None else pl.lit(True, pl.Boolean))
                            .alias(str(r.index)) for r in rules])
    found = []
    answers: dict[tuple[str, str], pl.Series] = {}  # a condition written in several rules is evaluated once
    for rule in rules:
        hit = local[str(rule.index)]
        for condition in rule.history:
            assert history is not None
            same = (condition.name, repr(sorted(condition.params.items())))
            if same not in answers:
                answers[same] = condition.columnar(history)
            answer = answers[same]
            if not isinstance(answer, pl.Series) or answer.dtype != pl.Boolean or answer.len() != ordered.height:
                raise PluginError(f"history kind {condition.name!r} ({type(condition.kind).__module__}) answered "
                                  f"rule {rule.id!r} with {type(answer).__name__} {getattr(answer, 'dtype', '')}, "
                                  f"not a Boolean Series of {ordered.height} values, one per episode")
            hit = hit & answer.fill_null(False)
        # only the matches are kept: an episodes x rules table of flags would be most of the memory
        matched = ordered["episode_id"].filter(hit)
        found.append(pl.DataFrame({"episode_id": matched,
                                   "rule": pl.repeat(rule.index, matched.len(), dtype=pl.Int32, eager=True)}))
    return pl.concat(found).unique().sort(["episode_id", "rule"])


def sampled_people(ordered: pl.DataFrame, count: int) -> list[str]:
    """Up to ``count`` people, the same for the same data: half taken evenly from the people with
    more than one episode (the only ones a history condition can match), the rest evenly from
    everyone, in the order of their ids."""
    if count <= 0:
        return []
    people = ordered.group_by("patient_id").len().sort("patient_id")
    several = people.filter(pl.col("len") > 1)["patient_id"]
    chosen = set(_evenly(several, (count + 1) // 2))
    chosen |= set(_evenly(people["patient_id"].filter(~people["patient_id"].is_in(list(chosen))), count - len(chosen)))
    return sorted(chosen)


def _evenly(ids: pl.Series, count: int) -> list[str]:
    if count <= 0 or ids.is_empty():
        return []
    if ids.len() <= count:
        return ids.to_list()
    step = ids.len() / count
    return [ids[int(i * step)] for i in range(count)]


def compare(rules: list[Rule], chosen: pl.DataFrame, columnar: pl.DataFrame, durable: pl.DataFrame) -> None:
    """Stop on the first episode of the sample whose matches differ, naming both answers."""
    ids = chosen.select("episode_id", "patient_id")
    mine = columnar.join(ids, on="episode_id", how="semi")
    differ = mine.join(durable, on=["episode_id", "rule"], how="anti").with_columns(columnar=pl.lit(True))
    differ = pl.concat([differ, durable.join(mine, on=["episode_id", "rule"], how="anti")
                        .with_columns(columnar=pl.lit(False))]).join(ids, on="episode_id")
    if differ.is_empty():
        return
    first = differ.sort("patient_id", "episode_id", "rule").row(0, named=True)
    rule = next(r for r in rules if r.index == first["rule"])
    said = ("the columnar evaluator says it matches, durable-rules says it does not" if first["columnar"] else
            "durable-rules says it matches, the columnar evaluator says it does not")
    raise CrossCheckError(
        f"the two rule evaluators disagree for person {first['patient_id']!r}, rule {rule.id!r} (rules[{rule.index}]) "
        f"on episode {first['episode_id']!r}: {said} ({differ.height} disagreement(s) in the sample); "
        "nothing was written. Run again with --rules-engine durable to price on durable-rules' answer, "
        "and report the rule and the person's episodes")


def durable_matches(book: RuleBook, ordered: pl.DataFrame, reviews: pl.DataFrame | None) -> tuple[pl.DataFrame, dict]:
    """Every rule through durable-rules: ``episode_id, rule`` matches, and the engine's counts."""
    local = [r for r in book.rules if not r.history]
    history = [r for r in book.rules if r.history]
    # the rules on episodes' own fields share one durable ruleset; each part of a rule across
    # history has one of its own (durable-rules' engine was seen to crash on some rulesets
    # holding two history rules, and never on one holding one)
    rulesets: dict[str, list[tuple[int, int, list[dict]]]] = {}
    if local:
        rulesets["local"] = [(r.index, part, d) for r in local for part, d in enumerate(parts(r))]
    for rule in history:
        for part, definitions in enumerate(parts(rule)):
            rulesets[f"r{rule.index}_{part}"] = [(rule.index, part, definitions)]
    sessions = []  # (ruleset, subjects, context): every fact built before the engine starts
    if local:
        context = negates(local)  # only a negated test looks at the context facts
        for batch in _chunks(episode_facts(ordered, book.fields, patterns_of(local)), EPISODES_PER_SESSION):
            sessions.append(("local", subjects(batch), batch if context else []))
    if history:
        names = [name for name in rulesets if name != "local"]
        sessions += [(name, subjects(batch), batch) for batch in _people(ordered, reviews, book) for name in names]
    # each ruleset in a child of its own: a crash then costs one ruleset's sessions, and no
    # ruleset's state in the engine can touch another's
    sink, counts, crashes = [], {"sessions": 0, "retries": 0}, 0
    for name, members in rulesets.items():
        mine = [session for session in sessions if session[0] == name]
        (found_here, counted), crashed = in_child(partial(_run_sessions, {name: members}, mine))
        sink += found_here
        crashes += crashed
        for key in counts:
            counts[key] += counted[key]
    found = pl.DataFrame(sink, schema={"episode_id": pl.String, "rule": pl.Int32, "part": pl.Int32}, orient="row")
    needed = pl.DataFrame([(r.index, len(parts(r))) for r in book.rules], schema={"rule": pl.Int32, "needed": pl.Int32},
                          orient="row")
    whole = found.group_by("episode_id", "rule").agg(pl.col("part").n_unique().alias("held")).join(needed, on="rule")
    matches = whole.filter(pl.col("held") == pl.col("needed")).select("episode_id", "rule").sort(["episode_id", "rule"])
    return matches, {**counts, "crashes": crashes}


def _run_sessions(rulesets: dict[str, list[tuple[int, int, list[dict]]]], sessions: list) -> tuple[list, dict]:
    """Every session through durable-rules: the parts matched, and the engine's counts."""
    sink: set[tuple[str, int, int]] = set()
    compiled = {name: {f"r{index}_{part}_{n}": (definition, _recorder(index, part, sink))
                       for index, part, definitions in members for n, definition in enumerate(definitions)}
                for name, members in rulesets.items()}
    with engine(compiled) as running:
        for name, facts, context in sessions:
            running.assert_session(name, facts, context)
        return sorted(sink), {"sessions": running.sessions, "retries": running.retries}


def _recorder(index: int, part: int, sink: set):
    def record(closure) -> None:
        sink.add((closure.e["episode"], index, part))
    return record


def _people(ordered: pl.DataFrame, reviews: pl.DataFrame | None, book: RuleBook) -> Iterable[list[dict]]:
    """Sessions of people with more than one episode: every history condition relates an
    episode to another of the same person's, so no one else can match."""
    counts = ordered.group_by("patient_id").len()
    several = counts.filter(pl.col("len") > 1)["patient_id"]
    people = ordered.filter(pl.col("patient_id").is_in(several.implode()))
    if people.is_empty():
        return
    facts = episode_facts(people, book.fields, patterns_of(book.rules))
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
