"""The ``reported`` indicator and the returns file it reads: figures a provider supplies for
measures no data set holds, declared as the ``returns`` input table (read and checked in
``returns``, synthesised in ``returns_synth``)."""

from __future__ import annotations

import polars as pl
from pydantic import Field

from ..inputs.tables import InputTable
from ..ruleset.types import StrictModel
from .indicators import Count, Indicator, MeasureData
from .returns import REQUIRED as RETURNS_REQUIRED, check_returns, read_returns
from .returns_synth import synthesise_returns


class ReportedParameters(StrictModel):
    """``name``: the measure's name in the returns file, if not the measure's own id."""

    name: str | None = Field(None, min_length=1)


def matching_returns(data: MeasureData, name: str, month: str) -> pl.DataFrame:
    """The returns rows for ``name`` in ``month`` from this provider (or naming none)."""
    returns = data.returns
    if returns.is_empty():
        return returns
    return returns.filter(
        (pl.col("measure") == name) & (pl.col("period") == month)
        & (pl.col("provider").is_null() | (pl.col("provider") == data.provider))
    )


def compute_reported(data: MeasureData, parameters: ReportedParameters) -> Count:
    name = parameters.name or data.measure
    month = data.as_of.strftime("%Y-%m")
    rows = matching_returns(data, name, month)
    if rows.is_empty():
        return Count(0, 0, 0, note=f"no return for {name} in {month}")
    # a second return for one measure and month is reported and dropped upstream (the first is
    # used); should two reach here, the last is taken
    row = rows.row(rows.height - 1, named=True)
    numerator, denominator = max(row["numerator"] or 0, 0), max(row["denominator"] or 0, 0)
    if numerator > denominator:
        # checked upstream; a Count cannot hold it, so cap it rather than stop the run
        note = f"the return for {name} in {month} counts {numerator} of {denominator}; {denominator} used"
        return Count(denominator, denominator, denominator, note=note)
    return Count(numerator, denominator, denominator)


def describe_reported(parameters: ReportedParameters) -> str:
    which = f"'{parameters.name}'" if parameters.name else "this measure"
    return (f"the numerator the provider reports for {which} in its return for the month of the "
            f"last day measured, of the denominator it reports")


REPORTED = Indicator(
    name="reported",
    summary="The numerator and denominator the provider reports in its returns file for the month",
    compute=compute_reported,
    describe=describe_reported,
    parameters=ReportedParameters,
    plugin="localpay.measures.builtin",  # declared by the built-in indicators' plugin with the others
)


RETURNS = InputTable(
    "returns", "Returns file (measure, period, numerator, denominator) for reported measures.", RETURNS_REQUIRED,
    read_returns, check_returns, parties="providers", order=10, synthesise=synthesise_returns, synthesis_order=20,
    optional=("provider",))
