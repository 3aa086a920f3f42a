"""Conditions across a person's history, run in durable-rules as joins over the person's facts.

Each episode is asserted as a fact ``{t: "ep", patient, episode, provider, cluster, sc (super
class), start, stop, seq}`` with days counted from 1970-01-01 (``stop`` is the first day not in
the period; an open period runs to the horizon) and ``seq`` its place in the person's episodes
by start date; each review is a fact ``{t: "rv", patient, date}``: every MHCT review in the
assessments, and every episode start (allocating a cluster is itself a review). The subject, the
episode the rule is about, is the pattern ``e``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..clusters import CLUSTERS, parse_cluster
from . import wording

SUPER_CLASSES = {name: i for i, name in enumerate(sorted({c.super_class for c in CLUSTERS.values()}))}
CRISIS = (14, 15)
MAX_REPEAT = 10


@dataclass(frozen=True)
class HistoryCondition:
    kind: str
    params: dict = field(hash=False)
    path: tuple = ()

    def patterns(self, prefix: str) -> list[dict]:
        return HISTORY[self.kind].patterns(self.params, prefix)

    def describe(self) -> str:
        return HISTORY[self.kind].describe(self.params)


def ref(pattern: str, name: str) -> dict:
    return {pattern: name}


def minus(pattern: str, name: str, days: int) -> dict:
    return {"$sub": {"$l": {pattern: name}, "$r": days}}


def same_person(pattern: str = "e") -> dict:
    return {"patient": ref(pattern, "patient")}


def _days(value, path, parser, key: str, low: int = 1, high: int = 3660) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        parser.fail(path + (key,), f"expected a whole number of days from {low} to {high}, found {value!r}")
        return None
    return value


def _keys(value, path, parser, allowed: dict[str, bool]) -> dict | None:
    if not isinstance(value, dict):
        parser.fail(path, f"expected a mapping with {', '.join(allowed)}, found {type(value).__name__}")
        return None
    for key in value:
        if key not in allowed:
            parser.fail(path + (str(key),), f"unknown key '{key}' (expected: {', '.join(allowed)})")
    for key, required in allowed.items():
        if required and key not in value:
            parser.fail(path, f"the key '{key}' is required here")
    return value


class WithinDays:
    """A history condition with one parameter, ``within_days``."""

    kind = ""

    def parse(self, value, path, parser):
        data = _keys(value, path, parser, {"within_days": True})
        days = _days(data.get("within_days"), path, parser, "within_days") if data else None
        return HistoryCondition(self.kind, {"within_days": days}, path) if days else None


class Escalation(WithinDays):
    """A step up: a higher cluster in the same super class than the period the person was in
    when this one began, within N days after the person's previous review."""

    kind = "escalation"

    def patterns(self, p: dict, prefix: str) -> list[dict]:
        n = p["within_days"]
        before = {f"{prefix}p": {"$and": [
            {"t": "ep"}, same_person(), {"sc": ref("e", "sc")},
            {"$lt": {"cluster": ref("e", "cluster")}}, {"$lt": {"start": ref("e", "start")}},
            {"$gte": {"stop": ref("e", "start")}},
        ]}}
        review = {f"{prefix}r": {"$and": [
            {"t": "rv"}, same_person(), {"$lt": {"date": ref("e", "start")}},
            {"$gte": {"date": minus("e", "start", n)}}, {"$gte": {"date": ref(f"{prefix}p", "start")}},
        ]}}
        return [before, review]

    def describe(self, p: dict) -> str:
        return (f"the cluster steps up (to a higher cluster in the same super class) within "
                f"{wording.days(p['within_days'])} of the person's previous review")


class RePresentation(WithinDays):
    """A new start with a provider within N days of the end of the person's previous period
    with that provider, with no period of that provider running in between."""

    kind = "re_presentation"

    def patterns(self, p: dict, prefix: str) -> list[dict]:
        n = p["within_days"]
        ended = {f"{prefix}p": {"$and": [
            {"t": "ep"}, same_person(), {"provider": ref("e", "provider")},
            {"$lt": {"stop": ref("e", "start")}}, {"$gte": {"stop": minus("e", "start", n)}},
        ]}}
        in_care = {f"{prefix}c$not": {"$and": [
            {"t": "ep"}, same_person(), {"provider": ref("e", "provider")},
            {"$lt": {"start": ref("e", "start")}}, {"$gte": {"stop": ref("e", "start")}},
        ]}}
        return [ended, in_care]

    def describe(self, p: dict) -> str:
        return (f"the period starts within {wording.days(p['within_days'])} of the end of the "
                "person's previous period with the same provider")


class RepeatCrisis:
    """More than K periods in the crisis clusters starting within D days: the subject is the
    one that takes the count past K."""

    keys = {"more_than": True, "within_days": True, "clusters": False}

    def parse(self, value, path, parser):
        data = _keys(value, path, parser, self.keys)
        if not data:
            return None
        more = _days(data.get("more_than"), path, parser, "more_than", 1, MAX_REPEAT)
        days = _days(data.get("within_days"), path, parser, "within_days")
        clusters = data.get("clusters", list(CRISIS))
        try:
            clusters = tuple(sorted({parse_cluster(c) for c in clusters}))
            if not clusters:
                raise ValueError
        except (ValueError, TypeError):
            parser.fail(path + ("clusters",), f"expected a list of cluster numbers, found {clusters!r}")
            return None
        if more and days:
            return HistoryCondition("repeat_crisis", {"more_than": more, "within_days": days, "clusters": clusters}, path)
        return None

    def patterns(self, p: dict, prefix: str) -> list[dict]:
        crisis = {"$or": [{"cluster": c} for c in p["clusters"]]} if len(p["clusters"]) > 1 else {"cluster": p["clusters"][0]}
        found, later = [], "e"
        for i in range(p["more_than"]):
            name = f"{prefix}c{i}"
            found.append({name: {"$and": [
                {"t": "ep"}, same_person(), crisis, {"$lt": {"seq": ref(later, "seq")}},
                {"$gte": {"start": minus("e", "start", p["within_days"])}},
            ]}})
            later = name
        return found

    def subject(self, p: dict) -> dict:
        return {"$or": [{"cluster": c} for c in p["clusters"]]} if len(p["clusters"]) > 1 else {"cluster": p["clusters"][0]}

    def describe(self, p: dict) -> str:
        clusters = " or ".join(str(c) for c in p["clusters"])
        return (f"this is one of more than {p['more_than']} periods in cluster {clusters} starting "
                f"within {wording.days(p['within_days'])}")


HISTORY: dict[str, Any] = {
    "escalation": Escalation(), "re_presentation": RePresentation(), "repeat_crisis": RepeatCrisis(),
}
