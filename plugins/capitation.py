"""Capitation: a price per person in the commissioner's population, paid monthly.

The terms, as the ruleset states them and as this option applies them:

- **Population.** The population file (``--population``: ``commissioner, period, population``,
  checked by ``localpay.budgets``) gives the people the commissioner pays for in each month.
- **Price.** ``price_per_person`` (dated: the price in effect on the month's first day applies)
  is a year's price (``per: year``: a twelfth of it a month, rounded half up to the millionth of
  a pound) or a month's (``per: month``).
- **Lines.** Each statement month of the contract has one payable contract-level line:
  quantity = the month's population, unit ``person-month``, unit price as above; the core rounds
  quantity x unit price half up to the penny.
- **No population.** A month with no population row pays nothing and is reported: a row in the
  ``capitation`` details, and an exception with source ``population``, no row, reason code
  ``no_population``, action ``flagged``.
- **Outcomes.** An outcomes component is an ``outcomes`` arrangement listed after this one with
  ``pot: {percent: 5%, of: [<this id>]}``, as a bonus or withheld; the schedule names it here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import polars as pl

from localpay import Arrangement, PaymentOption, Priced, ScheduleSection, Table, hookimpl
from localpay.contract_year import contract_months
from localpay.lines import EXCEPTION_COLUMNS, lines_frame, payment_line
from localpay.money import format_price, round_pence, to_micros
from localpay.periods import Month
from localpay.ruleset import Code, Dated, Price, dated_items
from localpay.ruleset.types import percent_text

CAPITATION_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "population": pl.Int64, "price": pl.String, "price_from": pl.Date, "unit_price": pl.String,
    "capitation_amount": pl.Int64, "note": pl.String,
}
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


def settle(arrangement: CapitationArrangement, context) -> Priced:
    ruleset, counts = context.ruleset, _population(context, arrangement.commissioner)
    lines, rows, missing = [], [], []
    for month in (m for m in context.months if m in contract_months(ruleset)):
        since, price = price_on(arrangement, ruleset, month)
        unit, people = monthly_micros(arrangement, price), counts.get(month.label)
        words = _price_words(arrangement, price)
        if people is None:
            note = f"no population for {arrangement.commissioner} in {month}: nothing is paid for the month"
            rows.append(_detail(arrangement, month, None, words, since, unit, None, note))
            missing.append(_exception(arrangement, month, note))
            continue
        twelfth = f" (a twelfth of {words})" if arrangement.per == "year" else ""
        note = f"{people:,} people in {month} at {format_price(unit)} a person-month{twelfth}"
        lines.append(payment_line(arrangement=arrangement, month=month, unit=UNIT, micros=unit, quantity=people,
                                  price_from=since, note=note))
        rows.append(_detail(arrangement, month, people, words, since, unit, round_pence(people, unit), note))
    return Priced(lines_frame(lines),
                  pl.DataFrame(missing, schema=EXCEPTION_COLUMNS, orient="row"),
                  {"capitation": pl.DataFrame(rows, schema=CAPITATION_DETAILS, orient="row")})


def _population(context, commissioner: str) -> dict[str, int]:
    frame = context.pricing.population if context.pricing is not None else None
    if frame is None:
        return {}
    return dict(frame.filter(pl.col("commissioner") == commissioner).select("period", "population").iter_rows())


def _price_words(arrangement, price: Decimal) -> str:
    per = "a month" if arrangement.per == "month" else "a year"
    return f"{format_price(to_micros(price))} a person {per}"


def _detail(arrangement, month: Month, people, words, since, unit: int, pence, note) -> tuple:
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, people, words, since,
            format_price(unit), pence, note)


def _exception(arrangement, month: Month, reason: str) -> tuple:
    return ("population", None, None, arrangement.provider, arrangement.commissioner, "period", month.label,
            "no_population", reason, "flagged")


def describe(arrangement: CapitationArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    prices = dated_items(arrangement.price_per_person, ruleset.period.start)
    dated = "; ".join(f"{_price_words(arrangement, p)} from {d}" for d, p in prices)
    monthly = (" (a twelfth of the year's price, rounded half up to the millionth of a pound)"
               if arrangement.per == "year" else "")
    paragraphs = [
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) capitation{clause}: "
        f"{dated}.",
        f"Each month is paid for the commissioner's population in that month, as the population file gives it: the "
        f"population x the price per person-month in effect on the month's first day{monthly}, rounded half up to "
        "the penny. A month with no population in the file pays nothing and is reported.",
        *_outcome_words(arrangement, ruleset),
    ]
    rows = tuple((d.isoformat(), format_price(to_micros(p)), format_price(monthly_micros(arrangement, p)))
                 for d, p in prices)
    table = Table(("from", f"price per person a {arrangement.per}", "per person-month"), rows)
    return ScheduleSection(f"Capitation: {arrangement.label}", tuple(paragraphs), (table,))


def _outcome_words(arrangement, ruleset) -> list[str]:
    """Outcomes components: outcomes arrangements whose pot is a percentage of this one."""
    words = []
    for other in ruleset.arrangements:
        pot = getattr(other, "pot", None)
        if other.option == "outcomes" and arrangement.id in (getattr(pot, "of", None) or ()):
            how = "withheld from it each month and earned back" if other.mode == "withhold" else "paid on top of it"
            words.append(f"Outcomes component: {percent_text(pot.percent)} of the capitation is {how} on achievement "
                         f"of the measures of '{other.id}'.")
    return words


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """A price from the contract's start; one capitation per provider and commissioner."""
    problems, first = [], {}
    for index, arrangement in arrangements:
        day = dated_items(arrangement.price_per_person, ruleset.period.start)[0][0]
        if day > ruleset.period.start:
            problems.append(((index, "price_per_person"), f"the first price takes effect on {day}, after the contract "
                             f"starts on {ruleset.period.start}: give a price from {ruleset.period.start}"))
        pair = (arrangement.provider, arrangement.commissioner)
        if pair in first:
            problems.append(((index, "provider"), f"arrangement {first[pair]!r} already pays capitation to "
                             f"{pair[0]} for commissioner {pair[1]}; each person would be paid for twice"))
        first.setdefault(pair, arrangement.id)
    return problems


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="capitation",
        summary="Capitation: a price per person in the commissioner's population, paid monthly",
        parameters=CapitationArrangement,
        settle=settle,
        describe=describe,
        check=check,
        timing=lambda arrangement, ruleset: (
            "Paid monthly: the month's population from the population file times the price per person."),
    )]
