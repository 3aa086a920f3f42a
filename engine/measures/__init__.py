"""Measures: indicators counted over a period's episodes, assessments and returns, scored
against floors and targets. Shared by the outcomes and CQUIN options (and any plugin's)."""

from .compute import MeasureInputs, measure
from .indicators import Count, Indicator, MeasureData, NoParameters
from .model import Band, Measure, Measures
from .score import Score, score

__all__ = ["Band", "Count", "Indicator", "MeasureData", "MeasureInputs", "Measure", "Measures", "NoParameters",
           "Score", "measure", "score"]
