"""An alliance's risk and reward at one measuring: the shared KPIs scored as gain or pain.

Each KPI is measured as at the last day of the month over the contract year to date, across the
alliance's provider members with its commissioner (the KPI's scope can only narrow that). Its
stake is its weight of the window's pool. At or above its target it *gains* its stake; below
its floor it costs its stake (*pain*); from the floor up to the target, nothing. A KPI withheld
pending data (too small a denominator, or below its completeness gate) counts neither, and is not
carried to the next settlement: the pool is a measure of the risk shared, not money set aside.
The net, gain less pain, lies between minus the pool and the pool, because the stakes add up to
it; it is divided among the members by their shares.

In the ``measures`` details (the statement's measures table) a gain shows as achievement 100% and
earned its stake, a pain as -100% and minus its stake.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl

from localpay.plugin import (MEASURE_DETAILS, Month, Score, Staked, format_money, measure, measure_detail, percent_text,
                             window)

from .money import Schedule, pool_of, split

SCALE = "gain at target, pain below floor"
NEITHER = "counts neither gain nor pain"


@dataclass(frozen=True)
class KpiResult:
    score: Score
    stake: int  # pence: the KPI's weight of the pool

    @property
    def effect(self) -> str:
        """gain, pain, none (between floor and target) or withheld."""
        if not self.score.scored:
            return "withheld"
        kpi = self.score.measure
        # a scored KPI has its rate, and every alliance KPI a floor and a target (Kpi)
        assert self.score.rate is not None and kpi.floor is not None and kpi.target is not None
        if self.score.rate >= kpi.target:
            return "gain"
        return "pain" if self.score.rate < kpi.floor else "none"

    @property
    def amount(self) -> int:
        return {"gain": self.stake, "pain": -self.stake}.get(self.effect, 0)

    def staked(self) -> Staked:
        """As the incentive options' details show a measure: achievement 1, -1 or 0 of the stake."""
        sign = {"gain": 1, "pain": -1}.get(self.effect, 0)
        score = replace(self.score, achievement=Decimal(sign)) if self.score.scored else self.score
        return Staked(score, self.stake, 0)


@dataclass(frozen=True)
class Measuring:
    """The KPIs as at the end of ``month`` over ``window`` (the months since the last settlement);
    ``settling``: whether ``month`` settles them (else they are indicative)."""

    month: Month
    window: tuple[Month, ...]
    settling: bool
    value: int  # the window's instalments
    pool: int
    results: tuple[KpiResult, ...]

    @property
    def gain(self) -> int:
        return sum(r.amount for r in self.results if r.amount > 0)

    @property
    def pain(self) -> int:
        return -sum(r.amount for r in self.results if r.amount < 0)

    @property
    def net(self) -> int:
        return self.gain - self.pain

    def members(self, shares) -> list[int]:
        return split(self.net, shares)

    @property
    def span(self) -> str:
        return f"{self.window[0]} to {self.window[-1]}" if len(self.window) > 1 else str(self.window[0])

    def summary(self) -> str:
        """The KPIs' verdicts in words, for notes."""
        by = {effect: [r.score.measure.id for r in self.results if r.effect == effect]
              for effect in ("gain", "pain", "none", "withheld")}
        parts = [f"gain {format_money(self.gain)} ({', '.join(by['gain'])})" if by["gain"] else "",
                 f"pain {format_money(self.pain)} ({', '.join(by['pain'])})" if by["pain"] else "",
                 f"between floor and target: {', '.join(by['none'])}" if by["none"] else "",
                 f"withheld pending data: {', '.join(by['withheld'])}" if by["withheld"] else ""]
        return "; ".join(p for p in parts if p)


def measure_kpis(arrangement, context, schedule: Schedule, month: Month, settling: bool) -> Measuring:
    terms = arrangement.risk_reward
    spanned = window(context.ruleset, terms.settlement, month)
    value = schedule.value_of(spanned)
    pool = pool_of(value, terms.pool)
    stakes = split(pool, [k.weight for k in terms.kpis])
    members, start = tuple(arrangement.providers), context.ruleset.period.start

    def scored(kpi):
        return measure(kpi, context.data, members, arrangement.commissioner, start, month.last_day)

    results = tuple(KpiResult(scored(kpi), stake) for kpi, stake in zip(terms.kpis, stakes))
    return Measuring(month, spanned, settling, value, pool, results)


def kpi_details(arrangement, measuring: Measuring, providers: list[str]) -> pl.DataFrame:
    """The KPIs in ``MEASURE_DETAILS``, once for each provider member (each statement shows them)."""
    rows = [measure_detail(arrangement, measuring.month, r.staked(), measuring.settling) for r in measuring.results]
    frame = pl.DataFrame(rows, schema=MEASURE_DETAILS, orient="row").with_columns(
        scale=pl.lit(SCALE),
        note=pl.when(pl.col("status") == "scored").then(pl.col("note"))
        .otherwise(pl.concat_str(pl.col("note"), pl.lit(f"; {NEITHER}"))),
    )
    return pl.concat([frame.with_columns(provider=pl.lit(p)) for p in providers]).select(list(MEASURE_DETAILS))


def pool_words(measuring: Measuring, percent: Decimal) -> str:
    return (f"{format_money(measuring.pool)} pool ({percent_text(percent)} of the alliance's "
            f"{format_money(measuring.value)} for {measuring.span})")
