"""The capitation option's terms for the contract schedule: the prices, how a month is paid,
and any outcomes component whose pot is a percentage of it."""

from __future__ import annotations

from localpay.plugin import ScheduleSection, Table, dated_items, format_price, percent_text, to_micros

from .terms import CapitationArrangement, monthly_micros, price_words


def describe(arrangement: CapitationArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    prices = dated_items(arrangement.price_per_person, ruleset.period.start)
    dated = "; ".join(f"{price_words(arrangement, p)} from {d}" for d, p in prices)
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
            assert pot is not None  # it names this arrangement under of:
            how = "withheld from it each month and earned back" if other.mode == "withhold" else "paid on top of it"
            words.append(f"Outcomes component: {percent_text(pot.percent)} of the capitation is {how} on achievement "
                         f"of the measures of '{other.id}'.")
    return words
