"""Conditions across a person's history: what a history kind is, and the condition a rule holds.

A history kind is a key under ``when`` (``escalation``, say) that relates the episode a rule is
about to the person's other episodes and reviews. Kinds are declared through the
``localpay_history_kinds`` hook (the built-in ones by ``localpay.rules.history_kinds``); the core
composes them with the rule operators and refuses two with one name.

A kind is evaluated twice, by two independent readings of its definition: ``columnar`` as
Polars operations over every person's periods and reviews (``History``, built by
``localpay.rules.columnar``, which also has helpers for as-of joins and running values), the
answer every run pays on; and ``evaluate`` as durable-rules joins over the person's facts, which
re-evaluates a sample of people in every run and all of them with ``--rules-engine durable``.
In durable-rules each episode is a fact
``{t: "ep", patient, episode, provider, cluster, sc (super class), start, stop, seq}`` with days
counted from 1970-01-01 (``stop`` is the first day not in the period; an open period runs to the
horizon) and ``seq`` its place in the person's episodes by start date; each review is a fact
``{t: "rv", patient, date}``: every MHCT review in the assessments, and every episode start
(allocating a cluster is itself a review). The subject, the episode the rule is about, is the
pattern ``e``. The helpers below (``ref``, ``minus``, ``same_person``, ``whole_days``,
``keys_of``) are for kinds' authors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import polars as pl

from ..clusters import CLUSTERS

SUPER_CLASSES = {name: i for i, name in enumerate(sorted({c.super_class for c in CLUSTERS.values()}))}


class ParseProblems(Protocol):
    """Where a kind's ``parse`` reports a mistake in what was written."""

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        """Record ``message`` (what was expected, what was found) at ``path`` in the ruleset."""


@dataclass(frozen=True)
class HistoryJoin:
    """A history condition for durable-rules: ``subject``, further tests on the subject episode's
    own fact (pattern ``e``); ``patterns``, the joins to the person's other facts, each a
    mapping of a pattern name (unique: start it with the prefix given) to its test."""

    subject: tuple[dict[str, Any], ...] = ()
    patterns: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class History:
    """Each person's periods and reviews as frames, for a kind's ``columnar`` method.

    ``episodes``: one row per episode, sorted by person, start and episode id: ``row`` (its
    place, 0-based: a kind answers with a Boolean Series in this order), ``episode_id``,
    ``patient_id``, ``provider``, ``cluster``, ``sc`` (its super class, as a number), ``start``
    and ``stop`` (days from 1970-01-01; ``stop`` is the first day not in the period, an open
    period running to the horizon), ``seq`` (its place among the person's episodes, from 1),
    ``person`` (the person as a number, from 1 in the order of their ids) and
    ``person_provider`` (the person and the provider together as a number): integer keys for
    ``columnar.latest`` and ``columnar.running``. ``reviews``: ``person, date`` (days): every
    MHCT review and every episode start, sorted by person and date (a date may appear twice). The same facts
    the durable-rules joins are over.
    """

    episodes: pl.DataFrame
    reviews: pl.DataFrame
    _shared: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()``, made once per ``key`` for this history: a part of an answer that several
        conditions (or one condition with different parameters) have in common, such as the
        latest review before each period starts. The key must say everything the part depends on."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    @property
    def none(self) -> pl.Series:
        """A Boolean Series of the episodes' length, all false: a kind's answer when it cannot hold."""
        return pl.Series("match", [False] * self.episodes.height, dtype=pl.Boolean)



@runtime_checkable
class HistoryKind(Protocol):
    """A condition across a person's history, as a plugin declares it."""

    name: str  # the key under ``when``
    summary: str  # one line, for ``localpay plugins`` and the docs

    def parse(self, value: Any, path: tuple[str | int, ...], problems: ParseProblems) -> HistoryCondition | None:
        """Check what was written under the key.

        :param value: the YAML value written (a mapping, usually).
        :param path: where it was written, for ``problems.fail``.
        :param problems: report each mistake with ``problems.fail(path, message)``.
        :return: the condition (``HistoryCondition(self, params, path)``), or None after a failure.
        """

    def columnar(self, params: dict[str, Any], history: History) -> pl.Series:
        """The condition as Polars operations over every person's periods and reviews (as-of
        joins, windows over the person, running counts: ``localpay.rules.columnar`` has helpers),
        with a cost linear in a person's periods. The default evaluator uses this; durable-rules
        (``evaluate``) checks it on a sample of people in every run.

        :param params: the parameters ``parse`` returned in the condition.
        :param history: the episodes and reviews, as :class:`History` describes them.
        :return: a Boolean Series, one value per row of ``history.episodes`` in its order: does
            that episode satisfy the condition.
        """

    def evaluate(self, params: dict[str, Any], prefix: str) -> HistoryJoin:
        """The condition as durable-rules joins.

        :param params: the parameters ``parse`` returned in the condition.
        :param prefix: a prefix unique to this condition in the rule, for pattern names.
        :return: the tests on the subject episode and the patterns joining it to the person's facts.
        """

    def describe(self, params: dict[str, Any]) -> str:
        """The condition in plain English.

        :param params: the parameters ``parse`` returned in the condition.
        :return: words completing "Where ...", for the schedule, ``validate`` and ``explain``.
        """

    def clusters(self, params: dict[str, Any]) -> tuple[int, ...] | None:
        """The clusters the rule's own episode must be in for the condition to hold.

        :param params: the parameters ``parse`` returned in the condition.
        :return: the clusters, or None when any cluster may (the lint uses them to tell a rule
            that can never match).
        """


@dataclass(frozen=True)
class HistoryCondition:
    kind: HistoryKind = field(hash=False, compare=False)
    params: dict[str, Any] = field(hash=False)
    path: tuple[str | int, ...] = ()
    name: str = field(default="", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.kind.name)

    def evaluate(self, prefix: str) -> HistoryJoin:
        return self.kind.evaluate(self.params, prefix)

    def columnar(self, history: History) -> pl.Series:
        return self.kind.columnar(self.params, history)

    def describe(self) -> str:
        return self.kind.describe(self.params)

    def clusters(self) -> tuple[int, ...] | None:
        return self.kind.clusters(self.params)


def ref(pattern: str, name: str) -> dict[str, Any]:
    """The value ``name`` of the fact matched by ``pattern``."""
    return {pattern: name}


def minus(pattern: str, name: str, days: int) -> dict[str, Any]:
    """The value ``name`` of the fact matched by ``pattern``, less ``days``."""
    return {"$sub": {"$l": {pattern: name}, "$r": days}}


def same_person(pattern: str = "e") -> dict[str, Any]:
    return {"patient": ref(pattern, "patient")}


def whole_days(value: Any, path: tuple[str | int, ...], problems: ParseProblems, key: str, low: int = 1,
               high: int = 3660) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``, or None after reporting it at ``key``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.fail(path + (key,), f"expected a whole number of days from {low} to {high}, found {value!r}")
        return None
    return value


def keys_of(value: Any, path: tuple[str | int, ...], problems: ParseProblems,
            allowed: dict[str, bool]) -> dict[str, Any] | None:
    """``value`` as a mapping of the ``allowed`` keys (True: required), or None after reporting."""
    if not isinstance(value, dict):
        problems.fail(path, f"expected a mapping with {', '.join(allowed)}, found {type(value).__name__}")
        return None
    for key in value:
        if key not in allowed:
            problems.fail(path + (str(key),), f"unknown key '{key}' (expected: {', '.join(allowed)})")
    for key, required in allowed.items():
        if required and key not in value:
            problems.fail(path, f"the key '{key}' is required here")
    return value
