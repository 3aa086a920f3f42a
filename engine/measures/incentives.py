"""Incentives: money at stake on measures, paid on account month by month and reconciled at
settlement dates against achievement (what outcomes-based payments and CQUIN share, and any
plugin's incentive can use).

For each statement month the option may write three kinds of contract-level line:

- ``withheld``: in withhold mode, the month's pot taken off the named arrangements (negative);
- ``on account``: the month's payment on account;
- ``settlement``: at a settlement date, what the window's pot earned on the measures as at that
  date, less what was paid on account in the window (negative: a recovery). A measure withheld
  pending data adds a ``held`` line for the money it has at stake, and that money is carried to
  the next settlement, where it is earned as the measure then scores.

Everything is recomputed from the start of the contract on every run, never remembered: the
on-account payments a settlement deducts and the money carried to it come from the same data.

The measures are also measured at the end of the statement month itself, so a statement shows
progress between settlements; those figures are indicative and pay nothing.

An incentive's arrangement has a ``provider``, a ``commissioner``, a ``settlement``
(``quarterly`` or ``year_end``) and an ``on_account`` share; how its money moves is its
``IncentiveTerms``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from ..contract_year import settlement_months, window
from ..lines import lines_frame, payment_line
from ..money import format_money, pence_to_decimal, pounds_to_pence, round_half_up
from ..periods import Month
from ..ruleset.types import percent_text
from .compute import measure
from .score import Score, shown

MEASURE_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "as_of": pl.Date, "kind": pl.String, "measure": pl.String, "title": pl.String, "indicator": pl.String,
    "numerator": pl.Int64, "denominator": pl.Int64, "in_scope": pl.Int64, "rate": pl.String,
    "completeness": pl.String, "floor": pl.String, "target": pl.String, "scale": pl.String,
    "weight": pl.String, "achievement": pl.String, "at_stake": pl.Int64, "earned": pl.Int64,
    "status": pl.String, "note": pl.String,
}


@dataclass(frozen=True)
class IncentiveTerms:
    """How one incentive's money moves, month by month (all pence):

    ``pot(month)``: the month's share of the pot; ``withheld(month)``: taken off the named
    arrangements that month; ``on_account(month)``: paid on account; ``earnable(window)``: the
    pot a settlement scores over (the months since the last settlement); ``on_account_basis``:
    how the payment on account is worked out, in words, for a month.
    """

    pot: Callable[[Month], int]
    withheld: Callable[[Month], int]
    on_account: Callable[[Month], int]
    earnable: Callable[[tuple[Month, ...]], int]
    on_account_basis: Callable[[Month], str]


def value_of(lines: pl.DataFrame, arrangement, names: list[str], month: Month) -> int:
    """What the named arrangements pay the same provider and commissioner in the month."""
    mine = lines.filter(
        pl.col("arrangement").is_in(names) & (pl.col("provider") == arrangement.provider)
        & (pl.col("commissioner") == arrangement.commissioner) & (pl.col("period") == month.label)
        & (pl.col("status") == "payable")
    )
    return int(mine["amount"].sum())


def share_of(pence: int, fraction: Decimal) -> int:
    return round_half_up(Decimal(pence) * fraction)


def planned_of(ruleset, names: list[str], fraction: Decimal) -> Decimal | None:
    """A percentage of the named arrangements' expected annual value, if each has one."""
    values = []
    for name in names:
        other = ruleset.arrangement(name)
        option = ruleset.option_of(other)
        value = option.planned(other, ruleset) if option.planned else None
        if value is None:
            return None
        values.append(value)
    return pence_to_decimal(share_of(pounds_to_pence(sum(values, Decimal(0))), fraction))


def timing_words(arrangement, ruleset, words: str) -> str:
    """When an incentive's money moves: on account monthly, settled at its dates."""
    dates = ", ".join(m.last_day.strftime("%-d %B %Y") for m in settlement_months(ruleset, arrangement.settlement))
    monthly = (f"{percent_text(arrangement.on_account)} on account monthly"
               if arrangement.on_account else "nothing on account")
    return f"{words}: {monthly}; settled on {dates}, in the statement for that month."


@dataclass(frozen=True)
class Staked:
    """A measure's money at one measuring: its weight of the window's pot (``share``), plus what
    was held for it pending data at earlier settlements (``carried``)."""

    score: Score
    share: int
    carried: int

    @property
    def stake(self) -> int:
        return self.share + self.carried

    @property
    def earned(self) -> int:
        if not self.score.scored:
            return 0
        assert self.score.achievement is not None  # only a withheld measure has none (score)
        return share_of(self.stake, self.score.achievement)


