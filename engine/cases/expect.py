"""What a ruleset test case expects: lines and exceptions that must each match one found (on the
keys written), totals, or no exceptions at all."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, PrivateAttr, model_validator

from ..ruleset.types import ClusterCode, StrictModel
from .values import Date, Pounds, Text, UnitPrice, rules_list


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
    rules: Annotated[list[str], BeforeValidator(rules_list)] | None = None
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
