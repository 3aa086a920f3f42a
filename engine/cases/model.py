"""The ruleset tests file (``<ruleset>.tests.yaml``): cases written by contract managers, each a
few episodes in and the lines, totals or exceptions expected out.

Read with the ruleset's own YAML loader and checked as strictly as a ruleset, so a mistake is
reported with file, line and key instead of surfacing later as a puzzling failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, model_validator

from ..errors import InputError, LocalpayError, Problem, RulesetError
from ..periods import Month, statement_months
from ..ruleset.messages import translate
from ..ruleset.source import load_yaml
from ..ruleset.types import StrictModel
from .expect import Expect
from .values import MonthText, Text, episodes_given

TABLES = "tables"


class RulesetCase(StrictModel):
    name: str = Field(min_length=1)
    period: MonthText
    from_period: MonthText | None = Field(default=None, alias="from")
    episodes: Annotated[list[dict[str, Text]], AfterValidator(episodes_given)]
    assessments: list[dict[str, Text]] = []
    # the rows of each optional input table the case gives, written under the table's own name
    # (returns:, budgets:, population:, a plugin's): the names come in the validation context
    tables: dict[str, list[dict[str, Text]]] = {}
    # the arrangements whose lines are compared; by default those that price episodes, so a
    # case about one episode is not disturbed by a CQUIN's payments on account
    arrangements: list[str] | None = Field(default=None, min_length=1)
    expect: Expect

    @model_validator(mode="before")
    @classmethod
    def _gather_tables(cls, data: object, info: ValidationInfo) -> object:
        if not isinstance(data, dict):
            return data
        if TABLES in data:
            raise ValueError(f"write each input table's rows under its own name, not under {TABLES}:")
        names = (info.context or {}).get(TABLES, ())
        given = {name: data[name] for name in names if name in data}
        return {key: value for key, value in data.items() if key not in given} | ({TABLES: given} if given else {})

    @model_validator(mode="after")
    def _months(self) -> "RulesetCase":
        if self.from_period:
            try:
                statement_months(Month.parse(self.period), Month.parse(self.from_period))
            except LocalpayError as error:
                raise ValueError(str(error).replace("--period", "period").replace("--from", "from")) from None
        return self


class CasesFile(StrictModel):
    cases: list[RulesetCase] = Field(min_length=1)


class TestsFileError(RulesetError):
    """A malformed tests file: every problem, located, and no case run."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        count = len(self.problems)
        head = f"the ruleset tests file has {count} problem{'s' if count != 1 else ''}; no case was run"
        self.args = ("\n".join([head, *(f"  {p}" for p in self.problems)]),)


@dataclass(frozen=True)
class LocatedCase:
    case: RulesetCase
    file: str
    line: int | None


def load_cases(path: Path, tables: Iterable[str]) -> list[LocatedCase]:
    """The cases of a tests file, each of which may give rows for the input ``tables`` named (the
    tables the plugins declare); a malformed file raises ``TestsFileError`` (a ``RulesetError``)
    naming every problem."""
    path, file = Path(path), str(path)
    if not path.is_file():
        raise InputError(f"ruleset tests file {file!r} does not exist")
    try:
        source = load_yaml(path)
    except RulesetError as error:
        raise TestsFileError([_reworded(p) for p in error.problems]) from None
    if not isinstance(source.data, dict):
        raise TestsFileError([Problem(file, 1, "", "expected a mapping with the key 'cases' (a list of cases)")])
    names = tuple(tables)
    try:
        document = CasesFile.model_validate(source.data, context={TABLES: names})
    except ValidationError as error:
        def case_keys(where: tuple, known: list[str]) -> list[str]:
            # a case's keys: its fields, with each input table's own name in place of ``tables``
            at_case = len(where) == 2 and where[0] == "cases"
            return sorted({*known} - {TABLES} | set(names)) if at_case else known

        raise TestsFileError([source.problem(_written(e["loc"]), translate(e, CasesFile, case_keys), file)
                              for e in error.errors()]) from None
    seen: dict[str, int] = {}
    problems = []
    for index, case in enumerate(document.cases):
        if case.name in seen:
            message = f"the name {case.name!r} is already used by cases[{seen[case.name]}]; each case needs its own"
            problems.append(source.problem(("cases", index, "name"), message, file))
        seen.setdefault(case.name, index)
    if problems:
        raise TestsFileError(problems)
    return [LocatedCase(case, file, _line(source, ("cases", index))) for index, case in enumerate(document.cases)]


def _written(loc: tuple) -> tuple:
    """Where a problem is in the file: a table's rows are written under its name, not ``tables``."""
    return tuple(part for i, part in enumerate(loc) if not (part == TABLES and i == 2 and loc[0] == "cases"))


def _line(source, path: tuple) -> int | None:
    where = source.locate(path)
    return where.line if where else None


def _reworded(problem: Problem) -> Problem:
    if problem.message.startswith("the file is empty"):
        return Problem(problem.file, problem.line, problem.key, "the file is empty; expected 'cases:' and a list of cases")
    return problem
