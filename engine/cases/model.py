"""The ruleset tests file (``<ruleset>.tests.yaml``): cases written by contract managers, each a
few episodes in and the lines, totals or exceptions expected out.

Read with the ruleset's own YAML loader and checked as strictly as a ruleset, so a mistake is
reported with file, line and key instead of surfacing later as a puzzling failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, ValidationError, ValidationInfo, model_validator

from ..errors import InputError, LocalpayError, Problem, RulesetError
from ..periods import Month, statement_months
from ..ruleset.messages import describe_found, translate
from ..ruleset.source import load_yaml
from ..ruleset.types import ClusterCode, StrictModel


def _text(value: object) -> object:
    """A cell or expected value as the text it stands for: 3 -> "3", 2025-06-01 -> "2025-06-01"."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # YAML reads yes, no, on, off, true and false as booleans: the written text is lost
        raise ValueError(f"found {str(value).lower()}, which YAML reads as yes/no; write the text in quotes")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueError(f"expected one value (text, a number or a date), found {describe_found(value)}")


def _date(value: object) -> object:
    # pydantic would read a bare number as seconds since 1970
    if isinstance(value, (int, Decimal)):
        raise ValueError(f"expected a date written YYYY-MM-DD, found {value}")
    return value


def _month(value: object) -> object:
    text = _text(value)
    if not isinstance(text, str) or not text:
        raise ValueError("expected a month written YYYY-MM (e.g. 2025-06), found nothing")
    try:
        return Month.parse(text).label
    except LocalpayError as error:
        raise ValueError(str(error)) from None


def _episodes(rows: list) -> list:
    if not rows:
        raise ValueError("expected at least one episode row")
    return rows


def _rules(value: object) -> object:
    return [part for part in value.split(";") if part] if isinstance(value, str) else value


Text = Annotated[str | None, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]
MonthText = Annotated[str, BeforeValidator(_month)]
Pounds = Annotated[Decimal, Field(decimal_places=2, allow_inf_nan=False)]
UnitPrice = Annotated[Decimal, Field(decimal_places=6, allow_inf_nan=False)]


class Expectation(StrictModel):
    """Only the keys given are compared; ``written`` keeps them in the order the user wrote them,
    so a failure repeats the expectation as written."""

    _written: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _keep_order(cls, data: object, handler):
        model = handler(data)
        model._written = tuple(key for key in data if key in cls.model_fields) if isinstance(data, dict) else ()
        return model

    @property
    def written(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in self._written}


class ExpectedLine(Expectation):
    """Keys of a payment line."""

    statement_id: Text = None
    arrangement: Text = None
    option: Text = None
    provider: Text = None
    commissioner: Text = None
    period: Text = None
    episode_id: Text = None
    patient_id: Text = None
    cluster: ClusterCode | None = None
    from_date: Date | None = None
    to_date: Date | None = None
    quantity: int | None = None
    unit: Text = None
    unit_price: UnitPrice | None = None
    option_price: UnitPrice | None = None  # the unit price before local rules
    price_from: Date | None = None
    status: Literal["payable", "held", "suspended"] | None = None
    rules: Annotated[list[str], BeforeValidator(_rules)] | None = None
    clause: Text = None
    reason: Text = None
    note: Text = None
    share: Text = None
    value: Pounds | None = None
    amount: Pounds | None = None


class ExpectedException(Expectation):
    """Keys of an exceptions row."""

    source: Text = None
    row: int | None = None
    episode_id: Text = None
    provider: Text = None
    commissioner: Text = None
    column: Text = None
    value: Text = None
    reason_code: Text = None
    reason: Text = None
    action: Text = None


class Totals(StrictModel):
    """Sums over every line of the run, in pounds; ``suspended`` is the value not paid."""

    amount: Pounds | None = None
    payable: Pounds | None = None
    held: Pounds | None = None
    suspended: Pounds | None = None

    @model_validator(mode="after")
    def _something(self) -> "Totals":
        if not self.model_fields_set:
            raise ValueError("expected at least one of amount, payable, held, suspended")
        return self


class Expect(StrictModel):
    lines: list[ExpectedLine] = []
    lines_exact: bool = False
    totals: Totals | None = None
    exceptions: list[ExpectedException] = []
    no_exceptions: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> "Expect":
        if not (self.lines or self.totals or self.exceptions or self.no_exceptions):
            raise ValueError("expected at least one of lines, totals, exceptions, no_exceptions: a case must check something")
        if self.exceptions and self.no_exceptions:
            raise ValueError("exceptions and no_exceptions: true contradict each other; keep one")
        if self.lines_exact and not self.lines:
            raise ValueError("lines_exact: true needs the expected lines")
        return self


TABLES = "tables"


class RulesetCase(StrictModel):
    name: str = Field(min_length=1)
    period: MonthText
    from_period: MonthText | None = Field(default=None, alias="from")
    episodes: Annotated[list[dict[str, Text]], AfterValidator(_episodes)]
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
    try:
        document = CasesFile.model_validate(source.data, context={TABLES: tuple(tables)})
    except ValidationError as error:
        raise TestsFileError([source.problem(_written(e["loc"]), translate(e, CasesFile), file)
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
