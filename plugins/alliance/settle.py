"""An alliance's lines and workings, month by month.

Each statement month, every provider member has a payable ``month`` line: its share of the
alliance's value (``money``). At a settlement month (every third month of the contract
and its last, or only its last) each provider member whose part of the net is not zero has a
``gain`` line (positive) or a ``pain`` line (negative, a recovery) for the months settled. A
commissioner member has no lines: it keeps its share of the value and of a gain, and bears its
share of a pain; the workings show those beside the providers'.

The ``alliance`` details give, for every provider member and month, its share and amounts beside
the whole alliance's (month and year to date), and at a settlement the pool, the alliance's net
gain or pain and the member's part. The KPIs go to the ``measures`` details, as at each
settlement and, indicatively, at the last statement month.
"""

from __future__ import annotations

import polars as pl

from localpay.plugin import (MEASURE_DETAILS, Month, Priced, format_money, from_contract_start, lines_frame,
                             payment_line, percent_text, settlement_months)

from .money import Schedule
from .risk import Measuring, kpi_details, measure_kpis, pool_words

ALLIANCE_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "share": pl.String, "member_amount": pl.Int64, "alliance_amount": pl.Int64,
    "member_year_amount": pl.Int64, "alliance_year_amount": pl.Int64,
    "commissioner_retained_amount": pl.Int64,  # the commissioner member's share of the month, if it is one
    "settlement": pl.String, "pool_amount": pl.Int64, "alliance_risk_amount": pl.Int64,
    "member_risk_amount": pl.Int64, "commissioner_risk_amount": pl.Int64, "note": pl.String,
}


def settle(arrangement, context) -> Priced:
    """The alliance's lines, and its ``alliance`` and ``measures`` details."""
    schedule = Schedule.of(arrangement, context.ruleset)
    terms = arrangement.risk_reward
    settles = set(settlement_months(context.ruleset, terms.settlement)) if terms else set()
    lines, rows, kpis = [], [], []
    for month in context.months:
        settled = None
        if terms is not None and (month in settles or month == context.months[-1]):
            measuring = measure_kpis(arrangement, context, schedule, month, month in settles)
            kpis.append(kpi_details(arrangement, measuring, arrangement.providers))
            settled = measuring if measuring.settling else None
        lines += _month_lines(arrangement, schedule, month)
        if settled is not None:
            lines += _risk_lines(arrangement, settled)
        rows += _detail_rows(arrangement, schedule, month, settled)
    details = {"alliance": pl.DataFrame(rows, schema=ALLIANCE_DETAILS, orient="row")}
    if terms is not None:
        details["measures"] = pl.concat(kpis) if kpis else pl.DataFrame(schema=MEASURE_DETAILS)
    return Priced(lines_frame(lines), details=details)


def needs_from(arrangement, ruleset, first: Month) -> Month:
    """A settlement covers the months since the last one: with risk and reward, a run prices from
    the contract's start, so its statements show every settlement of the year to date."""
    return from_contract_start(arrangement, ruleset, first) if arrangement.risk_reward else first


def _members(arrangement, amounts: list[int]):
    """(member, amount) for each provider member, and the commissioner member's amount (or None)."""
    pairs = list(zip(arrangement.members, amounts))
    retained = next((a for m, a in pairs if m.party == arrangement.commissioner), None)
    return [(m, a) for m, a in pairs if m.party != arrangement.commissioner], retained


def _month_lines(arrangement, schedule: Schedule, month: Month) -> list[dict]:
    providers, _ = _members(arrangement, schedule.members(month))
    to_date = dict(zip((m.party for m in arrangement.members), schedule.members_to_date(month)))
    out = []
    for member, pence in providers:
        earlier = to_date[member.party] - pence
        less = f", less {format_money(earlier)} in earlier months" if earlier else ""
        alliance, month_value = format_money(schedule.alliance_to_date(month)), format_money(schedule.alliance(month))
        note = (f"{percent_text(member.share)} of the alliance: its share of {alliance} to date is "
                f"{format_money(to_date[member.party])}{less} (the alliance's month: {month_value})")
        out.append(payment_line(arrangement=arrangement, provider=member.party, month=month, unit="month", pence=pence,
                                note=note))
    return out


def _risk_lines(arrangement, settled: Measuring) -> list[dict]:
    providers, _ = _members(arrangement, settled.members(arrangement.shares))
    words = (f"settlement {settled.span}: {settled.summary() or 'no KPI scored'}; net {format_money(settled.net)} of a "
             f"{pool_words(settled, arrangement.risk_reward.pool)}")
    out = []
    for member, pence in providers:
        if pence == 0:
            continue
        unit = "gain" if pence > 0 else "pain"
        reason = (f"pain share: the alliance's KPIs cost {format_money(-settled.net)}, of which this member bears "
                  f"{percent_text(member.share)}" if pence < 0 else None)
        out.append(payment_line(arrangement=arrangement, provider=member.party, month=settled.month, unit=unit,
                                pence=pence, reason=reason, note=f"{words}; {percent_text(member.share)} share",
                                start=settled.window[0].start))
    return out


def _detail_rows(arrangement, schedule: Schedule, month: Month, settled: Measuring | None) -> list[tuple]:
    providers, retained = _members(arrangement, schedule.members(month))
    year, _ = _members(arrangement, schedule.members_to_date(month))
    risk, risk_retained = _members(arrangement, settled.members(arrangement.shares)) if settled else ([], None)
    risk_of = {m.party: a for m, a in risk}
    rows = []
    for (member, pence), (_, to_date) in zip(providers, year):
        rows.append((
            arrangement.id, member.party, arrangement.commissioner, month.label, percent_text(member.share), pence,
            schedule.alliance(month), to_date, schedule.alliance_to_date(month), retained,
            settled.span if settled else None, settled.pool if settled else None, settled.net if settled else None,
            risk_of.get(member.party), risk_retained if settled else None,
            settled.summary() if settled else None,
        ))
    return rows
