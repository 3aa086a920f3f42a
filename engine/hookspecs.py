"""The plugin contract. Every hook localpay calls is specified here; these docstrings are the
reference documentation for plugin authors (``from localpay import hookimpl``).

A plugin is a module (or object) with functions named after these hooks, decorated with
``@hookimpl``. Implementations take only the arguments they need. What a plugin imports from
localpay is in ``localpay.plugin`` (the built-in options import nothing else), and
``localpay.testing`` prices a case for it through the real pipeline. Install a plugin in a
package that declares an entry point in the ``localpay`` group::

    [project.entry-points.localpay]
    my_scheme = "my_scheme_package.plugin"
"""

from __future__ import annotations

import pluggy

from .inputs.checks import RowCheck
from .inputs.tables import InputTable
from .measures.indicators import Indicator
from .plugin_contract import PaymentOption
from .plugin_values import ScheduleSection
from .rules.history import HistoryKind
from .rules.vocabulary import Operator, RuleAction
from .ruleset import Arrangement, Ruleset

# pluggy reads a hook spec's signature and docstring and never runs its body, so the specs below
# have none: mypy is told so where the hook returns a value (ignore[empty-body])
hookspec = pluggy.HookspecMarker("localpay")
hookimpl = pluggy.HookimplMarker("localpay")


@hookspec
def localpay_payment_options() -> list[PaymentOption]:  # type: ignore[empty-body]
    """Declare payment options.

    :return: a list of :class:`localpay.PaymentOption`: each with a ``name`` (the value of
        ``option:`` in a ruleset), a pydantic ``parameters`` model subclassing
        :class:`localpay.Arrangement`, and the functions that ``price`` episodes, ``settle`` at
        contract level and ``describe`` the option for the contract schedule.

    Two plugins declaring the same name is an error: the core refuses to run rather than pick
    one. The built-in options (``cluster``, ``pathway``, ``outcomes``, ``cquin``, ``phb``, ``alliance``,
    ``block``, ``risk_share``, ``capitation``) are declared through this same hook.

    Example::

        @hookimpl
        def localpay_payment_options():
            return [PaymentOption(name="flat_fee", summary="A fixed monthly fee",
                                  parameters=FlatFee, price=None, settle=settle_flat_fee,
                                  describe=describe_flat_fee)]
    """


@hookspec
def localpay_episode_checks(ruleset: Ruleset) -> list[RowCheck]:  # type: ignore[empty-body]
    """Add checks on episode rows, run after the input is parsed and before anything is priced.

    :param ruleset: the loaded :class:`localpay.Ruleset` (its parties, period and settings).
    :return: a list of :class:`localpay.RowCheck`: each a reason code, the column it concerns,
        a Polars boolean expression ``bad`` over the parsed episodes, and a text expression
        ``reason`` saying what was expected and what was found.

    A row marked bad by any check is reported in ``exceptions.csv`` with its row number and
    reason, and is not priced; the run goes on with the rest. The built-in checks (missing
    values, unknown clusters, unparseable dates, end before start, parties) are declared
    through this same hook by ``localpay.inputs.default_checks``.

    Example::

        @hookimpl
        def localpay_episode_checks(ruleset):
            return [RowCheck("no_service", "service", pl.col("service").is_null(),
                             pl.lit("service is required in this area"))]
    """


@hookspec
def localpay_rule_operators() -> list[Operator]:  # type: ignore[empty-body]
    """Add tests that rules can make on an episode field, written ``{field: {name: value}}``.

    :return: a list of :class:`localpay.rules.Operator`: each a ``name``, the field ``types``
        it applies to (``text``, ``code``, ``cluster``, ``number``, ``date``), a ``parse``
        function checking the written value (raise ``ValueError`` saying what was expected),
        the test as a Polars expression (``polars``) and as a durable-rules expression
        (``durable``), and a plain-English ``describe`` for schedules and explanations.

    Both forms must give the same answer on every episode: the differential test runs random
    rules through both evaluators. A missing value counts as no match. Names are unique across
    plugins; the built-in operators (``equals``, ``one_of``, ``gt``, ``between``, ``matches``,
    ...) are declared through this same hook by ``localpay.rules.builtin``.

    Example::

        @hookimpl
        def localpay_rule_operators():
            return [Operator("ends_with", "text ends with", ("text", "code"), parse_text,
                             polars=lambda col, field, v: col.str.ends_with(v),
                             durable=lambda name, field, v: {"$mt": {name: ".*" + v}},
                             describe=lambda label, field, v: f"{label} ends with '{v}'")]
    """


@hookspec
def localpay_rule_actions() -> list[RuleAction]:  # type: ignore[empty-body]
    """Add actions that a rule's ``then`` can take.

    :return: a list of :class:`localpay.rules.RuleAction`: each a ``name`` (the key under
        ``then``), a ``stage``, a ``parse`` function for the written value (given the ruleset's
        commissioners; raise ``ValueError`` saying what was expected), a ``describe`` in plain
        English and, for ``stage="adjust"``, an ``adjust(unit_price_micros, value)`` returning
        the new unit price in millionths of a pound.

    A plugin's action is an ``adjust`` (applied with ``uplift`` and ``discount``, in priority
    order, after any ``price`` rule) or a ``flag``. Exclusion, price, hold, commissioner and
    split keep the core's stated policy.

    Example::

        @hookimpl
        def localpay_rule_actions():
            return [RuleAction("cap", "caps the unit price", "adjust", parse=parse_pounds,
                               describe=lambda v: f"at most £{v / 1_000_000}",
                               adjust=lambda price, v: min(price, v))]
    """



