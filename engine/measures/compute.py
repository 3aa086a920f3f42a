"""Measuring: each measure's indicator run over the episodes and assessments in its scope, as at
a date, then scored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from ..errors import PluginError
from .indicators import RETURNS_COLUMNS, Count, MeasureData
from .model import Measure
from .score import Score, score

ASSESSMENT_COLUMNS = {"patient_id": pl.String, "provider": pl.String, "assessment_date": pl.Date,
                      "tool": pl.String, "cluster": pl.Int8, "total": pl.Int64}


KEPT_CUTS = 2


@dataclass(frozen=True)
class MeasureInputs:
    """Everything measures count from in a run: the checked episodes (after local rules), the
    usable assessments (or None), and the checked rows of the returns file."""

    episodes: pl.DataFrame
    assessments: pl.DataFrame | None
    returns: pl.DataFrame
    # the latest cuts of episodes and assessments, by what decides them: the measures of one
    # settlement share a cut (the assessments are most of a run's rows); only the last few are
    # kept, since each may hold most of the assessments
    cuts: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def empty_returns(cls) -> pl.DataFrame:
        return pl.DataFrame(schema=RETURNS_COLUMNS)


def measure_data(measure: Measure, inputs: MeasureInputs, provider: str | tuple[str, ...], commissioner: str | None,
                 start: dt.date, as_of: dt.date) -> MeasureData:
    """The measure's cut of the data. For one provider (a code) it counts that provider and the
    commissioner, unless its scope tests ``provider`` or ``commissioner`` itself: then the scope
    decides (a KPI shared by several providers). For several providers (a tuple: an alliance's
    members) it counts those providers and the commissioner, and the scope can only narrow that;
    the data's ``provider`` is then the codes joined by commas, and its returns are the group's
    (``joint_returns``). Assessments count for the people in scope with the providers whose episodes are in scope."""
    scope = measure.scope
    several = not isinstance(provider, str)
    key = (provider, commissioner, scope, start, as_of)
    if key not in inputs.cuts:
        while len(inputs.cuts) >= KEPT_CUTS:
            inputs.cuts.pop(next(iter(inputs.cuts)))
        inputs.cuts[key] = _cut(scope, inputs, provider, commissioner, start, as_of)
    episodes, assessments = inputs.cuts[key]
    if several:
        return MeasureData(episodes, assessments, joint_returns(inputs.returns, tuple(provider)), measure.id,
                           ",".join(provider), start, as_of)
    returns = inputs.returns.filter(pl.col("provider").is_null() | (pl.col("provider") == provider))
    assert isinstance(provider, str)  # several is false: one provider
    return MeasureData(episodes, assessments, returns, measure.id, provider, start, as_of)


def _cut(scope, inputs: MeasureInputs, provider: str | tuple[str, ...], commissioner: str | None, start: dt.date,
         as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The episodes and assessments a measure of this scope counts (``measure_data``)."""
    several = not isinstance(provider, str)
    episodes = inputs.episodes.filter(
        (pl.col("start_date") <= as_of) & (pl.col("stop").is_null() | (pl.col("stop") > start)))
    if several:
        episodes = episodes.filter(pl.col("provider").is_in(list(provider)))
    elif scope is None or not scope.tests_field("provider"):
        episodes = episodes.filter(pl.col("provider") == provider)
    if commissioner is not None and (several or scope is None or not scope.tests_field("commissioner")):
        episodes = episodes.filter(pl.col("commissioner") == commissioner)
    if scope is not None:
        episodes = episodes.filter(scope.expr())
    every = (inputs.assessments if inputs.assessments is not None else pl.DataFrame(schema=ASSESSMENT_COLUMNS))
    # one lazy query: the filter and the join read only the columns they test
    assessments = every.lazy().select(list(ASSESSMENT_COLUMNS)).filter(
        (pl.col("assessment_date") <= as_of)
        & ((pl.col("assessment_date") >= start) | (pl.col("tool") == "MHCT"))  # the latest review may be older
    ).join(episodes.lazy().select("patient_id", "provider").unique(), on=["patient_id", "provider"], how="semi")
    return episodes, assessments.collect()


def joint_returns(returns: pl.DataFrame, providers: tuple[str, ...]) -> pl.DataFrame:
    """The returns of several providers as one: a row naming no provider is the group's own
    figure; for a measure and month without one, the providers' rows are added up. Either way
    the row names no provider, so an indicator reading "this provider's or no provider's row"
    finds exactly one per measure and month."""
    key = ["measure", "period"]
    joint = returns.filter(pl.col("provider").is_null())
    members = returns.filter(pl.col("provider").is_in(list(providers))).join(joint.select(key), on=key, how="anti")
    summed = members.group_by(key, maintain_order=True).agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    summed = summed.with_columns(provider=pl.lit(None, pl.String)).select(list(RETURNS_COLUMNS))
    # polars types cast()'s keys as a union (names, selectors, types), which a dict keyed by
    # str cannot match: a mapping's key type is invariant
    return pl.concat([joint.select(list(RETURNS_COLUMNS)), summed.cast(RETURNS_COLUMNS)])  # type: ignore[arg-type]


def measure(measure: Measure, inputs: MeasureInputs, provider: str | tuple[str, ...], commissioner: str | None,
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
