"""Measuring: each measure's indicator run over the episodes and assessments in its scope, as at
a date, then scored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from ..errors import PluginError
from .indicators import RETURNS_COLUMNS, Count, MeasureData
from .model import Measure
from .score import Score, score

ASSESSMENT_COLUMNS = {"patient_id": pl.String, "provider": pl.String, "assessment_date": pl.Date,
                      "tool": pl.String, "cluster": pl.Int8, "total": pl.Int64}


@dataclass(frozen=True)
class MeasureInputs:
    """Everything measures count from in a run: the checked episodes (after local rules), the
    usable assessments (or None), and the checked rows of the returns file."""

    episodes: pl.DataFrame
    assessments: pl.DataFrame | None
    returns: pl.DataFrame

    @classmethod
    def empty_returns(cls) -> pl.DataFrame:
        return pl.DataFrame(schema=RETURNS_COLUMNS)


def measure_data(measure: Measure, inputs: MeasureInputs, provider: str, commissioner: str | None,
                 start: dt.date, as_of: dt.date) -> MeasureData:
    """The measure's cut of the data. It counts the arrangement's provider and commissioner,
    unless its scope tests ``provider`` or ``commissioner`` itself: then the scope decides (a
    KPI shared by several providers). Assessments count for the people in scope with the
    providers whose episodes are in scope."""
    scope = measure.scope
    episodes = inputs.episodes.filter(
        (pl.col("start_date") <= as_of) & (pl.col("stop").is_null() | (pl.col("stop") > start)))
    if scope is None or not scope.tests_field("provider"):
        episodes = episodes.filter(pl.col("provider") == provider)
    if commissioner is not None and (scope is None or not scope.tests_field("commissioner")):
        episodes = episodes.filter(pl.col("commissioner") == commissioner)
    if scope is not None:
        episodes = episodes.filter(scope.expr())
    seen = episodes.select("patient_id", "provider").unique()
    assessments = (inputs.assessments if inputs.assessments is not None else pl.DataFrame(schema=ASSESSMENT_COLUMNS))
    assessments = assessments.select(list(ASSESSMENT_COLUMNS)).filter(
        (pl.col("assessment_date") <= as_of)
        & ((pl.col("assessment_date") >= start) | (pl.col("tool") == "MHCT"))  # the latest review may be older
    ).join(seen, on=["patient_id", "provider"], how="semi")
    returns = inputs.returns.filter(pl.col("provider").is_null() | (pl.col("provider") == provider))
    return MeasureData(episodes, assessments, returns, measure.id, provider, start, as_of)


def measure(measure: Measure, inputs: MeasureInputs, provider: str, commissioner: str | None,
            start: dt.date, as_of: dt.date) -> Score:
    indicator = measure.indicator_impl
    data = measure_data(measure, inputs, provider, commissioner, start, as_of)
    try:
        found = indicator.compute(data, measure.indicator_parameters)
    except Exception as error:  # a plugin's bug must name the plugin, not look like the user's mistake
        raise PluginError(f"indicator {indicator.name!r} ({indicator.plugin}) failed on measure {measure.id!r}: "
                          f"{type(error).__name__}: {error}") from error
    if not isinstance(found, Count):
        raise PluginError(f"indicator {indicator.name!r} ({indicator.plugin}) returned {found!r}, not a Count")
    return score(measure, found)
