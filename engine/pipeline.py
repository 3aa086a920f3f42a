"""The run: inputs -> checks -> overlaps -> pricing -> settlement -> reconciliation -> statements.

Every episode row read ends up in a payment line or in the exceptions report, and the run's
summary proves it: rows read = rows priced + rows excepted.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import reconcile
from .contract_year import check_within
from .errors import LocalpayError, MoneyError, PluginError
from .inputs.assessments import read_assessments, reviews_of
from .inputs.episodes import check_episodes, parse_episodes, read_episodes
from .inputs.overlaps import resolve_overlaps
from .inputs.columns import as_headed
from .inputs.reading import ReadOptions, TableOptions, malformed_rows, mapped_headers, reading
from .inputs.read_options import read_tables
from .inputs.sheetfile import name_cells, sheets_read
from .inputs.tables import InputTable, given
from .lines import (EXCEPTION_ORDER, LINE_ORDER, conform_exceptions, empty_exceptions, empty_lines, finalise_lines,
                    shadowed)
from .manager import Plugins
from .measures.compute import MeasureInputs
from .money import MAX_AMOUNT_PENCE, format_money, money_total, out_of_range
from .plugin_values import PricingContext, SettlementContext
from .periods import Month, statement_months
from .rules.apply import Outcomes, on_lines
from .rules.columns import typed_columns
from .rules.evaluate import Evaluator
from .rules.stage import rules_stage
from .ruleset import Ruleset

Progress = Callable[[str], None]
DETAIL_KEYS = ("arrangement", "provider", "commissioner", "period")


@dataclass(frozen=True)
class Inputs:
    """What a run reads, and how it evaluates the local rules.

    ``episodes``: the episodes file (CSV, Parquet or .xlsx). ``assessments``: the assessments file, if
    any (MHCT rows are cluster reviews). ``tables``: the optional input tables by name (the
    names plugins declare through ``localpay_input_tables``), a name given None being not given.
    ``evaluator``: ``polars`` (every rule columnar, a sample of people cross-checked in
    durable-rules) or ``durable`` (every rule through durable-rules). ``encoding``: the text
    encoding of every CSV file given whose table the ruleset declares none for. ``columns``: a
    preset (``--columns``) mapping the columns of each file whose table the ruleset maps none
    for. ``own_columns``: the files were written by localpay (a ruleset test case's) in its own
    columns and UTF-8, so the ruleset's ``inputs:`` reading options are not applied.
    """

    episodes: Path
    assessments: Path | None = None
    tables: Mapping[str, Path | None] = field(default_factory=dict)
    evaluator: Evaluator = "polars"
    encoding: str = "utf-8"
    columns: str | None = None
    own_columns: bool = False


@dataclass
class RunResult:
    ruleset: Ruleset
    period: Month
    months: tuple[Month, ...]
    lines: pl.DataFrame
    exceptions: pl.DataFrame
    summary: dict
    inputs: dict[str, Path | None]
    context: PricingContext  # what the options priced from: checked episodes, spans, reviews
    parsed: pl.DataFrame  # every input row, typed, with the text it came from
    timings: dict[str, float] = field(default_factory=dict)
    outcomes: Outcomes | None = None  # each matched episode's rule plan
    rule_stats: dict = field(default_factory=dict)
    details: dict[str, pl.DataFrame] = field(default_factory=dict)  # the options' workings, by kind
    asked_from: Month | None = None  # the first month asked for, when a settlement needed earlier ones


class _Clock:
    def __init__(self, progress: Progress | None):
        self.timings: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def stage(self, name: str, announce: bool = True):
        if self.progress and announce:
            self.progress(name)
        started = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


def run(ruleset: Ruleset, plugins: Plugins, inputs: Inputs, period: Month, from_period: Month | None = None,
        progress: Progress | None = None) -> RunResult:
    """Price ``inputs`` under ``ruleset`` for ``period``, the year to date from ``from_period``
    (or the period alone); ``progress`` is told each stage's name as it starts."""
    check_within(ruleset, period, from_period)
    asked = statement_months(period, from_period)
    months = statement_months(period, _needed_from(ruleset, asked[0]))
    horizon = _horizon(ruleset, months)
    clock = _Clock(progress)
    years = ruleset.settings.data_years
    with reading(ReadOptions(inputs.encoding, (years.first, years.last), read_tables(ruleset, inputs))), \
            sheets_read() as sheets:
        with clock.stage("load"):
            with malformed_rows() as malformed:
                raw = read_episodes(inputs.episodes)
            assessments = (read_assessments(inputs.assessments, list(ruleset.providers), _items(ruleset))
                           if inputs.assessments else None)
            declared = plugins.input_tables
            tables = {name: (path, *_read_table(declared[name], path))
                      for name, path in given(declared, inputs.tables).items()}
        with clock.stage("check"):
            parsed = typed_columns(parse_episodes(raw, ruleset.settings.day_count), ruleset.rulebook)
            found = pl.concat([check_episodes(parsed, plugins.episode_checks(ruleset)), *malformed])
            valid = parsed.join(found.select("row").unique(), on="row", how="anti").drop(
                [c for c in parsed.columns if c.startswith("_text_")]
            ).with_columns(until=pl.min_horizontal(pl.col("stop").fill_null(horizon), pl.lit(horizon)))
            usable_assessments = assessments.usable if assessments else None
            assessment_exceptions = assessments.exceptions if assessments else empty_exceptions()
            usable, table_exceptions = _check_tables(ruleset, declared, tables)
            reviews = reviews_of(usable_assessments, horizon)
            headers = mapped_headers()
    with clock.stage("rules"):
        rules = rules_stage(ruleset, valid, reviews, inputs.evaluator)
        valid = rules.kept
    with clock.stage("overlaps"):
        spans, overlaps = resolve_overlaps(valid)
        no_days = reconcile.no_days(valid, ruleset.settings.day_count)
    context = PricingContext(ruleset, valid, spans, reviews, usable_assessments, months, horizon, usable)
    details: dict[str, list[pl.DataFrame]] = {}
    with clock.stage("price"):
        lines, priced_exceptions = _price(ruleset, context, details)
        lines = shadowed(on_lines(lines, rules.outcomes), [a.id for a in ruleset.arrangements if a.shadow])
        context.forget_review_segments()  # priced: their memory is the later stages' (made again if asked)
    with clock.stage("settle"):
        data = MeasureInputs(valid, usable_assessments, usable.get("returns", MeasureInputs.empty_returns()))
        lines, settled_exceptions = _settle(ruleset, lines, context, data, details)
        data.cuts.clear()
    with clock.stage("account"):
        plugin_exceptions = reconcile.settle_actions(pl.concat([priced_exceptions, settled_exceptions]), lines)
        exceptions = pl.concat([found, rules.excluded, rules.flagged, no_days, overlaps, plugin_exceptions])
        exceptions = pl.concat([exceptions, reconcile.unaccounted(parsed, lines, exceptions, spans, months, horizon, ruleset)])
        # sorted lazily: the query engine's sort of these many keys costs a quarter less
        exceptions = pl.concat([exceptions, assessment_exceptions, *table_exceptions]).lazy().sort(EXCEPTION_ORDER).collect()
        exceptions = as_headed(exceptions, headers)
        exceptions = name_cells(exceptions, sheets)  # a workbook's rows: the cell, beside row and column
        lines = lines.lazy().sort(LINE_ORDER, nulls_last=True).collect()
        summary = reconcile.summary(parsed, lines, exceptions, assessments, sum(m.height for m in malformed))
        for name, (_, raw, bad) in tables.items():
            read = raw.height + bad.height
            summary[name] = {"rows_read": read, "rows_used": usable[name].height,
                             "rows_excepted": read - usable[name].height}
    with clock.stage("cross-check", announce=False):
        rules.confirm()  # the cross-check ran beside pricing: a disagreement stops the run here
    files = {"episodes": Path(inputs.episodes), "assessments": Path(inputs.assessments) if inputs.assessments else None,
             **{name: path for name, (path, *_) in tables.items()}}
    return RunResult(ruleset, period, months, lines, exceptions, summary, files, context, parsed, clock.timings,
                     rules.outcomes, rules.stats, _gather(details), asked[0] if months != asked else None)


def _read_table(table: InputTable, path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A table's rows as its declaration reads them, and its malformed records' exception entries."""
    with malformed_rows() as malformed:
        raw = table.read(path)
    return raw, pl.concat(malformed) if malformed else empty_exceptions()


def _check_tables(ruleset: Ruleset, declared: Mapping[str, InputTable],
                  tables: dict) -> tuple[dict[str, pl.DataFrame], list[pl.DataFrame]]:
    """Each table given, checked row by row against the ruleset's parties its declaration names;
    its malformed records are bad rows too."""
    usable, exceptions = {}, []
    for name, (_, raw, malformed) in tables.items():
        table = declared[name]
        usable[name], found = table.check(raw, list(getattr(ruleset, table.parties)))
        exceptions += [found, malformed]
    return usable, exceptions


def _items(ruleset: Ruleset) -> set[int]:
    """The HoNOS items the run's arrangements read (indicators see the assessments without them)."""
    items: set[int] = set()
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        if option.assessment_items is not None:
            items.update(option.assessment_items(arrangement))
    return items


def _needed_from(ruleset: Ruleset, asked: Month) -> Month:
    """The first month to price: the one asked for, or earlier if an option's settlement sums
    over months of the year before it."""
    first = asked
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        if option.needs_from is not None:
            first = min(first, option.needs_from(arrangement, ruleset, asked))
    return max(first, Month.of(ruleset.period.start))


def _gather(details: dict[str, list[pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    return {kind: pl.concat(frames, how="diagonal_relaxed").sort("arrangement", "provider", "commissioner", "period",
                                                                  maintain_order=True)
            for kind, frames in sorted(details.items())}


def _horizon(ruleset: Ruleset, months: tuple[Month, ...]) -> dt.date:
    """The first day not priced: the end of the last statement month, or of the ruleset."""
    contract = ruleset.period
    for month in months:
        if month.last_day < contract.start or month.start > contract.end:
            raise LocalpayError(
                f"the period {month} is outside the ruleset's period ({contract.start} to {contract.end})"
            )
    return min(months[-1].stop, contract.end + dt.timedelta(days=1))


def _price(ruleset: Ruleset, context: PricingContext, details: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    lines, exceptions = [empty_lines()], [empty_exceptions()]
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        if option.price is not None:
            with _bounded(arrangement):
                _take(option, option.price(arrangement, context), lines, exceptions, details)
    priced = pl.concat(lines)
    money_total(priced, "the priced lines")
    return priced, pl.concat(exceptions)


@contextmanager
def _bounded(arrangement):
    """An integer overflow in an option's arithmetic (a Python int too large for a frame's 64-bit
    column, say) stops the run with an error naming the arrangement, never a traceback."""
    try:
        yield
    except OverflowError as error:
        raise MoneyError(f"arrangement {arrangement.id!r}: a figure is too large to compute ({error}); money is "
                         f"computed only within {format_money(MAX_AMOUNT_PENCE)}; nothing was written") from None
    except pl.exceptions.PolarsError as error:
        if "overflow" not in str(error) and "from `i128`" not in str(error):  # a wrapped figure, refused
            raise
        raise MoneyError(f"arrangement {arrangement.id!r}: a figure is too large to compute ({str(error).splitlines()[0]}); "
                         f"money is computed only within {format_money(MAX_AMOUNT_PENCE)}; nothing was written") from None


def _settle(ruleset: Ruleset, lines: pl.DataFrame, pricing: PricingContext, data: MeasureInputs,
            details: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contract-level lines, in ruleset order: each settlement sees every line before it."""
    done, exceptions = [lines], [empty_exceptions()]
    # every line so far, each taken positive, stays within the bound: so any sum a settlement
    # takes of them fits in 64 bits
    running = money_total(lines, "the priced lines")
    for arrangement in ruleset.arrangements:
        option = ruleset.option_of(arrangement)
        if option.settle is not None:
            context = SettlementContext(ruleset, pl.concat(done), pricing.months, data, pricing)
            with _bounded(arrangement):
                _take(option, option.settle(arrangement, context), done, exceptions, details)
            running += money_total(done[-1], f"arrangement {arrangement.id!r}")
            if running > MAX_AMOUNT_PENCE:
                raise MoneyError(out_of_range("the sum of the run's lines", format_money(running)))
    return pl.concat(done), pl.concat(exceptions)


def _take(option, priced, lines: list, exceptions: list, details: dict) -> None:
    who = f"option {option.name!r} ({option.plugin})"
    lines.append(finalise_lines(priced.lines, who))
    if priced.exceptions is not None:
        exceptions.append(conform_exceptions(priced.exceptions))
    for kind, frame in (priced.details or {}).items():
        missing = [c for c in DETAIL_KEYS if c not in frame.columns]
        if missing:
            raise PluginError(f"{who} returned {kind} details without the columns: {', '.join(missing)}")
        details.setdefault(kind, []).append(frame)
