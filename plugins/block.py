"""Block contracts: an annual value paid in monthly instalments, with any shadow tariff beside it.

The terms, as the ruleset states them and as this option applies them:

- **Instalments.** The annual value (pounds and pence) is paid over the contract's months,
  twelve for a financial year, in instalments that add up to the year exactly
  (``localpay.contract_money``). Each statement month has one payable contract-level line, unit ``month``.
- **Shadow tariff** (``compare``, optional): arrangements marked ``shadow: true`` between the
  same provider and commissioner, priced in full and paid nothing (the core gives their lines
  status ``shadow``). Each month the ``block`` details show the block's instalment, the value of
  the compared arrangements' lines in the month (what the tariff would have paid), the
  difference (shadow less block: positive when the tariff would have paid more) and each over
  the contract year to date. With a comparison the run prices from the start of the contract,
  so the year to date is recomputed from the lines, never remembered.
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from localpay import Arrangement, PaymentOption, Priced, ScheduleSection, Table, hookimpl
from localpay.contract_money import instalments_of, to_date, value_by_month
from localpay.contract_year import from_contract_start
from localpay.lines import lines_frame, payment_line
from localpay.money import format_money
from localpay.periods import Month
from localpay.ruleset import Code, Identifier, Pence
from localpay.ruleset.references import named_words, same_parties, settles_too_late, unknown


BLOCK_DETAILS = {
    "arrangement": pl.String, "provider": pl.String, "commissioner": pl.String, "period": pl.String,
    "instalment": pl.String, "block_amount": pl.Int64, "shadow_value": pl.Int64, "difference_value": pl.Int64,
    "block_to_date_amount": pl.Int64, "shadow_to_date_value": pl.Int64, "difference_to_date_value": pl.Int64,
    "compared": pl.String,
}


class BlockArrangement(Arrangement):
    option: Literal["block"]
    provider: Code
    commissioner: Code
    annual_value: Pence
    compare: list[Identifier] = Field(default_factory=list, description="shadow arrangements shown beside the block")


def settle(arrangement: BlockArrangement, context) -> Priced:
    ruleset = context.ruleset
    schedule = instalments_of(arrangement, ruleset)
    shadow = value_by_month(context.lines, arrangement.compare, arrangement.provider, arrangement.commissioner)
    months = [m for m in context.months if m in schedule]
    lines = [_line(arrangement, schedule, m) for m in months]
    rows = [_detail(arrangement, ruleset, schedule, shadow, m) for m in months]
    return Priced(lines_frame(lines),
                  details={"block": pl.DataFrame(rows, schema=BLOCK_DETAILS, orient="row")})


def _ordinal(schedule: dict[Month, int], month: Month) -> str:
    return f"{list(schedule).index(month) + 1} of {len(schedule)}"


def _line(arrangement, schedule: dict[Month, int], month: Month) -> dict[str, object]:
    note = (f"instalment {_ordinal(schedule, month)} of {format_money(sum(schedule.values()))} a year; "
            f"{format_money(_so_far(schedule, month))} to date")
    return payment_line(arrangement=arrangement, month=month, unit="month", pence=schedule[month], note=note)


def _so_far(schedule: dict[Month, int], month: Month) -> int:
    return sum(pence for m, pence in schedule.items() if m <= month)


def _detail(arrangement, ruleset, schedule, shadow: dict[str, int], month: Month) -> tuple:
    block, block_year = schedule[month], _so_far(schedule, month)
    compared = bool(arrangement.compare)
    value, value_year = (shadow.get(month.label, 0), to_date(shadow, ruleset, month)) if compared else (None, None)
    return (arrangement.id, arrangement.provider, arrangement.commissioner, month.label, _ordinal(schedule, month),
            block, value, value - block if compared else None, block_year, value_year,
            value_year - block_year if compared else None, ", ".join(arrangement.compare) or None)


def needs_from(arrangement: BlockArrangement, ruleset, first: Month) -> Month:
    """The shadow value to date sums the compared lines from the start of the contract."""
    return from_contract_start(arrangement, ruleset, first) if arrangement.compare else first


def describe(arrangement: BlockArrangement, ruleset) -> ScheduleSection:
    provider, commissioner = ruleset.providers[arrangement.provider], ruleset.commissioners[arrangement.commissioner]
    schedule = instalments_of(arrangement, ruleset)
    clause = f" ({arrangement.clause})" if arrangement.clause else ""
    amounts = sorted(set(schedule.values()))
    each = " or ".join(format_money(p) for p in amounts)
    paragraphs = [
        f"{commissioner.name} ({commissioner.code}) pays {provider.name} ({provider.code}) a block of "
        f"{format_money(sum(schedule.values()))} a year{clause}, in {len(schedule)} monthly instalments of {each} that add "
        "up to the year exactly: each month is the year's value to date, rounded half up to the penny, less the "
        "value to the month before.",
    ]
    if arrangement.compare:
        paragraphs.append(
            f"Shadow tariff: {named_words(ruleset, arrangement.compare)} is priced in full beside the block and not "
            "paid. Each statement shows its value in the month beside the instalment, the difference (the shadow value "
            "less the block: positive when the tariff would have paid more), and both over the year to date.")
    rows, so_far = [], 0
    for month, pence in schedule.items():
        so_far += pence
        rows.append((month.label, format_money(pence), format_money(so_far)))
    return ScheduleSection(f"Block contract: {arrangement.label}", tuple(paragraphs),
                           (Table(("month", "instalment", "to date"), tuple(rows)),))


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """Each compared arrangement exists, is a shadow arrangement of the same parties, and has its
    lines by the time the block settles."""
    return [((index, "compare", at), problem) for index, block in arrangements
            for at, name in enumerate(block.compare) if (problem := _compare_problem(ruleset, block, index, name))]


def _compare_problem(ruleset, block: BlockArrangement, index: int, name: str) -> str | None:
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if other.id == block.id:
        return "a block cannot be compared with itself"
    if not other.shadow:
        return f"'{name}' is not a shadow arrangement: mark it shadow: true to price it beside the block without paying it"
    return same_parties(other, block) or settles_too_late(ruleset, name, index)


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="block",
        summary="A block contract: an annual value in monthly instalments, with any shadow tariff shown beside it",
        parameters=BlockArrangement,
        settle=settle,
        describe=describe,
        delivers_activity=False,
        check=check,
        needs_from=needs_from,
        planned=lambda arrangement, ruleset: arrangement.annual_value,
        timing=lambda arrangement, ruleset: (
            "Paid monthly: twelve instalments that add up to the annual value, one on each month's statement."),
    )]
