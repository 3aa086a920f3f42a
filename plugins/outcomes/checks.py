"""Checks across the outcomes option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from localpay.plugin import check_named


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """The arrangements a percentage pot is of: real, of the same parties, not incentives, and priced first."""
    return [problem for index, a in arrangements for problem in check_named(index, ("pot", "of"), a, a.named, ruleset)]
