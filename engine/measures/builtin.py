"""The built-in indicators, registered through the ``localpay_indicators`` hook like a plugin's.

Every indicator counts *people* (distinct ``patient_id``), never rows, and works on whole
frames: nothing here loops over people in Python.

Where a person has two scores of one tool on the same day and one of them must be "first" or
"latest", the tie is broken *against* improvement (the first is the better score of that day,
the latest the worse), so a duplicate entry can never manufacture an improvement.
"""

from __future__ import annotations

import math
from decimal import Decimal

import polars as pl
from pydantic import Field

from ..hookspecs import hookimpl
from ..reviews import due_expr
from ..ruleset.types import StrictModel
from .indicators import Count, Indicator, MeasureData, NoParameters
from .reported import REPORTED, RETURNS
from .swemwbs import metric_hundredths_expr

MHCT = "MHCT"
HONOS = "HoNOS"
WEMWBS = "WEMWBS"
SWEMWBS = "SWEMWBS"


# --- parameter models ---------------------------------------------------------------------


class PairedParameters(StrictModel):
    """``min_days_apart``: the fewest days between a person's first and latest HoNOS."""

    min_days_apart: int = Field(14, ge=0)


class WellbeingParameters(StrictModel):
    """``points``: the least rise from first to latest score that counts as an improvement;
    ``min_days_apart``: the fewest days between them (0: any two different dates)."""

    points: Decimal = Field(Decimal(3), ge=0, allow_inf_nan=False)
    min_days_apart: int = Field(0, ge=0)


# --- shared pieces ------------------------------------------------------------------------


def people_in_scope(data: MeasureData) -> int:
    return data.episodes["patient_id"].n_unique()


def _of_people_in_scope(frame: pl.DataFrame, data: MeasureData) -> pl.DataFrame:
    # assessments are already cut to these people; the join keeps every count within in_scope
    # even if a caller hands over a wider frame
    return frame.join(data.episodes.select("patient_id").unique(), on="patient_id", how="semi")


def _in_period(data: MeasureData, tools: tuple[str, ...]) -> pl.DataFrame:
    """The usable scores of ``tools`` dated from ``start`` to ``as_of``: the MHCT reviews
    before ``start`` that ``MeasureData`` also carries must not reach an outcome."""
    frame = data.assessments.filter(
        pl.col("tool").is_in(tools)
        & pl.col("total").is_not_null()
        & pl.col("assessment_date").is_between(data.start, data.as_of, closed="both")
    )
    return _of_people_in_scope(frame, data)


def _ends(scores: pl.DataFrame, keys: list[str], lower_is_better: bool) -> pl.DataFrame:
    """Per group of ``keys``: how many scores (``n``), and the first and latest by date
    (``first_date``, ``first_score``, ``latest_date``, ``latest_score``). Same-day ties are
    broken against improvement (see the module docstring)."""
    tie = pl.col("score") if lower_is_better else -pl.col("score")
    order = [pl.col("assessment_date"), tie]
    return scores.group_by(keys).agg(
        n=pl.len(),
        first_date=pl.col("assessment_date").min(),
        latest_date=pl.col("assessment_date").max(),
        first_score=pl.col("score").sort_by(order).first(),
        latest_score=pl.col("score").sort_by(order).last(),
    )


def _days_apart() -> pl.Expr:
    return (pl.col("latest_date") - pl.col("first_date")).dt.total_days()


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


# --- reviewed_in_period -------------------------------------------------------------------


def current_episodes(data: MeasureData) -> pl.DataFrame:
    """Each person's episode open on ``as_of`` (``stop`` is exclusive): where several are open,
    the latest started (then the highest episode_id). Columns: patient_id, cluster."""
    on = data.as_of
    open_ = data.episodes.filter(
        (pl.col("start_date") <= on) & (pl.col("stop").is_null() | (pl.col("stop") > on))
    )
    latest = open_.sort("patient_id", "start_date", "episode_id")
    return latest.unique("patient_id", keep="last", maintain_order=True).select("patient_id", "cluster")


def latest_reviews(data: MeasureData) -> pl.DataFrame:
    """Each person's latest MHCT review on or before ``as_of``, however long before ``start``
    (a review from last year still sets this year's clock). Columns: patient_id, latest_review."""
    reviews = data.assessments.filter((pl.col("tool") == MHCT) & (pl.col("assessment_date") <= data.as_of))
    return reviews.group_by("patient_id").agg(latest_review=pl.col("assessment_date").max())


def compute_reviewed(data: MeasureData, parameters: NoParameters) -> Count:
    current = current_episodes(data).join(latest_reviews(data), on="patient_id", how="left")
    # NHS Digital: within when latest review + the cluster's period falls *after* the day;
    # a person never reviewed has a null due date and so is not within
    due = due_expr(pl.col("latest_review"), pl.col("cluster"))
    within = current.filter(due > data.as_of)
    return Count(within.height, current.height, people_in_scope(data))


def describe_reviewed(parameters: NoParameters) -> str:
    return ("people whose latest clustering review (MHCT) plus the maximum review period of their "
            "cluster falls after the last day measured, of the people in scope with an episode "
            "open on that day")


REVIEWED_IN_PERIOD = Indicator(
    name="reviewed_in_period",
    summary="Share of people with an open episode who are within their cluster's review period",
    compute=compute_reviewed,
    describe=describe_reviewed,
    parameters=NoParameters,
)


