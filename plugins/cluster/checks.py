"""Checks across the cluster option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import MAX_AMOUNT_PENCE, format_money, repeated_parties

from .plan import plan_values
from .terms import ClusterArrangement


def check(arrangements: list[tuple[int, ClusterArrangement]], ruleset) -> list[tuple[tuple, str]]:
    """Two cluster arrangements for one provider and commissioner would pay each day twice; a
    planned cluster without a price is a typing slip in one or the other."""
    problems: list[tuple[tuple, str]] = []
    for index, arrangement in arrangements:
        priced = {code for prices in arrangement.prices.values() for code in prices}
        unpriced = sorted(set(arrangement.activity_plan or ()) - priced)
        for code in unpriced:
            problems.append(((index, "activity_plan", str(code)), f"activity_plan names cluster {code}, which has no price"))
        if arrangement.activity_plan and not unpriced:
            worth = sum(plan_values(arrangement, ruleset).values())
            if worth > MAX_AMOUNT_PENCE:
                problems.append(((index, "activity_plan"), f"the activity plan is worth {format_money(worth)} a year at "
                                 f"its prices, beyond the {format_money(MAX_AMOUNT_PENCE)} any figure of a run may reach"))
    return problems + repeated_parties(arrangements, lambda first, provider, commissioner: (
        f"arrangement {first!r} already prices cluster episodes of provider {provider} for commissioner "
        f"{commissioner}; each day would be paid twice"))
