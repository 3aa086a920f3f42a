"""Synthetic population for ``localpay demo``: for each commissioner paying capitation, forty
people for each synthetic person, drifting a little from month to month, for every month from
the start of the contract to the extract."""

from __future__ import annotations

import numpy as np
import polars as pl

from localpay.plugin import Month, Ruleset, SynthSpec, months_between

COLUMNS = {"commissioner": pl.String, "period": pl.String, "population": pl.Int64}


def synthesise_population(ruleset: Ruleset, spec: SynthSpec, episodes: pl.DataFrame, assessments: pl.DataFrame,
                          rng: np.random.Generator) -> pl.DataFrame | None:
    payers = list(dict.fromkeys(a.commissioner for a in ruleset.arrangements if a.option == "capitation"))
    if not payers:
        return None
    months = [m.label for m in months_between(Month.of(spec.year_start), Month.of(spec.extract))]
    rows = []
    for payer in payers:
        base = spec.people * 40
        drift = np.cumsum(rng.integers(-base // 400, base // 200 + 1, size=len(months)))
        rows += [(payer, month, int(base + d)) for month, d in zip(months, drift)]
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")
