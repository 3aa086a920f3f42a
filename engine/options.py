"""What a payment option declares, and the registry the core composes from all plugins.

A plugin *declares* an option; the core composes the declarations, validates them and refuses
two options with one name. Options are kept in a dict keyed by name and used in ruleset order,
so the order in which plugins answer a hook never decides money.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import polars as pl

from .errors import PluginError
from .measures.compute import MeasureInputs
from .periods import Month
from .reviews import review_segments
from .ruleset import Arrangement, Ruleset


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
    ``budgets``, ``population``: the checked budgets and population files (``localpay.budgets``),
    or None when not given.
    """

    ruleset: Ruleset
    episodes: pl.DataFrame
    spans: pl.DataFrame
    reviews: pl.DataFrame
    assessments: pl.DataFrame | None
    months: tuple[Month, ...]
    horizon: dt.date
    budgets: pl.DataFrame | None = None  # the checked budgets file (``localpay.budgets``), if given
    population: pl.DataFrame | None = None  # the checked population file, if given

    @cached_property
    def review_segments(self) -> pl.DataFrame:
        """Every episode's days in and past its review period (``localpay.reviews``), computed
        once per run for all the options that need them."""
        return review_segments(self.episodes, self.reviews)


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
class PaymentOption:
    """A payment option, as a plugin declares it from ``localpay_payment_options``.

    ``parameters``: the pydantic model (a subclass of ``Arrangement``) for the arrangement block.
    ``price(arrangement, PricingContext) -> Priced``: lines per episode.
    ``settle(arrangement, SettlementContext) -> Priced``: contract-level lines computed from the
    lines already priced (run after every ``price``).
    ``describe(arrangement, Ruleset) -> ScheduleSection``: the option's terms for the schedule.
    ``activity(arrangement, lines, statement_month, months) -> [ActivityRow]``: plan against actual.
    ``check([(index, arrangement)], Ruleset) -> [(path, message)]``: checks across arrangements.
    ``needs_from(arrangement, Ruleset, Month) -> Month``: where a run that would start at the
    given month must start instead (a settlement sums over earlier months); the run extends its
    year to date back to it.
    ``planned(arrangement, Ruleset) -> Decimal | None``: the arrangement's expected annual value
    (from its activity plan, or its fixed value), for the schedule's expected contract value.
    ``timing(arrangement, Ruleset) -> str``: when its money is paid, in plain English.
    """

    name: str
    summary: str
    parameters: type[Arrangement]
    describe: Callable[[Arrangement, Ruleset], ScheduleSection]
    price: Callable[[Arrangement, PricingContext], Priced] | None = None
    settle: Callable[[Arrangement, SettlementContext], Priced] | None = None
    activity: Callable[..., Sequence[ActivityRow]] | None = None
    check: Callable[..., list[tuple[tuple, str]]] | None = None
    needs_from: Callable[..., Month] | None = None
    planned: Callable[..., Decimal | None] | None = None
    timing: Callable[..., str] | None = None
    # whether the option's lines are activity delivered, which a risk share can count as its
    # actual (False for payments that are not activity: a block, an incentive, a share)
    delivers_activity: bool = True
    # whether the option is an incentive paid on other arrangements' value (outcomes, CQUIN):
    # another incentive cannot be a percentage of it, its value is not counted
    incentive: bool = False
    plugin: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise PluginError(f"payment option name {self.name!r} must be a plain identifier")
        if self.price is None and self.settle is None:
            raise PluginError(f"payment option {self.name!r} declares neither price nor settle")
        if not (isinstance(self.parameters, type) and issubclass(self.parameters, Arrangement)):
            raise PluginError(f"payment option {self.name!r}: parameters must subclass localpay.Arrangement")


def compose_options(declared: list[list[PaymentOption]]) -> dict[str, PaymentOption]:
    """Gather every plugin's declarations; two options with one name are refused, not renamed."""
    options: dict[str, PaymentOption] = {}
    for declarations in declared:
        for option in declarations or ():
            if not isinstance(option, PaymentOption):
                raise PluginError(f"localpay_payment_options returned {option!r}, not a PaymentOption")
            owner = option.plugin or option.parameters.__module__
            if option.name in options:
                first = options[option.name].plugin
                raise PluginError(f"two plugins declare the payment option {option.name!r}: {first} and {owner}")
            options[option.name] = replace(option, plugin=owner)
    return dict(sorted(options.items()))

