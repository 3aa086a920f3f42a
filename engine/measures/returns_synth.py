"""Synthetic returns: for each ``reported`` measure the ruleset's arrangements count, a row for
every month from the start of the contract to the extract, a rate around its floor and target,
over a denominator that grows with the people synthesised. The provider's own figures for an
outcomes or CQUIN measure; the alliance's (no provider) for a KPI counted across providers.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import polars as pl

from ..periods import Month, months_between
from ..ruleset import Ruleset
from ..synth.spec import SynthSpec

COLUMNS = {"measure": pl.String, "period": pl.String, "numerator": pl.Int64, "denominator": pl.Int64,
           "provider": pl.String}


def reported(ruleset: Ruleset) -> list[tuple[str, str | None, float, float]]:
    """(measure name, provider or None, low, high) for each reported measure, once each, as the
    options declare their measures."""
    found: dict[tuple[str, str | None], tuple[float, float]] = {}
    for arrangement in ruleset.arrangements:
        declared = ruleset.option_of(arrangement).measures
        for measure, provider in declared(arrangement) if declared else ():
            if measure.indicator != "reported":
                continue
            marks = [m for m in (measure.floor, measure.target) if m is not None] or [b.at for b in measure.bands or []]
            marks = marks or [Decimal("0.5")]
            name = measure.parameters.get("name") or measure.id
            found.setdefault((name, provider), (float(min(marks)), float(max(marks))))
    return [(name, provider, low, high) for (name, provider), (low, high) in found.items()]


def synthesise_returns(ruleset: Ruleset, spec: SynthSpec, episodes: pl.DataFrame, assessments: pl.DataFrame,
                       rng: np.random.Generator) -> pl.DataFrame | None:
    measures = reported(ruleset)
    if not measures:
        return None
    months = [m.label for m in months_between(Month.of(spec.year_start), Month.of(spec.extract))]
    rows = []
    for name, provider, low, high in measures:
        denominator = rng.integers(max(20, spec.people // 60), max(40, spec.people // 15), size=len(months))
        rate = np.clip(rng.uniform(low - 0.12, high + 0.08, size=len(months)), 0, 1)
        numerator = np.floor(denominator * rate).astype(np.int64)
        rows += [(name, month, int(a), int(b), provider or "") for month, a, b in zip(months, numerator, denominator)]
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")
