"""Pricing a case through the real pipeline, for the tests of a payment option: a trust's own,
or a built-in one.

    from localpay.testing import price_case

    case = price_case(RULESET_YAML, [{"episode_id": "E1", "patient_id": "P1", ...}], "2025-06",
                      extra=[FlatFeePlugin()])
    case.lines  # every payment line, as ``localpay run`` writes them to lines.csv

The ruleset (YAML text, or the path of a file) and the inputs are written into a folder, the
ruleset is loaded against the built-in plugins and ``extra`` ones (no entry points: the case
does not depend on what else is installed), and the run is the one ``localpay run`` makes. Each
input is rows (mappings of column to value; a missing key or None is a blank) or CSV text with
its header. The folder is a temporary one, removed afterwards, unless ``folder`` is given: give
one to keep the files, to write statements from the result, say.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .inputs.assessments import REQUIRED as ASSESSMENT_COLUMNS
from .inputs.episodes import REQUIRED as EPISODE_COLUMNS
from .manager import Plugins, make_plugins
from .periods import Month
from .pipeline import Inputs, RunResult, run
from .rules.evaluate import Evaluator
from .ruleset.load import load_ruleset

Rows = Sequence[Mapping[str, object]] | str


@dataclass(frozen=True)
class PricedCase:
    """What a case's run gave: its lines, exceptions and workings, and the whole ``RunResult``."""

    result: RunResult

    @property
    def lines(self) -> pl.DataFrame:
        return self.result.lines

    @property
    def exceptions(self) -> pl.DataFrame:
        return self.result.exceptions

    @property
    def details(self) -> dict[str, pl.DataFrame]:
        return self.result.details


def price_case(ruleset: str | Path, episodes: Rows, period: str, *, from_period: str | None = None,
               assessments: Rows | None = None, tables: Mapping[str, Rows] | None = None,
               extra: Iterable[object] = (), plugins: Plugins | None = None, folder: Path | None = None,
               evaluator: Evaluator = "polars") -> PricedCase:
    """Run one case and return what it priced.

    ``period`` is the statement month (``2025-06``) and ``from_period`` the first month of the
    year to date, if earlier. ``tables`` are the run's optional inputs by name (``returns``,
    ``budgets``, ``population``). ``extra`` are plugin objects registered beside the built-in
    ones; or pass the ``plugins`` of your own ``make_plugins`` (then not ``extra``).
    """
    if plugins is not None and extra:
        raise ValueError("give either plugins or extra plugin objects, not both")
    plugins = plugins or make_plugins(load_entry_points=False, extra=tuple(extra))
    unknown = sorted(set(tables or ()) - set(plugins.input_tables))
    if unknown:
        raise ValueError(f"no input table {', '.join(unknown)}; the tables are {', '.join(plugins.input_tables)}")
    with nullcontext(folder) if folder is not None else tempfile.TemporaryDirectory() as place:
        place = Path(place)
        a_path = isinstance(ruleset, Path) or "\n" not in ruleset
        loaded = load_ruleset(Path(ruleset) if a_path else _write(place, "ruleset.yaml", str(ruleset)), plugins.options,
                              plugins.vocabulary, plugins.input_columns)
        episodes_path = _write_rows(place, "episodes", episodes, EPISODE_COLUMNS)
        assessments_path = None if assessments is None else _write_rows(place, "assessments", assessments,
                                                                         ASSESSMENT_COLUMNS)
        declared = plugins.input_tables
        given = {name: _write_rows(place, name, rows, declared[name].columns) for name, rows in (tables or {}).items()}
        first = Month.parse(from_period) if from_period else None
        result = run(loaded, plugins, Inputs(episodes_path, assessments_path, given, evaluator, own_columns=True), Month.parse(period),
                     first)
    return PricedCase(result)


def csv_text(rows: Sequence[Mapping[str, object]], leading: Sequence[str] = ()) -> str:
    """Rows as CSV: the ``leading`` columns first, then every other key in the order first seen;
    None and missing keys are blanks, dates are written YYYY-MM-DD."""
    columns = list(leading) + [key for row in rows for key in row if key not in leading]
    columns = list(dict.fromkeys(columns))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if row.get(c) is None else str(row[c]) for c in columns] for row in rows])
    return out.getvalue()


def _write_rows(folder: Path, name: str, rows: Rows, leading: Sequence[str] = ()) -> Path:
    return _write(folder, f"{name}.csv", rows if isinstance(rows, str) else csv_text(rows, leading))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path
