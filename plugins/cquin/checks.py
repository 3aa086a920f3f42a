"""Checks across the CQUIN option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import check_named


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """The arrangements a CQUIN is of: real, of the same parties, not incentives, and priced first."""
    return [problem for index, a in arrangements for problem in check_named(index, ("of",), a, a.named, ruleset)]