@hookspec
def localpay_history_kinds() -> list[HistoryKind]:  # type: ignore[empty-body]
    """Add conditions across a person's history, written ``{name: {...}}`` in a rule's ``when``.

    :return: a list of :class:`localpay.rules.HistoryKind`: each a ``name`` (the key under
        ``when``), a one-line ``summary``, ``parse(value, path, problems)`` checking what was
        written (report each mistake with ``problems.fail(path, message)``; return a
        :class:`localpay.rules.HistoryCondition` or None), ``columnar(params, history)``: the
        condition as Polars operations over every person's periods and reviews (a Boolean Series,
        one value per row of ``history.episodes``; the answer runs pay on), ``evaluate(params,
        prefix)``: the same condition as durable-rules joins (the independent reading that
        cross-checks a sample of people in every run) (a :class:`localpay.rules.HistoryJoin` of tests on the
        subject episode ``e`` and patterns over the person's episode and review facts),
        ``describe(params)`` in plain English, and ``clusters(params)``: the clusters the rule's
        own episode must be in, or None.

    A history condition may be combined with other conditions only by *all*. Names are unique
    across plugins and may not be a combiner or an episode field every ruleset has; the
    built-in kinds (``escalation``, ``re_presentation``, ``repeat_crisis``) are declared through
    this same hook by ``localpay.rules.history_kinds``. The facts a kind joins over are described
    in ``localpay.rules.history``.

    Example::

        @hookimpl
        def localpay_history_kinds():
            return [SameDayReturn()]  # name, summary, parse, columnar, evaluate, describe, clusters
    """



@hookspec
def localpay_input_tables() -> list[InputTable]:  # type: ignore[empty-body]
    """Declare optional input tables: files a run may be given beside the episodes.

    :return: a list of :class:`localpay.plugin.InputTable`: each a ``name`` (the CLI option
        ``--<name>`` and the key of a ruleset test case's rows), the CLI option's ``help``, the
        ``columns`` a file must have, ``read(path)`` giving its rows as text with a 1-based
        ``row``, ``check(frame, parties)`` giving ``(usable rows, exception rows)`` against the
        ruleset's ``parties`` (``providers`` or ``commissioners``), an ``order`` among the inputs
        and, optionally, ``synthesise``: its rows for synthetic data.

    Every part of localpay takes the tables from this hook: the CLI of ``run``, ``explain`` and
    ``diff``, the pipeline (a given table is read, checked row by row, its bad rows reported in
    ``exceptions.csv`` with the table's name as source, and its usable rows handed to the options
    as ``PricingContext.tables[name]``), the run's manifest, the ruleset tests and ``localpay
    demo``'s synthetic data. Names are unique across plugins. The built-in tables are declared
    through this same hook: ``returns`` by ``localpay.measures.builtin``, ``budgets`` by the
    ``phb`` option and ``population`` by the ``capitation`` option.

    Example::

        @hookimpl
        def localpay_input_tables():
            return [InputTable("caseloads", "Caseloads file (provider, period, caseload).",
                               ("provider", "period", "caseload"), read_caseloads, check_caseloads,
                               parties="providers")]
    """


@hookspec
def localpay_indicators() -> list[Indicator]:  # type: ignore[empty-body]
    """Add indicators that measures (in outcomes, CQUIN and other options) can name.

    :return: a list of :class:`localpay.measures.Indicator`: each a ``name`` (the value of
        ``indicator:`` in a measure), a one-line ``summary``, a pydantic ``parameters`` model
        for the measure's ``parameters:`` block, ``compute(data, parameters)`` returning a
        :class:`localpay.measures.Count` (numerator, denominator, people in scope), and
        ``describe(parameters)``: the numerator and denominator in plain English.

    ``compute`` is given a :class:`localpay.measures.MeasureData`: the episodes already cut to
    the measure's provider, commissioner and scope, the assessments of the people in scope, the
    provider's rows of the returns file, and the first and last days measured. Floors, targets,
    scales and gates are the core's: an indicator only counts. Names are unique across plugins;
    the built-in indicators (``reviewed_in_period``, ``paired_honos``, ``honos_improved``,
    ``wemwbs_improved``, ``reported``) are declared through this same hook by
    ``localpay.measures.builtin``.

    Example::

        @hookimpl
        def localpay_indicators():
            return [Indicator("settled_accommodation", "people in settled accommodation",
                              compute=count_settled, describe=lambda p: "people whose ...")]
    """


@hookspec
def localpay_schedule_sections(ruleset: Ruleset,
                               arrangement: Arrangement) -> list[ScheduleSection] | None:
    """Contribute sections of the contract schedule for one arrangement.

    :param ruleset: the loaded :class:`localpay.Ruleset`.
    :param arrangement: one of its arrangements (an :class:`localpay.Arrangement` validated by
        its option's parameter model).
    :return: a list of :class:`localpay.ScheduleSection` (a title, plain-English paragraphs and
        tables), or None when the plugin has nothing to say about this arrangement.

    Every payment option's own terms reach the schedule through this hook: the built-in
    ``localpay.schedule.sections`` answers with the option's ``describe``. A plugin may add
    sections (a local appendix, a worked example). The core lays sections out in the ruleset's
    order of arrangements and, within one arrangement, the option's own section first, then the
    others by title: the order plugins answer in never decides the document.

    Example::

        @hookimpl
        def localpay_schedule_sections(ruleset, arrangement):
            if arrangement.option == "cluster":
                return [ScheduleSection("Validation contacts", ("Queries go to ...",))]
    """
