"""Synthetic input tables beside the episodes: each optional input table a plugin declares with a
``synthesise`` (``localpay_input_tables``) makes its rows for the ruleset, or none when nothing
in the ruleset reads it: the measures' returns file, the personal health budgets option's budgets
file, capitation's population file, a plugin's own.

Same seed, same files: one generator, seeded from the spec's seed apart from the episodes' own,
serves the tables in their synthesis order (budgets, returns, population, then a plugin's), so
adding a table never changes the episodes, nor the tables before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl

from ..csvout import write_input_csv
from ..inputs.tables import InputTable
from ..ruleset import Ruleset
from .spec import SynthSpec


def synthesise_tables(ruleset: Ruleset, spec: SynthSpec, episodes: pl.DataFrame, assessments: pl.DataFrame,
                      declared: Mapping[str, InputTable]) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng([spec.seed, 20250401])
    made = {}
    for name in sorted(declared, key=lambda name: (declared[name].synthesis_order, name)):
        synthesise = declared[name].synthesise
        frame = synthesise(ruleset, spec, episodes, assessments, rng) if synthesise is not None else None
        if frame is not None:
            made[name] = frame
    return made


def write_tables(tables: dict[str, pl.DataFrame], episodes_path: Path) -> dict[str, Path]:
    """Each table as ``<episodes stem>-<name>.csv`` beside the episodes."""
    paths = {}
    for name, frame in tables.items():
        path = Path(episodes_path).with_name(f"{Path(episodes_path).stem}-{name}.csv")
        write_input_csv(path, frame)
        paths[name] = path
    return paths
