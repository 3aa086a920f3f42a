"""The built-in history kinds, declared through ``localpay_history_kinds`` as a plugin's would be.

- ``escalation: {within_days: N}``: a step up to a higher cluster in the same super class than
  the period the person was in when this one began, within N days after their previous review;
- ``re_presentation: {within_days: N}``: a new start with a provider within N days of the end of
  the person's previous period with that provider, with none of its periods running in between;
- ``repeat_crisis: {more_than: K, within_days: D, clusters: [14, 15]}``: the period that takes
  the person past K periods in the crisis clusters starting within D days.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..clusters import CLUSTERS, parse_cluster
from ..hookspecs import hookimpl
from . import wording
from .columnar import latest, marked, running
from .history import (History, HistoryCondition, HistoryJoin, HistoryKind, ParseProblems, keys_of, minus, ref,
                      same_person, whole_days)

CRISIS = (14, 15)
MAX_REPEAT = 10
# the clusters that are a step up from a lower cluster of the same super class
STEP_UPS = tuple(c for c, info in CLUSTERS.items()
                 if any(o < c and other.super_class == info.super_class for o, other in CLUSTERS.items()))


class WithinDays(HistoryKind):
    """A history kind with one parameter, ``within_days``; its subclasses say how it is
    evaluated, described and what clusters it needs."""

    name = ""
    summary = ""

    def parse(self, value: Any, path: tuple, problems: ParseProblems) -> HistoryCondition | None:
        data = keys_of(value, path, problems, {"within_days": True})
        days = whole_days(data.get("within_days"), path, problems, "within_days") if data else None
        return HistoryCondition(self, {"within_days": days}, path) if days else None


class Escalation(WithinDays):
    name = "escalation"
    summary = "the cluster steps up within N days of the person's previous review"

    def evaluate(self, params: dict, prefix: str) -> HistoryJoin:
        n = params["within_days"]
        before = {f"{prefix}p": {"$and": [
            {"t": "ep"}, same_person(), {"sc": ref("e", "sc")},
            {"$lt": {"cluster": ref("e", "cluster")}}, {"$lt": {"start": ref("e", "start")}},
            {"$gte": {"stop": ref("e", "start")}},
        ]}}
        review = {f"{prefix}r": {"$and": [
            {"t": "rv"}, same_person(), {"$lt": {"date": ref("e", "start")}},
            {"$gte": {"date": minus("e", "start", n)}}, {"$gte": {"date": ref(f"{prefix}p", "start")}},
        ]}}
        return HistoryJoin(patterns=(before, review))

    def columnar(self, params: dict, history: History) -> pl.Series:
        # A period p the person was in when e began (same super class, lower cluster, p.start <
        # e.start <= p.stop) and a review r with max(p.start, e.start - N) <= r < e.start. The
        # latest review before e.start is such an r if any is; and a p exists for it when, of
        # the periods in a lower cluster starting on or before that review, the latest stop
        # reaches e.start. Each period stands once for each higher cluster of its super class
        # that an episode steps up to (at most seven), so one running maximum and one as-of join
        # answer every step up at once.
        # the latest review does not depend on N: found once for every escalation condition
        subjects = history.shared(("escalation",), lambda: _reviewed_step_ups(history)).filter(
            pl.col("review") >= pl.col("start") - params["within_days"])
        if subjects.is_empty():
            return history.none
        ep = history.episodes
        targets = subjects.select("sc", up_to="cluster").unique()
        lower = ep.lazy().select("person", "sc", "cluster", "start", "stop").join(
            subjects.lazy().select("person").unique(), on="person", how="semi").join(targets.lazy(), on="sc").filter(
            pl.col("cluster") < pl.col("up_to")).select(
            "start", "stop", step=pl.col("person") * 32 + pl.col("up_to")).collect()
        reach = latest(subjects, running(lower, "step", "start", pl.col("stop").max(), "max"), by="step",
                       left_on="review", right_on="start", value="value", strict=False)
        return marked(history, subjects.filter(reach >= subjects["start"])["row"])

    def describe(self, params: dict) -> str:
        return (f"the cluster steps up (to a higher cluster in the same super class) within "
                f"{wording.days(params['within_days'])} of the person's previous review")

    def clusters(self, params: dict) -> tuple[int, ...] | None:
        return STEP_UPS


class RePresentation(WithinDays):
    name = "re_presentation"
    summary = "the period starts within N days of the end of the person's previous one with the provider"

    def evaluate(self, params: dict, prefix: str) -> HistoryJoin:
        n = params["within_days"]
        ended = {f"{prefix}p": {"$and": [
            {"t": "ep"}, same_person(), {"provider": ref("e", "provider")},
            {"$lt": {"stop": ref("e", "start")}}, {"$gte": {"stop": minus("e", "start", n)}},
        ]}}
        in_care = {f"{prefix}c$not": {"$and": [
            {"t": "ep"}, same_person(), {"provider": ref("e", "provider")},
            {"$lt": {"start": ref("e", "start")}}, {"$gte": {"stop": ref("e", "start")}},
        ]}}
        return HistoryJoin(patterns=(ended, in_care))

    def columnar(self, params: dict, history: History) -> pl.Series:
        # the latest stop before e.start of the provider's periods (e's own among them, as in
        # durable-rules), and the latest stop of those starting before e.start: still in care
        # when it reaches e.start
        ended, in_care = history.shared(("re_presentation",), lambda: _previous_stops(history))
        recent = (ended >= history.episodes["start"] - params["within_days"]).fill_null(False)
        return (recent & ~in_care).alias("match")

    def describe(self, params: dict) -> str:
        return (f"the period starts within {wording.days(params['within_days'])} of the end of the "
                "person's previous period with the same provider")

    def clusters(self, params: dict) -> tuple[int, ...] | None:
        return None


class RepeatCrisis:
    """The subject is the period that takes the count past K."""

    name = "repeat_crisis"
    summary = "more than K periods in the crisis clusters starting within D days"
    keys = {"more_than": True, "within_days": True, "clusters": False}

    def parse(self, value: Any, path: tuple, problems: ParseProblems) -> HistoryCondition | None:
        data = keys_of(value, path, problems, self.keys)
        if not data:
            return None
        more = whole_days(data.get("more_than"), path, problems, "more_than", 1, MAX_REPEAT)
        days = whole_days(data.get("within_days"), path, problems, "within_days")
        clusters = data.get("clusters", list(CRISIS))
        try:
            clusters = tuple(sorted({parse_cluster(c) for c in clusters}))
            if not clusters:
                raise ValueError
        except (ValueError, TypeError):
            problems.fail(path + ("clusters",), f"expected a list of cluster numbers, found {clusters!r}")
            return None
        if more and days:
            return HistoryCondition(self, {"more_than": more, "within_days": days, "clusters": clusters}, path)
        return None

    def evaluate(self, params: dict, prefix: str) -> HistoryJoin:
        # a chain of the K crisis periods just before e, each the one immediately before the
        # next (no crisis period between them): one chain per episode, so the joins grow with the
        # square of a person's crisis periods, not with the number of ways to choose K of them.
        # Starts follow seq, so when the K-th back starts within D days, all K do.
        crisis = _in_clusters(params["clusters"])
        found: list[dict] = []
        later = "e"
        for i in range(params["more_than"]):
            name = f"{prefix}c{i}"
            last = [{"$gte": {"start": minus("e", "start", params["within_days"])}}] if i == params["more_than"] - 1 else []
            found.append({name: {"$and": [{"t": "ep"}, same_person(), crisis, {"$lt": {"seq": ref(later, "seq")}}, *last]}})
            found.append({f"{prefix}b{i}$not": {"$and": [
                {"t": "ep"}, same_person(), crisis, {"$gt": {"seq": ref(name, "seq")}}, {"$lt": {"seq": ref(later, "seq")}},
            ]}})
            later = name
        return HistoryJoin(subject=(crisis,), patterns=tuple(found))

    def columnar(self, params: dict, history: History) -> pl.Series:
        # the person's crisis periods in order (start, then episode id): those before e less
        # those starting before e.start - D are the ones starting within D days before it
        crisis = history.episodes.filter(pl.col("cluster").is_in(params["clusters"])).with_columns(
            earlier=pl.int_range(pl.len(), dtype=pl.Int64).over("person"),
            since=pl.col("start") - params["within_days"])
        if crisis.is_empty():
            return history.none
        counts = running(crisis, "person", "start", pl.len().cast(pl.Int64), "sum")
        too_early = latest(crisis, counts, by="person", left_on="since", right_on="start", value="value",
                           strict=True).fill_null(0)
        return marked(history, crisis.filter(crisis["earlier"] - too_early >= params["more_than"])["row"])

    def describe(self, params: dict) -> str:
        clusters = " or ".join(str(c) for c in params["clusters"])
        return (f"this is one of more than {params['more_than']} periods in cluster {clusters} starting "
                f"within {wording.days(params['within_days'])}")

    def clusters(self, params: dict) -> tuple[int, ...] | None:
        return tuple(params["clusters"])


def _reviewed_step_ups(history: History) -> pl.DataFrame:
    """The episodes in a step-up cluster with a review before they start, with ``review`` (the
    latest) and ``step`` (the person and the cluster as one number)."""
    subjects = history.episodes.filter(pl.col("cluster").is_in(STEP_UPS))
    if subjects.is_empty():
        return subjects.with_columns(review=pl.col("start"), step=pl.col("person"))
    reviewed = latest(subjects, history.reviews, by="person", left_on="start", right_on="date", value="date",
                      strict=True)
    return subjects.with_columns(review=reviewed).filter(pl.col("review").is_not_null()).with_columns(
        step=pl.col("person") * 32 + pl.col("cluster"))


def _previous_stops(history: History) -> tuple[pl.Series, pl.Series]:
    """For each episode: the latest stop before its start of the person's periods with the
    provider (its own among them, as in durable-rules), and whether a period with the provider
    starting before it is still in care when it starts (the latest stop reaches its start)."""
    ep = history.episodes
    stops = ep.select("person_provider", "stop").unique()
    ended = latest(ep, stops, by="person_provider", left_on="start", right_on="stop", value="stop", strict=True)
    in_care = latest(ep, running(ep, "person_provider", "start", pl.col("stop").max(), "max"), by="person_provider",
                     left_on="start", right_on="start", value="value", strict=True)
    return ended, (in_care >= ep["start"]).fill_null(False)


def _in_clusters(clusters: tuple[int, ...]) -> dict:
    return {"$or": [{"cluster": c} for c in clusters]} if len(clusters) > 1 else {"cluster": clusters[0]}


KINDS: list[HistoryKind] = [Escalation(), RePresentation(), RepeatCrisis()]


@hookimpl
def localpay_history_kinds():
    return KINDS
