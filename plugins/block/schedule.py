"""The block option's terms for the contract schedule: the annual value, its instalments month
by month, and any shadow tariff shown beside it."""

from __future__ import annotations

from localpay.plugin import ScheduleSection, Table, format_money, instalments_of, named_words

from .terms import BlockArrangement


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
