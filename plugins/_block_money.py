"""What a block contract and a risk share around it count in pence.

- **Instalments.** A block's annual value is paid over the contract's months with
  ``money.instalments``: instalment k is the rounded k/n of the year less the rounded (k-1)/n,
  so the months add up to the year exactly (£1,000,000.00 in twelve is £83,333.33, £83,333.34,
  £83,333.33, ... and nothing is left over in March).
- **Activity value.** What named arrangements' lines are worth in a month for one provider and
  commissioner: the ``value`` column, whatever the status, so a shadow tariff (paid nothing)
  counts in full and so do held and suspended days: the activity was delivered. A line that
  releases days held pending review is left out: those days are already counted, at their
  value, in the month they were delivered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import polars as pl
from pydantic import AfterValidator

from localpay.contract_year import contract_months
from localpay.lines import RELEASE_RULE
from localpay.money import format_money, instalments, pence_to_decimal, pounds_to_pence
from localpay.periods import Month
from localpay.ruleset import Price



def _pounds_and_pence(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"an amount in pounds and pence is expected; {value} has more than two decimal places")
    return value


# money paid as written (an annual value, a cap): a price, but to the penny
Pence = Annotated[Price, AfterValidator(_pounds_and_pence)]


def instalments_of(arrangement, ruleset) -> dict[Month, int]:
    """The block's instalment for each month of the contract, in pence."""
    months = contract_months(ruleset)
    return dict(zip(months, instalments(pounds_to_pence(arrangement.annual_value), len(months))))


def value_by_month(lines: pl.DataFrame, names: list[str], provider: str, commissioner: str) -> dict[str, int]:
    """Period label -> the value of the named arrangements' lines for the parties (pence)."""
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


def pounds(pence: int) -> str:
    return format_money(pence_to_decimal(pence))


def same_parties(other, arrangement) -> str | None:
    """Why ``other`` is not between the same provider and commissioner, or None if it is."""
    if (other.provider, other.commissioner) == (arrangement.provider, arrangement.commissioner):
        return None
    return (f"'{other.id}' is between {other.provider} and {other.commissioner}, not "
            f"{arrangement.provider} and {arrangement.commissioner}")


def settles_too_late(ruleset, name: str, index: int) -> str | None:
    """A settle-type arrangement listed after ``index`` has no lines yet when that one settles."""
    position = {a.id: i for i, a in enumerate(ruleset.arrangements)}
    other = ruleset.arrangement(name)
    if ruleset.options[other.option].price is None and position[name] > index:
        return f"'{name}' settles after this arrangement, so its lines are not known yet; list it earlier"
    return None


def unknown(ruleset, name: str) -> str | None:
    ids = [a.id for a in ruleset.arrangements]
    return None if name in ids else f"no arrangement has the id '{name}' (ids: {', '.join(ids)})"
