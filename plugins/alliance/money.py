"""An alliance's money, to the penny: the year's value in monthly instalments, each member's share
of it, and the risk-and-reward pool of a settlement window.

- **Instalments.** The annual value is paid over the contract's months with
  ``money.instalments``: instalment k is the rounded k/n of the year less the rounded (k-1)/n, so
  the months add up to the year exactly.
- **Members' shares.** The alliance's value *to date* is divided among the members by the
  largest-remainder method (each share floored to the penny, the pennies left over to the
  largest remainders, ties to the member listed first); a member's month is its share to date
  less its share to the month before. The members therefore add up to the alliance in every
  month (the difference of two splits that each add up), and each member's year is its
  largest-remainder share of the year: within a penny of its exact share. Splitting each month
  on its own would also balance, but the same member would win or lose the odd penny month after
  month (the 25% member of £100,000.01 would end the year 4p short of its share).
- **The pool** of a settlement is the pool percentage of the instalments of the months it
  settles, rounded half up once; each KPI's stake is its weight of the pool by the largest
  remainder, so the stakes add up to the pool and all the KPIs together never move more than it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from localpay.plugin import Month, contract_months, instalments, pounds_to_pence, round_half_up, share_out


def split(pence: int, fractions) -> list[int]:
    """``pence`` divided by fractions adding up to one (0.40, 0.35, 0.25), to the penny, by the
    largest remainder; a negative amount is divided as its size, then negated."""
    return share_out(pence, [Decimal(f) * 100 for f in fractions])


@dataclass(frozen=True)
class Schedule:
    """The alliance's value month by month (pence), and its members' shares (fractions, in the
    order the members are listed)."""

    instalments: dict[Month, int]
    shares: tuple[Decimal, ...]

    @classmethod
    def of(cls, arrangement, ruleset) -> "Schedule":
        months = contract_months(ruleset)
        paid = instalments(pounds_to_pence(arrangement.annual_value), len(months))
        return cls(dict(zip(months, paid)), tuple(m.share for m in arrangement.members))

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(self.instalments)

    def alliance(self, month: Month) -> int:
        return self.instalments.get(month, 0)

    def alliance_to_date(self, month: Month) -> int:
        return sum(pence for m, pence in self.instalments.items() if m <= month)

    def members_to_date(self, month: Month) -> list[int]:
        return split(self.alliance_to_date(month), self.shares)

    def members(self, month: Month) -> list[int]:
        """Each member's payment for the month: its share to date less its share before."""
        before = [m for m in self.months if m < month]
        earlier = self.members_to_date(before[-1]) if before else [0] * len(self.shares)
        return [now - then for now, then in zip(self.members_to_date(month), earlier)]

    def value_of(self, window: tuple[Month, ...]) -> int:
        return sum(self.alliance(m) for m in window)


def pool_of(value: int, percent: Decimal) -> int:
    """The pool on a window's value, rounded half up to the penny."""
    return round_half_up(Decimal(value) * percent)
