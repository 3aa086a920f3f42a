"""Checks across the cluster option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from .terms import ClusterArrangement


def check(arrangements: list[tuple[int, ClusterArrangement]], ruleset) -> list[tuple[tuple, str]]:
    """Two cluster arrangements for one provider and commissioner would pay each day twice; a
    planned cluster without a price is a typing slip in one or the other."""
    problems: list[tuple[tuple, str]] = []
    first: dict[tuple[str | None, str | None], str] = {}
    for index, arrangement in arrangements:
        priced = {code for prices in arrangement.prices.values() for code in prices}
        for code in sorted(set(arrangement.activity_plan or ()) - priced):
            problems.append(((index, "activity_plan", str(code)), f"activity_plan names cluster {code}, which has no price"))
        pair = (arrangement.provider, arrangement.commissioner)
        if pair in first:
            problems.append(((index, "provider"), f"arrangement {first[pair]!r} already prices cluster episodes of "
                             f"provider {pair[0]} for commissioner {pair[1]}; each day would be paid twice"))
        first.setdefault(pair, arrangement.id)
    return problems
