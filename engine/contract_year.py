"""The contract's calendar: its months, when it settles, and the months each settlement covers.

A contract runs over the ruleset's period, month by month (twelve for a financial year). An
option that settles does so ``quarterly`` (every third month of the contract, and its last) or
at the ``year_end`` (its last month); each settlement covers the months since the one before.
Options that settle over such windows recompute them from the contract's start on every run,
so a run asked to start mid-year extends its year to date back to the start (``needs_from``).
"""

from __future__ import annotations

from .errors import LocalpayError
from .periods import Month, months_between


def contract_months(ruleset) -> tuple[Month, ...]:
    """Every month of the ruleset's period, in order."""
    return months_between(Month.of(ruleset.period.start), Month.of(ruleset.period.end))


def check_within(ruleset, period: Month, from_period: Month | None = None) -> None:
    """A statement month (and the first month of its year to date) must lie in the contract's
    period: told by the option that set it, before any money is computed."""
    start, end = ruleset.period.start, ruleset.period.end
    for flag, month in (("--period", period), ("--from", from_period)):
        if month is not None and not Month.of(start) <= month <= Month.of(end):
            raise LocalpayError(f"{flag} {month} is outside the contract's period ({start.isoformat()} to "
                                f"{end.isoformat()})")


def settlement_months(ruleset, settlement: str) -> tuple[Month, ...]:
    """Quarterly: every third month of the contract, and its last; year end: its last month."""
    months = contract_months(ruleset)
    if settlement == "year_end":
        return (months[-1],)
    return tuple(m for i, m in enumerate(months) if i % 3 == 2 or m == months[-1])


def window(ruleset, settlement: str, month: Month) -> tuple[Month, ...]:
    """The months from just after the last settlement before ``month`` to ``month``."""
    earlier = [m for m in settlement_months(ruleset, settlement) if m < month]
    first = earlier[-1].next() if earlier else Month.of(ruleset.period.start)
    return months_between(first, month)


def from_contract_start(arrangement, ruleset, first: Month) -> Month:
    """A ``needs_from`` for options whose settlements are sums over whole windows, or carry
    money from one settlement to the next: every run prices from the contract's first month."""
    return Month.of(ruleset.period.start)
