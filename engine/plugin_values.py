"""What passes across the plugin contract: what the core hands an option's functions (the
contexts it prices and settles in) and what they hand back (lines and workings, schedule sections,
activity against plan). The functions themselves are specified in ``plugin_contract``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import polars as pl

from .measures.compute import MeasureInputs
from .periods import Month
from .reviews import review_segments
from .ruleset import Ruleset


@dataclass(frozen=True)
class PricingContext:
    """What an option's ``price`` function is given.

    ``episodes``: one row per checked episode (typed columns ``episode_id, patient_id, provider,
    commissioner, cluster, setting, service, start_date, end_date, stop, until`` plus every extra
    input column; ``stop`` is the exclusive end under the ruleset's day count, null while open;
    ``until`` is ``stop`` closed at the horizon).
    ``spans``: ``episode_id, span_start, span_stop`` - the days each episode owns once overlaps
    are resolved (half-open). ``reviews``: ``patient_id, provider, review_date`` from MHCT
    assessments dated before ``horizon``; ``assessments``: every usable assessment (or None).
    ``months``: the statement months, ascending. ``horizon``: the first day not priced (the day
    after the last statement month, or after the ruleset's period); open periods run to it.
    ``tables``: the checked rows of each optional input table given (by its name, as declared
    through ``localpay_input_tables``: ``budgets``, ``population``, ``returns``, a plugin's); a
    table not given is absent.
    """

    ruleset: Ruleset
    episodes: pl.DataFrame
    spans: pl.DataFrame
    reviews: pl.DataFrame
    assessments: pl.DataFrame | None
    months: tuple[Month, ...]
    horizon: dt.date
    tables: Mapping[str, pl.DataFrame] = field(default_factory=dict)

    @cached_property
    def review_segments(self) -> pl.DataFrame:
        """Every episode's days in and past its review period (``localpay.reviews``), computed
        once per run for all the options that need them."""
        return review_segments(self.episodes, self.reviews)

    def forget_review_segments(self) -> None:
        """Let the review segments' memory go once pricing is done; asked for again, they are
        made again."""
        self.__dict__.pop("review_segments", None)


@dataclass(frozen=True)
class SettlementContext:
    """What an option's ``settle`` function is given: everything priced so far."""

    ruleset: Ruleset
    lines: pl.DataFrame
    months: tuple[Month, ...]
    # what measures count from: checked episodes, usable assessments, the returns file
    data: "MeasureInputs | None" = None
    pricing: PricingContext | None = None  # what the options priced from (budgets, population too)


@dataclass(frozen=True)
class Priced:
    """Lines (``lines.PRICED_COLUMNS``) and exception rows (``lines.EXCEPTION_COLUMNS``; the
    ``row`` names the episode row) from one arrangement. The core sets the ``action`` of each
    exception about an episode: ``trimmed`` if the row still has lines, ``excluded`` if not; an
    exception about another input keeps the option's action (``flagged``, say), ``excluded`` if
    none."""

    lines: pl.DataFrame
    exceptions: pl.DataFrame | None = None
    # the workings behind the lines, by kind ("pathway_stages", "measures"): each a table with at
    # least ``arrangement, provider, commissioner, period``; written to ``<kind>.csv`` and shown
    # on the statement of that provider, commissioner and month
    details: dict[str, pl.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ScheduleSection:
    """An option's terms for the contract schedule: plain-English paragraphs and tables."""

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    own: bool = False  # the arrangement's option's own terms (set by the core, listed first)


@dataclass(frozen=True)
class ActivityRow:
    """Planned against actual activity for one line of an activity plan."""

    arrangement: str
    key: str  # e.g. "cluster 3"
    unit: str
    plan_month: Decimal  # planned units in the month: annual plan x days in month / days in year
    actual_month: int
    plan_to_date: Decimal
    actual_to_date: int


@dataclass(frozen=True)
class PlanRow:
    """One line of an arrangement's activity plan, for the schedule's chart of planned activity."""

    key: str  # what is planned, within the arrangement: "3" (a cluster)
    label: str  # the same standing alone: "cluster 3"
    unit: str  # what is counted: "day"
    planned: Decimal  # units a year
