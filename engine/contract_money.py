"""What a contract's money comes to, month by month, in pence.

- **Instalments.** An annual value is paid over the contract's months with
  ``money.instalments``: instalment k is the rounded k/n of the year less the rounded (k-1)/n,
  so the months add up to the year exactly (£1,000,000.00 in twelve is £83,333.33, £83,333.34,
  £83,333.33, ... and nothing is left over in March).
- **Activity value.** What named arrangements' lines are worth in a month for one provider and
  commissioner: the ``value`` column, whatever the status, so a shadow tariff (paid nothing)
  counts in full and so do held and suspended days: the activity was delivered. A line that
  releases money held earlier (``lines.RELEASE_RULE``) is left out: those days are already
  counted, at their value, in the month they were delivered.
"""

from __future__ import annotations

import polars as pl

from .contract_year import contract_months
from .lines import RELEASE_RULE
from .money import instalments, pounds_to_pence
from .periods import Month


def instalments_of(arrangement, ruleset) -> dict[Month, int]:
    """The arrangement's ``annual_value`` as an instalment for each month of the contract."""
    months = contract_months(ruleset)
    return dict(zip(months, instalments(pounds_to_pence(arrangement.annual_value), len(months))))


def value_by_month(lines: pl.DataFrame, names: list[str], provider: str, commissioner: str) -> dict[str, int]:
    """Period label -> the value of the named arrangements' lines for the parties."""
    if not names:
        return {}
    released = pl.col("rules").fill_null("").str.contains(RELEASE_RULE, literal=True)
    mine = lines.filter(
        pl.col("arrangement").is_in(names) & (pl.col("provider") == provider)
        & (pl.col("commissioner") == commissioner) & ~released
    )
    return dict(mine.group_by("period").agg(pl.col("value").sum()).iter_rows())


def to_date(by_month: dict[str, int], ruleset, month: Month) -> int:
    """The sum over the contract's months up to and including ``month``."""
    return sum(by_month.get(m.label, 0) for m in contract_months(ruleset) if m <= month)
