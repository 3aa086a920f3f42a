"""The capitation option's terms, as a ruleset writes them (``option: capitation``): a dated
price per person, a year's or a month's, and the price a person-month it comes to."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from localpay.plugin import Arrangement, Code, Dated, Month, Price, dated_items, format_price, to_micros

UNIT = "person-month"


class CapitationArrangement(Arrangement):
    option: Literal["capitation"]
    provider: Code
    commissioner: Code
    price_per_person: Dated[Price]
    per: Literal["year", "month"]

    def effective_dates(self):
        if isinstance(self.price_per_person, dict):
            for day in self.price_per_person:
                yield ("price_per_person", day.isoformat()), day


def monthly_micros(arrangement: CapitationArrangement, price: Decimal) -> int:
    """The price per person-month in micros: a year's price / 12, rounded half up."""
    micros = to_micros(price)
    return micros if arrangement.per == "month" else (2 * micros + 12) // 24


def price_on(arrangement: CapitationArrangement, ruleset, month: Month) -> tuple:
    """(effective from, price) in effect on the month's first day, or the contract's if later
    (``check`` ensures a price is in effect from the contract's start)."""
    day = max(month.start, ruleset.period.start)
    return [(since, price) for since, price in dated_items(arrangement.price_per_person, ruleset.period.start)
            if since <= day][-1]


def price_words(arrangement, price: Decimal) -> str:
    per = "a month" if arrangement.per == "month" else "a year"
    return f"{format_price(to_micros(price))} a person {per}"
