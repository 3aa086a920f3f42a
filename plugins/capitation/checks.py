"""Checks across the capitation option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import dated_items


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """A price from the contract's start; one capitation per provider and commissioner."""
    problems: list[tuple[tuple, str]] = []
    first: dict[tuple[str | None, str | None], str] = {}
    for index, arrangement in arrangements:
        day = dated_items(arrangement.price_per_person, ruleset.period.start)[0][0]
        if day > ruleset.period.start:
            problems.append(((index, "price_per_person"), f"the first price takes effect on {day}, after the contract "
                             f"starts on {ruleset.period.start}: give a price from {ruleset.period.start}"))
        pair = (arrangement.provider, arrangement.commissioner)
        if pair in first:
            problems.append(((index, "provider"), f"arrangement {first[pair]!r} already pays capitation to "
                             f"{pair[0]} for commissioner {pair[1]}; each person would be paid for twice"))
        first.setdefault(pair, arrangement.id)
    return problems
