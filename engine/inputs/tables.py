"""Optional input tables: files a run may be given beside the episodes and assessments.

A table is declared through the ``localpay_input_tables`` hook by whoever reads it (the measures
declare the returns file, the personal health budgets option the budgets file, capitation the
population file), and every part of localpay takes the list from there: the CLI's ``--<name>
FILE`` options, the pipeline (read, then checked row by row against the ruleset's parties), the
run's manifest, the ruleset tests (a case's ``<name>:`` rows) and synthetic data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import polars as pl

from ..errors import InputError, PluginError
from ..ruleset import Ruleset
from ..synth.spec import SynthSpec

# the two files every run is given by their own options, and the other parameters of the commands
# that take the tables (run, explain, diff): a table of one of these names would take its place
RESERVED = ("episodes", "assessments", "ruleset", "old", "new", "period", "from", "from_period", "out", "templates",
            "rules_engine", "evaluator", "episode", "episode_id", "tables", "help")


class SynthesiseTable(Protocol):
    """How a table's synthetic rows are made for a ruleset, beside synthetic episodes."""

    def __call__(self, ruleset: Ruleset, spec: SynthSpec, episodes: pl.DataFrame, assessments: pl.DataFrame,
                 rng: np.random.Generator, /) -> pl.DataFrame | None:
        """Synthetic rows for the table, written as the file would be.

        :param ruleset: the ruleset the data is for (its parties, period and arrangements).
        :param spec: the synthesis settings (people, seed, extract date, the year's start).
        :param episodes: the synthetic episodes, as written (text columns).
        :param assessments: the synthetic assessments, as written (text columns).
        :param rng: the generator for every table of the run, seeded from the spec's seed.
        :return: the rows, or None when the ruleset has nothing that reads the table.
        """


@dataclass(frozen=True)
class InputTable:
    """An optional input file, as a plugin declares it.

    ``name``: the table's name: the CLI option ``--<name>`` (underscores as hyphens), the key of
    ``Inputs.tables``, the key of a ruleset test case's rows and the ``<name>`` of the synthetic
    ``<episodes>-<name>.csv``. ``help``: the CLI option's help. ``columns``: the columns a file
    must have (a ruleset test case's file is written with them first, so a key left out is a
    blank cell). ``read(path)``: the file as text columns with a 1-based ``row`` (raise
    ``InputError`` for a file that cannot be read; ``read_input`` does, and reads the file in the
    run's encoding with any line endings, its malformed records reported as bad rows of the table
    and left out, their row numbers skipped). ``check(frame, parties)``: ``(usable rows,
    exception rows)``, each bad row in the exceptions with source ``name``. ``parties``: which of
    the ruleset's parties ``check`` is given. ``order``: where the table is listed among the
    inputs (help, manifest, summary), ties by name. ``synthesise``: its synthetic rows, if it has
    any (``SynthesiseTable``); ``synthesis_order``: when it draws them from the generator the
    tables share, ties by name (so that adding a table leaves the others' rows as they were, give
    a new one a later place). ``optional``: the columns a file may have beside ``columns`` (a
    ruleset's column mapping may map them too).
    """

    name: str
    help: str
    columns: tuple[str, ...]
    read: Callable[[Path], pl.DataFrame]
    check: Callable[[pl.DataFrame, list[str]], tuple[pl.DataFrame, pl.DataFrame]]
    parties: Literal["providers", "commissioners"]
    order: int = 100
    synthesise: SynthesiseTable | None = None
    synthesis_order: int = 100
    optional: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        """The CLI option naming the table's file."""
        return "--" + self.name.replace("_", "-")


def compose_tables(declared: Iterable[list[InputTable] | None]) -> dict[str, InputTable]:
    """Every plugin's tables by name, in their stated order; two tables with one name are refused."""
    tables: dict[str, InputTable] = {}
    for batch in declared:
        for table in batch or ():
            if not isinstance(table, InputTable):
                raise PluginError(f"localpay_input_tables returned {table!r}, not an InputTable")
            if not table.name.isidentifier() or table.name in RESERVED:
                raise PluginError(f"input table name {table.name!r} must be a plain identifier other than "
                                  f"{', '.join(RESERVED)}")
            if table.name in tables:
                raise PluginError(f"two plugins declare the input table {table.name!r}")
            tables[table.name] = table
    return dict(sorted(tables.items(), key=lambda item: (item[1].order, item[0])))


def given(declared: Mapping[str, InputTable], paths: Mapping[str, Path | None]) -> dict[str, Path]:
    """The tables given (a name given None is not given), in the declared order; a name no
    plugin declares is refused, naming the tables there are."""
    unknown = sorted(set(paths) - set(declared))
    if unknown:
        raise InputError(f"no input table {', '.join(map(repr, unknown))} is declared "
                          f"(the tables: {', '.join(declared) or 'none'})")
    return {name: Path(path) for name in declared if (path := paths.get(name))}


def input_columns(declared: Mapping[str, InputTable]) -> dict[str, tuple[str, ...]]:
    """Every input table's columns (required, then optional) by name: the episodes, the
    assessments and each declared table; what a ruleset's column mapping may map."""
    from .assessments import HONOS_ITEMS, REQUIRED as ASSESSED
    from .episodes import REQUIRED as EPISODE

    return {"episodes": EPISODE + ("setting", "service"), "assessments": ASSESSED + ("cluster", "total") + HONOS_ITEMS,
            **{name: tuple(dict.fromkeys(table.columns + table.optional)) for name, table in declared.items()}}
