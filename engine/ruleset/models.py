"""The ruleset document: the part every area shares. Each arrangement block is validated by its
option's own parameter model (``Arrangement`` subclasses declared by plugins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, model_validator

from .types import Code, Day, Identifier, OverdueMode, StrictModel


class Party(StrictModel):
    code: Code
    name: str = Field(min_length=1)


class Parties(StrictModel):
    commissioners: list[Party] = Field(min_length=1)
    providers: list[Party] = Field(min_length=1)


class Period(StrictModel):
    start: Day = Field(alias="from")
    end: Day = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class DataYears(StrictModel):
    """The years a date in the data may fall in: a date outside them (a two-digit year read as the
    first century, a slip of the keyboard) is a bad row."""

    # four-digit years, so that a date of a two-digit year can never fall inside them
    first: int = Field(default=1900, alias="from", ge=1000, le=9999)
    last: int = Field(default=2100, alias="to", ge=1000, le=9999)

    @model_validator(mode="after")
    def _ordered(self) -> "DataYears":
        if self.last < self.first:
            raise ValueError(f"the years end ({self.last}) before they start ({self.first})")
        return self


class Settings(StrictModel):
    overdue_review: OverdueMode = "pay"
    day_count: Literal["exclusive_end", "inclusive_end"] = "exclusive_end"
    # a change found later in a month whose freeze data was issued: paid as an adjustment, or
    # only reported beside the statement
    after_freeze: Literal["adjust", "report"] = "adjust"
    # people whose rule matches durable-rules re-evaluates in every run, as a check on the
    # columnar evaluator (0: no check)
    rules_cross_check: int = Field(default=500, ge=0, le=1_000_000)
    data_years: DataYears = DataYears()


class RulesetDocument(StrictModel):
    format: Literal["localpay/1"]
    area: str = Field(min_length=1)
    title: str = Field(min_length=1)
    version: str | None = None
    period: Period
    status: Literal["draft", "shadow", "live"]
    parties: Parties
    settings: Settings = Settings()
    arrangements: list[dict[str, Any]] = Field(min_length=1)
    # checked by localpay.rules.model against the vocabulary of operators and actions
    inputs: Any = None
    rules: Any = None

    @model_validator(mode="after")
    def _dates_cover_the_period(self) -> "RulesetDocument":
        years = self.settings.data_years
        if not years.first <= self.period.start.year <= self.period.end.year <= years.last:
            raise ValueError(f"settings.data_years ({years.first} to {years.last}) must cover the ruleset's period "
                             f"({self.period.start} to {self.period.end})")
        return self


class Arrangement(StrictModel):
    """The keys every arrangement has. An option's parameter model subclasses this and adds its
    own keys; ``extra="forbid"`` still applies to the whole block."""

    id: Identifier
    option: str
    title: str | None = None
    clause: str | None = None
    provider: Code | None = None
    commissioner: Code | None = None
    # a shadow arrangement is priced in full and shown beside what is paid, but pays nothing
    # (e.g. a cluster tariff run in shadow beside a block contract)
    shadow: bool = False

    def effective_dates(self) -> Iterator[tuple[tuple, dt.date]]:
        """Each date on which one of this arrangement's values takes effect, with its path.
        The loader checks every one falls inside the ruleset's period. Override to add more."""
        return iter(())

    @property
    def label(self) -> str:
        return self.title or self.id
