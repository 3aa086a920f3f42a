"""The plugin contract for payment options: what an option declares (``PaymentOption``, its
functions specified as protocols), and the registry the core composes from all plugins.

A plugin *declares* an option; the core composes the declarations, validates them and refuses
two options with one name. Options are kept in a dict keyed by name and used in ruleset order,
so the order in which plugins answer a hook never decides money. The values the functions are
given and return are in ``plugin_values``.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

import polars as pl

from .errors import PluginError
from .measures.model import Measure
from .periods import Month
from .plugin_values import ActivityRow, PlanRow, Priced, PricingContext, ScheduleSection, SettlementContext
from .ruleset import Arrangement, Ruleset


class PriceFunction(Protocol):
    """An option's ``price``: payment lines for the episodes, run before any ``settle``."""

    def __call__(self, arrangement: Arrangement, context: PricingContext, /) -> Priced:
        """Price one arrangement's episodes.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param context: the checked episodes, the days each owns, reviews, assessments, the
            statement months and the horizon (a :class:`PricingContext`).
        :return: the lines (``lines.PRICED_COLUMNS``), exceptions and workings.
        """


class SettleFunction(Protocol):
    """An option's ``settle``: contract-level lines, in ruleset order, after every ``price``."""

    def __call__(self, arrangement: Arrangement, context: SettlementContext, /) -> Priced:
        """Settle one arrangement from the lines priced so far.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param context: every line priced or settled before this arrangement, the statement
            months, what measures count from and what the options priced from (a
            :class:`SettlementContext`).
        :return: the lines (``lines.PRICED_COLUMNS``), exceptions and workings.
        """


class DescribeFunction(Protocol):
    """An option's ``describe``: its terms for the contract schedule."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, /) -> ScheduleSection:
        """The arrangement's terms in plain English, with their tables.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset (its parties, period, settings, other arrangements).
        :return: a :class:`ScheduleSection`.
        """


class ActivityFunction(Protocol):
    """An option's ``activity``: its plan against what was delivered, for the statement."""

    def __call__(self, arrangement: Arrangement, lines: pl.DataFrame, month: Month,
                 months: tuple[Month, ...], /) -> Sequence[ActivityRow]:
        """Planned against actual activity in the statement month and the year to date.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param lines: the run's lines for the statement's provider and commissioner.
        :param month: the statement month.
        :param months: every month the run priced, ascending.
        :return: one :class:`ActivityRow` per line of the plan (none without a plan).
        """


class CheckFunction(Protocol):
    """An option's ``check``: problems across its arrangements, reported when the ruleset loads."""

    def __call__(self, arrangements: list[tuple[int, Arrangement]], ruleset: Ruleset, /) -> list[tuple[tuple[str | int, ...], str]]:
        """Check the option's arrangements against each other and against the ruleset.

        :param arrangements: ``(index, arrangement)`` for each of the option's arrangements, the
            index being its place in the ruleset's ``arrangements``.
        :param ruleset: the loaded ruleset.
        :return: ``(path, message)`` per problem, the path from ``arrangements`` to the key at
            fault (``(index, "compare", 0)``); nothing when all is well.
        """


class NeedsFromFunction(Protocol):
    """An option's ``needs_from``: an earlier first month, for a settlement that sums over
    months before the ones asked for."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, first: Month, /) -> Month:
        """Where a run must start to settle the arrangement; the run extends its year to date
        back to it.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset.
        :param first: the first month the run was asked for.
        :return: that month, or an earlier one of the contract.
        """


class PlannedFunction(Protocol):
    """An option's ``planned``: its expected annual value, for the schedule."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, /) -> Decimal | None:
        """The arrangement's expected annual value, from its plan or its fixed value.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset.
        :return: pounds, or None when it has no expected value.
        """


class TimingFunction(Protocol):
    """An option's ``timing``: when its money is paid, for the schedule."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, /) -> str:
        """When the arrangement's money is paid, in plain English.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset.
        :return: a sentence or two.
        """


class MeasuresFunction(Protocol):
    """An option's ``measures``: the measures an arrangement counts, for whoever needs to know
    them apart from the option (synthetic returns for its ``reported`` measures, say)."""

    def __call__(self, arrangement: Arrangement, /) -> Sequence[tuple[Measure, str | None]]:
        """The arrangement's measures.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :return: each measure with the provider whose figures count towards it, or None for a
            figure counted across several providers (an alliance's KPIs).
        """


class ValidationFunction(Protocol):
    """An option's ``validation``: what it does with data that fails its own checks, for the
    schedule's validation section (Schedule 6)."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, /) -> Sequence[str]:
        """The arrangement's validation of the data, in plain English.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset (its settings, for a mode the arrangement may override).
        :return: sentences; the schedule lists each different sentence once, in ruleset order.
        """


class PlanRowsFunction(Protocol):
    """An option's ``plan_rows``: its activity plan, for the schedule's chart."""

    def __call__(self, arrangement: Arrangement, ruleset: Ruleset, /) -> Sequence[PlanRow]:
        """The arrangement's planned activity a year, line by line.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :param ruleset: the loaded ruleset.
        :return: one :class:`PlanRow` per line of the plan, in the plan's order (none without one).
        """


class ItemsFunction(Protocol):
    """An option's ``assessment_items``: the HoNOS items it reads from the assessments."""

    def __call__(self, arrangement: Arrangement, /) -> Collection[int]:
        """The HoNOS items (1 to 12) the arrangement weighs.

        :param arrangement: the arrangement, validated by the option's ``parameters`` model.
        :return: item numbers; the run reads and checks ``item_<n>`` for each (and no others).
        """


@dataclass(frozen=True)
class PaymentOption:
    """A payment option, as a plugin declares it from ``localpay_payment_options``.

    ``parameters``: the pydantic model (a subclass of ``Arrangement``) for the arrangement
    block. ``describe`` and at least one of ``price`` and ``settle`` are required; each function is
    specified by its protocol (``PriceFunction``, ``SettleFunction``, ...). ``plugin`` is set
    by the core: the module declaring the option.
    """

    name: str
    summary: str
    parameters: type[Arrangement]
    describe: DescribeFunction
    price: PriceFunction | None = None
    settle: SettleFunction | None = None
    activity: ActivityFunction | None = None
    check: CheckFunction | None = None
    needs_from: NeedsFromFunction | None = None
    planned: PlannedFunction | None = None
    timing: TimingFunction | None = None  # None: paid monthly in arrears
    plan_rows: PlanRowsFunction | None = None  # None: no activity plan to chart
    measures: MeasuresFunction | None = None  # None: it counts no measures
    validation: ValidationFunction | None = None  # None: nothing to say in the schedule's validation section
    assessment_items: ItemsFunction | None = None  # None: it reads no HoNOS item scores
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
            owner = _owner(option)
            if option.name in options:
                first = options[option.name].plugin
                raise PluginError(f"two plugins declare the payment option {option.name!r}: {first} and {owner}")
            options[option.name] = replace(option, plugin=owner)
    return dict(sorted(options.items()))



def _owner(option: PaymentOption) -> str:
    """Who declares the option: as given, else the module of its parameter model or, when that
    is a submodule of a plugin package (one implementing ``localpay_payment_options``), the
    package."""
    if option.plugin:
        return option.plugin
    module = option.parameters.__module__
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = sys.modules.get(".".join(parts[:end]))
        if candidate is not None and hasattr(candidate, "localpay_payment_options"):
            return candidate.__name__
    return module
