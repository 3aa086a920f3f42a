"""Indicators: named calculations over a period's episodes and assessments that count a
numerator and a denominator. Outcomes, CQUIN (and later alliance KPIs) score *measures*, each
of which names an indicator, its parameters and its scope.

Indicators are declared through the ``localpay_indicators`` hook; the built-in ones
(``localpay.measures.builtin``) register through it like a plugin's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel

from ..errors import PluginError

RETURNS_COLUMNS = {"measure": pl.String, "period": pl.String, "provider": pl.String,
                   "numerator": pl.Int64, "denominator": pl.Int64}


@dataclass(frozen=True)
class MeasureData:
    """What an indicator counts from, already cut to the measure.

    ``episodes``: the episodes that meet the measure's scope (of the arrangement's provider
    and commissioner, unless the scope tests those fields itself) and have at least one day
    from ``start`` to ``as_of`` (columns as
    ``PricingContext.episodes``: ``episode_id, patient_id, provider, commissioner, cluster,
    setting, service, start_date, end_date, stop`` (exclusive end, null while open), ``until``
    and any declared input column). The people in scope are ``episodes["patient_id"].unique()``.
    ``assessments``: the usable assessments of those people, by the providers of their
    episodes in scope, dated from ``start`` to
    ``as_of`` inclusive (``patient_id, provider, assessment_date, tool, cluster, total``;
    ``tool`` is one of MHCT, HoNOS, WEMWBS, SWEMWBS), plus the people's MHCT reviews before
    ``start`` (the latest review may be older than the year).
    ``returns``: the provider's rows of the returns file (``RETURNS_COLUMNS``), or empty.
    ``measure``: the measure's id. ``start``, ``as_of``: the first and last days measured.
    """

    episodes: pl.DataFrame
    assessments: pl.DataFrame
    returns: pl.DataFrame
    measure: str
    provider: str
    start: dt.date
    as_of: dt.date


@dataclass(frozen=True)
class Count:
    """An indicator's answer. ``in_scope``: the people it could have counted (completeness is
    ``denominator / in_scope``). ``note``: anything the reader should know ("no return for
    2025-06")."""

    numerator: int
    denominator: int
    in_scope: int
    note: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.numerator <= self.denominator:
            raise ValueError(f"an indicator counted {self.numerator} of {self.denominator}")


class NoParameters(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}


@dataclass(frozen=True)
class Indicator:
    """``parameters``: a pydantic model for the measure's ``parameters:`` block (strict).
    ``compute(data: MeasureData, parameters) -> Count``. ``describe(parameters) -> str``: the
    numerator and denominator in plain English for the schedule, e.g. "people whose latest
    HoNOS total is lower than their first, of the people with two HoNOS totals at least 14
    days apart"."""

    name: str
    summary: str
    compute: Callable[[MeasureData, Any], Count]
    describe: Callable[[Any], str]
    parameters: type[BaseModel] = NoParameters
    plugin: str = field(default="", compare=False)


def compose_indicators(declared) -> dict[str, Indicator]:
    indicators: dict[str, Indicator] = {}
    for batch in declared:
        for item in batch or ():
            if not isinstance(item, Indicator):
                raise PluginError(f"localpay_indicators returned {item!r}, not an Indicator")
            if item.name in indicators:
                raise PluginError(f"two plugins declare the indicator {item.name!r}: "
                                  f"{indicators[item.name].plugin} and {item.plugin or item.compute.__module__}")
            indicators[item.name] = item if item.plugin else _owned(item)
    return dict(sorted(indicators.items()))


def _owned(item: Indicator) -> Indicator:
    from dataclasses import replace

    return replace(item, plugin=item.compute.__module__)
