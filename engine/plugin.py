"""Everything a plugin needs, in one place: ``from localpay.plugin import ...``.

The built-in payment options import from here and from ``localpay`` only, and so can a trust's
own plugin; what this module exports is the engine's promise to plugins (a test checks the
built-in ones keep to it). The names, by what they are for:

- **Declaring an option**: ``hookimpl``, ``PaymentOption`` and the protocols of the functions it
  declares (``PriceFunction``, ``SettleFunction``, ``DescribeFunction``, ``MeasuresFunction``,
  ``ValidationFunction``, ...); what those functions are given and return (the loaded
  ``Ruleset``, ``PricingContext``, ``SettlementContext``, ``Priced``, ``ScheduleSection``,
  ``Table``, ``ActivityRow``, ``PlanRow``).
- **Parameter models**: ``Arrangement`` and ``StrictModel`` to subclass, the ruleset's value
  types (``Code``, ``ClusterCode``, ``Identifier``, ``Price``, ``Pence``, ``Percent``, ``Dated``,
  ``OverdueMode``, ``When``), and ``dated_items``, ``one_code_each``, ``percent_text``.
- **Checks across arrangements**: ``unknown``, ``same_parties``, ``settles_too_late``,
  ``check_named``, ``named_words`` and ``repeated_parties`` (one arrangement per provider and
  commissioner).
- **Money**: integer pence and micros (millionths of a pound) and their words: ``format_money``,
  ``format_price``, ``pence_to_decimal``, ``pounds_to_pence``, ``round_half_up``, ``round_pence``,
  ``to_micros``, ``instalments``, ``amount_expr``, ``MICROS_PER_PENNY``; the bounds money is
  computed within (``MAX_STATED`` for money a ruleset states, ``MAX_AMOUNT_PENCE`` for any
  figure, ``MAX_QUANTITY`` for planned units) and
  ``check_pence`` (a figure beyond them stops the run, naming it); for a frame of lines,
  ``pence_price_expr`` (pence as a unit price) and ``share_price_expr`` (pence spread over units); a contract's money by
  month: ``instalments_of``, ``value_by_month``, ``to_date``.
- **Time**: ``Month``, ``months_between``, ``days_in_financial_year``, ``DAY_COUNTS``; the
  contract's calendar: ``contract_months``, ``settlement_months``, ``window`` and
  ``from_contract_start`` (a ready-made ``needs_from``).
- **Lines and exceptions**: ``payment_line`` and ``lines_frame`` (contract-level lines, money in
  pence), the schemas ``PRICED_COLUMNS`` and ``EXCEPTION_COLUMNS``, ``conform_exceptions``,
  ``empty_exceptions``, and ``RELEASE_RULE`` (a line releasing money held earlier).
- **Pricing episodes**: the national ``CLUSTERS``; dated price tables (``price_table``,
  ``price_days``, ``price_points``, ``split_months``, ``month_label``); ``due_expr`` (when a
  review falls due); ``BUDGET_COLUMNS`` (the checked budgets file); ``share_out`` (an amount
  divided by shares to the penny).
- **Rules and measures**: the parts of a rule operator (``Operator``), a rule action
  (``RuleAction``), a history kind (``HistoryKind``, ``HistoryCondition``, ``HistoryJoin``,
  ``ParseProblems``; ``History``, ``latest``, ``running`` and ``marked`` for its columnar reading;
  ``ref``, ``minus``, ``same_person`` for its durable-rules joins; ``whole_days`` and ``keys_of``
  for its parameters) and an indicator (``Indicator``, ``Count``,
  ``MeasureData``, ``NoParameters``).
- **Input tables**: ``InputTable`` (an optional input file, declared through
  ``localpay_input_tables``) and ``SynthesiseTable`` (how its synthetic rows are made, from a
  ``SynthSpec``, with ``area_shape`` for a bundled area's shape); the built-in budgets and
  population files' readers and checks (``read_budgets``, ``check_budgets``, ``BUDGET_REQUIRED``,
  ``BUDGET_OPTIONAL``, ``read_population``, ``check_population``, ``POPULATION_REQUIRED``); for a table of one's own,
  ``read_input`` (a file with its required columns, as text, rows numbered from 1), ``date_expr``
  and ``integer_expr`` (text parsed, null when it does not parse), and the row checks
  ``RowCheck``, ``missing``, ``unparsed``, ``not_in`` and ``run_checks`` (the exception rows).
- **Measures and incentives**: ``Measure``, ``Measures``, ``weights_add_up``, ``measure``,
  ``Score``, ``measures_table``, ``scoring_words``; money at stake on measures, on account and
  settled: ``IncentiveTerms``, ``settle_incentive``, ``Staked``, ``MEASURE_DETAILS``,
  ``measure_detail``, ``value_of``, ``share_of``, ``planned_of``, ``timing_words``.
"""

from .inputs.budgets import (BUDGET_COLUMNS, BUDGET_OPTIONAL, BUDGET_REQUIRED, POPULATION_REQUIRED, check_budgets, check_population,
                             read_budgets, read_population)
