"""Each measure's indicator and parameters, checked against the installed indicators when the
ruleset loads: an unknown indicator or a wrong parameter is a load error with its line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pydantic import BaseModel, ValidationError

from ..ruleset.messages import translate
from .model import Measure


def measures_in(value, path: tuple) -> Iterator[tuple[tuple, Measure]]:
    """Every ``Measure`` inside a validated arrangement, with the path to it."""
    if isinstance(value, Measure):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from measures_in(getattr(value, name), path + (info.alias or name,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from measures_in(item, path + (index,))


def resolve_measures(arrangements, indicators: dict, problem) -> list:
    problems = []
    for index, arrangement in enumerate(arrangements):
        for path, measure in measures_in(arrangement, ("arrangements", index)):
            indicator = indicators.get(measure.indicator)
            if indicator is None:
                known = ", ".join(indicators) or "none"
                close = difflib.get_close_matches(measure.indicator, list(indicators), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(problem(path + ("indicator",), f"unknown indicator '{measure.indicator}'{hint} "
                                                               f"(installed: {known})"))
                continue
            try:
                parameters = indicator.parameters.model_validate(measure.parameters)
            except ValidationError as error:
                for e in error.errors():
                    problems.append(problem(path + ("parameters",) + tuple(e["loc"]),
                                            translate(e, indicator.parameters)))
                continue
            measure._indicator, measure._parameters = indicator, parameters
    return problems
