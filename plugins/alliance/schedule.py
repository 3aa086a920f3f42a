"""An alliance's terms for the contract schedule, with the numbers the statements will show: each
member's share of every month and of the year, the pool of each settlement, and the KPIs; and
when its money is paid."""

from __future__ import annotations

from localpay.plugin import (ScheduleSection, Table, format_money, measures_table, percent_text, settlement_months,
                             window)

from .money import Schedule, pool_of
from .risk import NEITHER, SCALE


def describe(arrangement, ruleset) -> ScheduleSection:
    schedule = Schedule.of(arrangement, ruleset)
    commissioner = ruleset.commissioners[arrangement.commissioner]
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    paragraphs = [
        f"{commissioner.name} ({commissioner.code}) contracts with the {arrangement.label} alliance{clause} for an "
        f"annual value of {format_money(arrangement.annual_value)}, paid in {len(schedule.months)} monthly "
        "instalments that add up to the year exactly.",
        f"The members share the value: {_members_words(arrangement, ruleset)}. Each member's part of the value to "
        "date is its share rounded down to the penny, the pennies left over going to the largest remainders (to the "
        "member listed first on a tie); its month is its part to date less its part to the month before. The "
        "members add up to the alliance to the penny every month and over the year.",
    ]
    if arrangement.commissioner in [m.party for m in arrangement.members]:
        paragraphs.append(f"{commissioner.name} is a member sharing the risk: it keeps its share of the value, and "
                          "of any gain, and bears its share of any pain; no payment is made for it.")
    tables = [_members_table(arrangement, ruleset, schedule), _months_table(arrangement, schedule)]
    if arrangement.risk_reward is not None:
        paragraphs += _risk_words(arrangement, ruleset)
        tables += [_pools_table(arrangement, ruleset, schedule), _kpi_table(arrangement)]
    return ScheduleSection(f"Alliance contract: {arrangement.label}", tuple(paragraphs), tuple(tables))


def timing(arrangement, ruleset) -> str:
    words = ("Paid monthly: each month's instalment of the annual value, shared among the members by their shares "
             "on their own statements.")
    if arrangement.risk_reward is None:
        return words
    when = "every third month and at the year end" if arrangement.risk_reward.settlement == "quarterly" else "at the year end"
    return f"{words} Gain and pain are settled {when}, on the statement for the settlement month."


def _members_words(arrangement, ruleset) -> str:
    return ", ".join(f"{_name(ruleset, m.party)} ({m.party}) {percent_text(m.share)}" for m in arrangement.members)


def _name(ruleset, code: str) -> str:
    party = ruleset.providers.get(code) or ruleset.commissioners.get(code)
    return party.name if party else code


def _risk_words(arrangement, ruleset) -> list[str]:
    terms = arrangement.risk_reward
    settles = ", ".join(m.last_day.strftime("%-d %B %Y") for m in settlement_months(ruleset, terms.settlement))
    return [
        f"Risk and reward ({terms.settlement.replace('_', ' ')}), settled on {settles}: the pool is "
        f"{percent_text(terms.pool)} of the alliance's value for the months since the last settlement, and each KPI "
        "below stakes its weight of it (the stakes are rounded so they add up to the pool).",
        "Each KPI is measured as at the settlement date over the contract year to date, across the episodes of the "
        "provider members with the commissioner (a KPI's scope narrows that). A KPI at or above its target gains "
        "its stake; below its floor it costs its stake (pain); from the floor up to the target, nothing. The net, "
        "never more than the pool either way, is divided among the members by their shares to the penny: a gain "
        "is paid to each provider member, a pain recovered from it.",
        "A KPI whose denominator is below its minimum, or whose data cover fewer of the people in scope than its "
        f"completeness gate, is withheld pending data: it {NEITHER} at that settlement.",
    ]


def _members_table(arrangement, ruleset, schedule: Schedule) -> Table:
    year = schedule.members_to_date(schedule.months[-1])
    rows = [(m.party, _name(ruleset, m.party), _role(arrangement, m.party), percent_text(m.share), format_money(pence))
            for m, pence in zip(arrangement.members, year)]
    rows.append(("", "the alliance", "", "100%", format_money(sum(year))))
    return Table(("member", "name", "role", "share", "year"), tuple(rows))


def _role(arrangement, party: str) -> str:
    return "commissioner (keeps its share)" if party == arrangement.commissioner else "provider"


def _months_table(arrangement, schedule: Schedule) -> Table:
    rows = tuple((m.label, format_money(schedule.alliance(m)), *(format_money(p) for p in schedule.members(m)))
                 for m in schedule.months)
    return Table(("month", "alliance", *(m.party for m in arrangement.members)), rows)


def _pools_table(arrangement, ruleset, schedule: Schedule) -> Table:
    terms = arrangement.risk_reward
    rows = []
    for month in settlement_months(ruleset, terms.settlement):
        spanned = window(ruleset, terms.settlement, month)
        value = schedule.value_of(spanned)
        rows.append((month.last_day.isoformat(), f"{spanned[0]} to {spanned[-1]}", format_money(value),
                     format_money(pool_of(value, terms.pool))))
    return Table(("settlement", "months", "value", "pool"), tuple(rows))


def _kpi_table(arrangement) -> Table:
    """The measures table, with the alliance's reading of floor and target in place of a scale."""
    table = measures_table(arrangement.risk_reward.kpis)
    scope = "every person of the provider members with the commissioner"
    rows = tuple((*row[:2], row[2] if kpi.scope is not None else scope, *row[3:6], SCALE, *row[7:])
                 for row, kpi in zip(table.rows, arrangement.risk_reward.kpis))
    return Table(("KPI", *table.columns[1:6], "gain or pain", *table.columns[7:]), rows)