from .inputs.checks import RowCheck, missing, not_in, run_checks, unparsed
from .inputs.read import date_expr, integer_expr, read_input
from .inputs.tables import InputTable, SynthesiseTable
from .clusters import CLUSTERS
from .contract_money import instalments_of, to_date, value_by_month
from .contract_year import contract_months, from_contract_start, settlement_months, window
from .hookspecs import hookimpl
from .lines import (EXCEPTION_COLUMNS, PRICED_COLUMNS, RELEASE_RULE, conform_exceptions, empty_exceptions, lines_frame,
                    payment_line)
from .measures.compute import measure
from .measures.indicators import Count, Indicator, MeasureData, NoParameters
from .measures.describe import measures_table, scoring_words
from .measures.incentives import (MEASURE_DETAILS, IncentiveTerms, Staked, measure_detail, planned_of, settle_incentive,
                                  share_of, timing_words, value_of)
from .measures.model import Measure, Measures, weights_add_up
from .measures.score import Score
from .money import (MAX_AMOUNT_PENCE, MAX_QUANTITY, MAX_STATED, MICROS_PER_PENNY, amount_expr, check_pence, pence_price_expr, share_price_expr, format_money, format_price, instalments, pence_to_decimal,
                    pounds_to_pence, round_half_up, round_pence, to_micros)
from .plugin_contract import (ActivityFunction, CheckFunction, DescribeFunction, MeasuresFunction, NeedsFromFunction,
                              PaymentOption, ValidationFunction,
                              PlannedFunction, PlanRowsFunction, PriceFunction, SettleFunction, TimingFunction)
from .plugin_values import ActivityRow, PlanRow, Priced, PricingContext, ScheduleSection, SettlementContext, Table
from .periods import DAY_COUNTS, Month, days_in_financial_year, months_between
from .prices import month_label, price_days, price_points, price_table, split_months
from .reviews import due_expr
from .rules.apply import share_out
from .rules.columnar import latest, marked, running
from .rules.history import (History, HistoryCondition, HistoryJoin, HistoryKind, ParseProblems, keys_of, minus, ref,
                            same_person, whole_days)
from .rules.scoped import When
from .rules.vocabulary import Operator, RuleAction
from .synth.areas import shape_for as area_shape
from .synth.spec import SynthSpec
from .ruleset import Arrangement, Ruleset
from .ruleset.references import check_named, named_words, repeated_parties, same_parties, settles_too_late, unknown
from .ruleset.types import (ClusterCode, Code, Dated, Identifier, OverdueMode, Pence, Percent, Price, StrictModel,
                            dated_items, one_code_each, percent_text)

__all__ = [
    # declaring an option
    "hookimpl", "PaymentOption", "PriceFunction", "SettleFunction", "DescribeFunction", "ActivityFunction",
    "CheckFunction", "NeedsFromFunction", "PlannedFunction", "TimingFunction", "PlanRowsFunction", "MeasuresFunction",
    "ValidationFunction",
    "PricingContext", "SettlementContext", "Priced", "ScheduleSection", "Table", "ActivityRow", "PlanRow",
    # parameter models
    "Arrangement", "Ruleset", "StrictModel", "Code", "ClusterCode", "Identifier", "Price", "Pence", "Percent",
    "Dated", "OverdueMode", "When", "dated_items", "one_code_each", "percent_text",
    # checks across arrangements
    "unknown", "same_parties", "settles_too_late", "check_named", "named_words", "repeated_parties",
    # money
    "format_money", "format_price", "pence_to_decimal", "pounds_to_pence", "round_half_up", "round_pence",
    "to_micros", "instalments", "amount_expr", "pence_price_expr", "share_price_expr", "MICROS_PER_PENNY",
    "MAX_AMOUNT_PENCE", "MAX_QUANTITY", "MAX_STATED", "check_pence", "instalments_of", "value_by_month", "to_date",
    # time
    "Month", "months_between", "days_in_financial_year", "DAY_COUNTS", "contract_months", "settlement_months",
    "window", "from_contract_start",
    # lines and exceptions
    "payment_line", "lines_frame", "PRICED_COLUMNS", "EXCEPTION_COLUMNS", "conform_exceptions",
    "empty_exceptions", "RELEASE_RULE",
    # pricing episodes
    "CLUSTERS", "price_table", "price_days", "price_points", "split_months", "month_label", "due_expr",
    "BUDGET_COLUMNS", "share_out",
    # measures and incentives
    "Measure", "Measures", "weights_add_up", "measure", "Score", "measures_table", "scoring_words",
    "IncentiveTerms", "settle_incentive", "Staked", "MEASURE_DETAILS", "measure_detail", "value_of", "share_of",
    "planned_of", "timing_words",
    # rules and measures
    "Operator", "RuleAction", "HistoryKind", "HistoryCondition", "HistoryJoin", "ParseProblems", "History", "latest",
    "running", "marked", "ref", "minus", "same_person", "whole_days", "keys_of", "Indicator", "Count", "MeasureData", "NoParameters",
    # input tables
    "InputTable", "SynthesiseTable", "SynthSpec", "area_shape", "read_budgets", "check_budgets", "BUDGET_REQUIRED",
    "BUDGET_OPTIONAL", "read_population", "check_population", "POPULATION_REQUIRED", "read_input", "date_expr", "integer_expr",
    "RowCheck", "missing", "unparsed", "not_in", "run_checks",
]