def settle_incentive(arrangement, context, terms: IncentiveTerms, measures, clause_words: str):
    """Lines and measure details (``MEASURE_DETAILS``) for every statement month. The run must
    price from the contract's start: the option's ``needs_from`` is ``from_contract_start``."""
    lines, details = [], []
    settles = set(settlement_months(context.ruleset, arrangement.settlement))
    carried = {m.id: 0 for m in measures}
    for month in context.months:
        pot = terms.pot(month)
        withheld = terms.withheld(month)
        if withheld:
            lines.append(payment_line(
                arrangement=arrangement, month=month, unit="withheld", pence=-withheld,
                reason=f"{clause_words} withheld from the month's value, earned back on achievement",
                note=f"pot {format_money(pot)}"))
        paid = terms.on_account(month)
        if paid:
            lines.append(payment_line(arrangement=arrangement, month=month, unit="on account", pence=paid,
                                      note=f"on account: {terms.on_account_basis(month)}"))
        settling = month in settles
        if not (settling or month == context.months[-1]):
            continue
        spanned = window(context.ruleset, arrangement.settlement, month)
        earnable = terms.earnable(spanned)
        staked = [Staked(measure(m, context.data, arrangement.provider, arrangement.commissioner,
                                 context.ruleset.period.start, month.last_day), share_of(earnable, m.weight), carried[m.id])
                  for m in measures]
        details += [measure_detail(arrangement, month, s, settling) for s in staked]
        if settling:
            lines += _settlement(arrangement, month, spanned, staked, earnable, terms, clause_words)
            carried = {s.score.measure.id: 0 if s.score.scored else s.stake for s in staked}
    frame = lines_frame(lines)
    table = pl.DataFrame(details, schema=MEASURE_DETAILS, orient="row") if details else pl.DataFrame(schema=MEASURE_DETAILS)
    return frame, table


def _settlement(arrangement, month, spanned, staked: list[Staked], earnable: int, terms: IncentiveTerms,
                words: str) -> list:
    earned = sum(s.earned for s in staked)
    paid = sum(terms.on_account(m) for m in spanned)
    carried = sum(s.carried for s in staked)
    if earnable == 0 and paid == 0 and carried == 0:
        return []  # nothing was at stake and nothing paid: no line to settle
    span = f"{spanned[0]} to {spanned[-1]}" if len(spanned) > 1 else str(spanned[0])
    net = earned - paid
    reason = (f"recovery: {words} earned {format_money(earned)} is less than the {format_money(paid)} paid on account"
              if net < 0 else None)
    held_before = f" and {format_money(carried)} held at earlier settlements" if carried else ""
    note = (f"settlement {span}: earned {format_money(earned)} of {format_money(earnable)} at stake{held_before}, "
            f"less {format_money(paid)} on account")
    out = [payment_line(arrangement=arrangement, month=month, unit="settlement", pence=net, reason=reason, note=note,
                        start=spanned[0].start)]
    for s in staked:
        if not s.score.scored and s.stake:
            more = f" and {format_money(s.carried)} held before" if s.carried else ""
            out.append(payment_line(
                arrangement=arrangement, month=month, unit="measure held", pence=s.stake, status="held",
                reason=f"withheld pending data: {s.score.withheld}", start=spanned[0].start,
                note=f"measure {s.score.measure.id}: {percent_text(s.score.measure.weight)} of "
                     f"{format_money(earnable)}{more}; carried to the next settlement"))
    return out


def measure_detail(arrangement, month: Month, staked: Staked, settling: bool) -> tuple:
    """A row of ``MEASURE_DETAILS``: the measure as at the end of ``month``, at a settlement or
    indicatively between settlements."""
    s, m = staked.score, staked.score.measure
    floor, target = m.thresholds
    note = s.withheld or s.count.note or None
    if staked.carried:
        carried = f"at stake includes {format_money(staked.carried)} held at earlier settlements"
        note = "; ".join(filter(None, [note, carried]))
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, month.last_day,
            "settlement" if settling else "indicative", m.id, m.label, m.indicator, s.count.numerator,
            s.count.denominator, s.count.in_scope, shown(s.rate), shown(s.completeness),
            percent_text(floor) if floor is not None else "", percent_text(target) if target is not None else "",
            m.scale, percent_text(m.weight), shown(s.achievement), staked.stake, staked.earned,
            "scored" if s.scored else "withheld pending data", note)
