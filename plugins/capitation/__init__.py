"""Capitation: a price per person in the commissioner's population, paid monthly.

The terms, as the ruleset states them and as this option applies them:

- **Population.** The population file (``--population``: ``commissioner, period, population``,
  checked by ``localpay.inputs.budgets``) gives the people the commissioner pays for in each month.
- **Price.** ``price_per_person`` (dated: the price in effect on the month's first day applies)
  is a year's price (``per: year``: a twelfth of it a month, rounded half up to the millionth of
  a pound) or a month's (``per: month``).
- **Lines.** Each statement month of the contract has one payable contract-level line:
  quantity = the month's population, unit ``person-month``, unit price as above; the core rounds
  quantity x unit price half up to the penny.
- **No population.** A month with no population row pays nothing and is reported: a row in the
  ``capitation`` details, and an exception with source ``population``, no row, reason code
  ``no_population``, action ``flagged``.
- **Outcomes.** An outcomes component is an ``outcomes`` arrangement listed after this one with
  ``pot: {percent: 5%, of: [<this id>]}``, as a bonus or withheld; the schedule names it here.
"""

from __future__ import annotations

from localpay.plugin import (POPULATION_REQUIRED, InputTable, PaymentOption, check_population, hookimpl,
                             read_population)

from .checks import check
from .schedule import describe
from .settle import settle
from .synth import synthesise_population
from .terms import CapitationArrangement

POPULATION = InputTable(
    "population", "Population file (commissioner, period, population) for capitation.", POPULATION_REQUIRED,
    read_population, check_population, parties="commissioners", order=30, synthesise=synthesise_population,
    synthesis_order=30)


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="capitation",
        summary="Capitation: a price per person in the commissioner's population, paid monthly",
        parameters=CapitationArrangement,
        settle=settle,
        describe=describe,
        check=check,
        timing=lambda arrangement, ruleset: (
            "Paid monthly: the month's population from the population file times the price per person."),
    )]


@hookimpl
def localpay_input_tables():
    return [POPULATION]
