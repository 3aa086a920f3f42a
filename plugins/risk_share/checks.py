"""Checks across the risk share option's arrangements, run when the ruleset loads: the baseline
and the actual arrangements exist, are of the right kind, between the same parties, and have
their lines by the time the risk share settles."""

from __future__ import annotations

from localpay.plugin import same_parties, settles_too_late, unknown


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    for index, share in arrangements:
        kind = "block" if share.around.block else "plan"
        problem = _baseline_problem(ruleset, share, index, kind, share.around.block or share.around.plan)
        if problem:
            problems.append(((index, "around", kind), problem))
        problems += [((index, "actual", at), problem) for at, name in enumerate(share.actual)
                     if (problem := _actual_problem(ruleset, share, index, name))]
    return problems


def _baseline_problem(ruleset, share, index: int, kind: str, name: str) -> str | None:
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if kind == "block" and other.option != "block":
        return f"'{name}' is a {other.option} arrangement, not a block (option: block)"
    if kind == "plan" and (other.option != "cluster" or not other.activity_plan):
        what = "has no activity_plan" if other.option == "cluster" else f"is a {other.option} arrangement"
        return f"'{name}' {what}; a plan baseline is a cluster arrangement's activity_plan"
    return same_parties(other, share) or settles_too_late(ruleset, name, index)


def _actual_problem(ruleset, share, index: int, name: str) -> str | None:
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if not ruleset.option_of(other).delivers_activity:
        return f"'{name}' is a {other.option} arrangement: its lines are payments, not the activity delivered"
    return same_parties(other, share) or settles_too_late(ruleset, name, index)
