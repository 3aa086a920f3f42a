"""Ruleset tests: each case's episodes go through the real pipeline, then its expectations are
compared with the lines and exceptions that come out (``compare``).

The file format is in ``model``; ``localpay test`` and the pytest plugin are shells over
``run_tests``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import InputError, LocalpayError, OutputError
from ..fileio import WriteError, failure
from ..inputs.assessments import REQUIRED as ASSESSMENT_COLUMNS
from ..inputs.episodes import REQUIRED as EPISODE_COLUMNS
from ..periods import Month, statement_months
from ..pipeline import Inputs, run
from ..ruleset.load import resolve_ruleset_path
from ..testing import csv_text
from .compare import compare
from .model import LocatedCase, load_cases

SUFFIX = ".tests.yaml"


def find_tests_file(ruleset: str | Path) -> Path:
    """The tests beside a ruleset (a path or a bundled name): ``2025-26.yaml`` -> ``2025-26.tests.yaml``."""
    path = resolve_ruleset_path(ruleset)
    return path.with_name(path.stem + SUFFIX)


def ruleset_for(tests_file: Path) -> Path:
    """The ruleset a tests file belongs to: ``2025-26.tests.yaml`` -> ``2025-26.yaml`` beside it."""
    stem = Path(tests_file).name.removesuffix(SUFFIX)
    for suffix in (".yaml", ".yml"):
        candidate = Path(tests_file).with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    raise InputError(f"no ruleset {stem}.yaml beside the tests file {str(tests_file)!r}")


@dataclass(frozen=True)
class CaseResult:
    name: str
    file: str
    line: int | None
    failures: tuple[str, ...]  # each a headline with indented detail lines

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def diff(self) -> str:
        return "\n".join(self.failures)


def run_tests(ruleset, plugins, tests_file: Path) -> list[CaseResult]:
    """Every case of ``tests_file`` against ``ruleset``; raises only for a malformed file."""
    return [run_case(ruleset, plugins, located) for located in load_cases(tests_file, plugins.input_tables)]


def run_case(ruleset, plugins, located: LocatedCase) -> CaseResult:
    try:
        return _run_case(ruleset, plugins, located)
    except OSError as error:  # making or removing the temporary folder
        raise OutputError(f"the case {located.case.name!r} could not be run in a temporary folder "
                          f"({tempfile.gettempdir()}): {failure(error)}") from None


def _run_case(ruleset, plugins, located: LocatedCase) -> CaseResult:
    case = located.case
    with tempfile.TemporaryDirectory(prefix="localpay-test-") as folder:
        episodes = _write_rows(Path(folder) / "episodes.csv", case.episodes, EPISODE_COLUMNS)
        assessments = None
        if case.assessments:
            assessments = _write_rows(Path(folder) / "assessments.csv", case.assessments, ASSESSMENT_COLUMNS)
        tables = {name: _write_rows(Path(folder) / f"{name}.csv", rows, plugins.input_tables[name].columns)
                  for name, rows in case.tables.items() if rows}
        unknown = [name for name in case.arrangements or () if name not in {a.id for a in ruleset.arrangements}]
        if unknown:
            return CaseResult(case.name, located.file, located.line,
                              (f"the case names arrangements the ruleset does not have: {', '.join(unknown)}",))
        try:
            result = run(ruleset, plugins, Inputs(episodes, assessments, tables, own_columns=True), Month.parse(case.period),
                         Month.parse(case.from_period) if case.from_period else None)
        except LocalpayError as error:
            return CaseResult(case.name, located.file, located.line, (f"the case could not run: {error}",))
    failures = compare(case.expect, _compared(result, case, ruleset).to_dicts(), result.exceptions.to_dicts())
    return CaseResult(case.name, located.file, located.line, tuple(failures))


def _compared(result, case, ruleset) -> pl.DataFrame:
    """The lines a case checks: its arrangements' (by default, those pricing episodes), in the
    months it asked for (a settlement may have priced earlier ones too)."""
    chosen = case.arrangements or [a.id for a in ruleset.arrangements if ruleset.option_of(a).price is not None]
    asked = statement_months(Month.parse(case.period), Month.parse(case.from_period) if case.from_period else None)
    return result.lines.filter(pl.col("arrangement").is_in(chosen) & pl.col("period").is_in([m.label for m in asked]))


def _write_rows(path: Path, rows: list[dict], required: tuple[str, ...]) -> Path:
    # the required columns are always written, so a key left out reads as a blank cell
    try:
        path.write_text(csv_text(rows, leading=required), encoding="utf-8")
    except OSError as error:  # the temporary folder's disk is full: told, never a traceback
        raise WriteError(path, error) from None
    return path
