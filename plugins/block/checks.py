"""Checks across the block option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import same_parties, settles_too_late, unknown

from .terms import BlockArrangement


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
