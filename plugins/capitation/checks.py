"""Checks across the capitation option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import dated_items, repeated_parties


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """A price from the contract's start; one capitation per provider and commissioner."""
    problems: list[tuple[tuple, str]] = []
    for index, arrangement in arrangements:
        day = dated_items(arrangement.price_per_person, ruleset.period.start)[0][0]
        if day > ruleset.period.start:
            problems.append(((index, "price_per_person"), f"the first price takes effect on {day}, after the contract "
                             f"starts on {ruleset.period.start}: give a price from {ruleset.period.start}"))
    return problems + repeated_parties(arrangements, lambda first, provider, commissioner: (
        f"arrangement {first!r} already pays capitation to {provider} for commissioner {commissioner}; each person "
        "would be paid for twice"))