# --- paired_honos and honos_improved ------------------------------------------------------


def honos_pairs(data: MeasureData, min_days_apart: int) -> pl.DataFrame:
    """People with at least two HoNOS totals in the period whose first and latest are at least
    ``min_days_apart`` days apart. Columns as ``_ends``. Same-day ties: the first is the
    lowest total of its day, the latest the highest (against improvement: lower is better)."""
    honos = _in_period(data, (HONOS,)).select("patient_id", "assessment_date", score="total")
    ends = _ends(honos, ["patient_id"], lower_is_better=True)
    return ends.filter((pl.col("n") >= 2) & (_days_apart() >= min_days_apart))


def compute_paired(data: MeasureData, parameters: PairedParameters) -> Count:
    in_scope = people_in_scope(data)
    return Count(honos_pairs(data, parameters.min_days_apart).height, in_scope, in_scope)


def _paired_words(parameters: PairedParameters) -> str:
    if parameters.min_days_apart == 0:
        return "people with two HoNOS totals in the period measured"
    return f"people with two HoNOS totals at least {_days(parameters.min_days_apart)} apart in the period measured"


def describe_paired(parameters: PairedParameters) -> str:
    return f"{_paired_words(parameters)}, of the people in scope"


def compute_honos_improved(data: MeasureData, parameters: PairedParameters) -> Count:
    pairs = honos_pairs(data, parameters.min_days_apart)
    improved = pairs.filter(pl.col("latest_score") < pl.col("first_score"))
    return Count(improved.height, pairs.height, people_in_scope(data))


def describe_honos_improved(parameters: PairedParameters) -> str:
    return f"people whose latest HoNOS total is lower than their first, of the {_paired_words(parameters)}"


PAIRED_HONOS = Indicator(
    name="paired_honos",
    summary="Share of people in scope with a paired HoNOS (first and latest totals far enough apart)",
    compute=compute_paired,
    describe=describe_paired,
    parameters=PairedParameters,
)

HONOS_IMPROVED = Indicator(
    name="honos_improved",
    summary="Share of people with a paired HoNOS whose latest total is lower (better) than their first",
    compute=compute_honos_improved,
    describe=describe_honos_improved,
    parameters=PairedParameters,
)


# --- wemwbs_improved ----------------------------------------------------------------------


def wellbeing_pairs(data: MeasureData, min_days_apart: int) -> pl.DataFrame:
    """Each person's first and latest well-being score of one tool, on different dates at
    least ``min_days_apart`` days apart. Scores are hundredths: WEMWBS totals times 100,
    SWEMWBS raw totals through the metric table. A person with a pair on both tools is
    measured on WEMWBS; one with a pair on only one tool, on that tool. Same-day ties: the
    first is the highest score of its day, the latest the lowest (against improvement)."""
    scores = _in_period(data, (WEMWBS, SWEMWBS)).select(
        "patient_id", "tool", "assessment_date",
        score=pl.when(pl.col("tool") == WEMWBS).then(pl.col("total") * 100)
        .otherwise(metric_hundredths_expr("total")),
    ).filter(pl.col("score").is_not_null())
    ends = _ends(scores, ["patient_id", "tool"], lower_is_better=False)
    pairs = ends.filter((pl.col("latest_date") > pl.col("first_date")) & (_days_apart() >= min_days_apart))
    preferred = pairs.sort("patient_id", pl.col("tool") == WEMWBS)
    return preferred.unique("patient_id", keep="last", maintain_order=True)


def points_hundredths(points: Decimal) -> int:
    """The least whole number of hundredths that reaches ``points``: scores are whole
    hundredths, so a rise of at least 1.395 is a rise of at least 1.40."""
    return math.ceil(points * 100)


def compute_wellbeing(data: MeasureData, parameters: WellbeingParameters) -> Count:
    pairs = wellbeing_pairs(data, parameters.min_days_apart)
    rise = pl.col("latest_score") - pl.col("first_score")
    improved = pairs.filter(rise >= points_hundredths(parameters.points))
    return Count(improved.height, pairs.height, people_in_scope(data))


def describe_wellbeing(parameters: WellbeingParameters) -> str:
    points = f"{parameters.points.normalize():f}"
    unit = "point" if parameters.points == 1 else "points"
    apart = ("on different dates" if parameters.min_days_apart == 0
             else f"at least {_days(parameters.min_days_apart)} apart")
    return (f"people whose latest well-being score (WEMWBS, or SWEMWBS converted to its metric "
            f"score) is at least {points} {unit} above their first, of the people with two "
            f"scores on the same scale {apart} in the period measured")


WEMWBS_IMPROVED = Indicator(
    name="wemwbs_improved",
    summary="Share of people with two well-being scores (WEMWBS or SWEMWBS) whose score rose enough",
    compute=compute_wellbeing,
    describe=describe_wellbeing,
    parameters=WellbeingParameters,
)


BUILTIN_INDICATORS = (REVIEWED_IN_PERIOD, PAIRED_HONOS, HONOS_IMPROVED, WEMWBS_IMPROVED, REPORTED)


@hookimpl
def localpay_indicators():
    return list(BUILTIN_INDICATORS)


@hookimpl
def localpay_input_tables():
    return [RETURNS]
