"""Months, financial years and the day-count convention.

Inside the engine every span of days is half-open, ``[start, stop)``: ``stop`` is the first day
*not* counted. The ruleset's ``day_count`` setting decides how an episode's ``end_date`` maps to
``stop``; an open period runs to the end of the last statement month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import LocalpayError

DAY_COUNTS = {
    # a move from cluster 5 to 15 on 3 May: cluster 5 ends 3 May, pays to 2 May
    "exclusive_end": 0,
    # the end date is the last day paid
    "inclusive_end": 1,
}


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise LocalpayError(f"a period must be a month written YYYY-MM (e.g. 2025-06), not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def stop(self) -> dt.date:
        """The first day of the next month (the exclusive end)."""
        return self.next().start

    @property
    def last_day(self) -> dt.date:
        return self.stop - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.stop - self.start).days

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def financial_year_start(self) -> dt.date:
        return dt.date(self.year if self.month >= 4 else self.year - 1, 4, 1)

    def __str__(self) -> str:
        return self.label


def months_between(first: Month, last: Month) -> tuple[Month, ...]:
    """Every month from ``first`` to ``last`` inclusive."""
    months, current = [], first
    while current <= last:
        months.append(current)
        current = current.next()
    return tuple(months)


def statement_months(period: Month, from_period: Month | None) -> tuple[Month, ...]:
    """The months a run prices: the statement month, and earlier months of the same financial
    year back to ``from_period`` for the year to date."""
    if from_period is None:
        return (period,)
    if from_period > period:
        raise LocalpayError(f"--from {from_period} is after --period {period}")
    if from_period.financial_year_start != period.financial_year_start:
        raise LocalpayError(
            f"--from {from_period} and --period {period} are in different financial years; "
            "the year to date starts on 1 April"
        )
    return months_between(from_period, period)


def days_in_financial_year(month: Month) -> int:
    start = month.financial_year_start
    return (dt.date(start.year + 1, 4, 1) - start).days
