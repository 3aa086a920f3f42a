"""Checks across the personal health budgets option's arrangements, run when the ruleset loads."""

from __future__ import annotations

from .terms import PhbArrangement


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """One phb arrangement per commissioner (a budget naming no commissioner would be paid
    twice), and unbundling only from cluster arrangements it can take money out of."""
    problems: list[tuple[tuple, str]] = []
    first: dict[str | None, int] = {}
    for index, arrangement in arrangements:
        if arrangement.commissioner in first:
            problems.append(((index, "commissioner"), f"{arrangement.commissioner} already pays personal health "
                                                      f"budgets under arrangements[{first[arrangement.commissioner]}]; "
                                                      "a commissioner has one phb arrangement"))
        first.setdefault(arrangement.commissioner, index)
        if arrangement.unbundle is not None:
            problems += _unbundle_problems(index, arrangement, ruleset)
    return problems


def _unbundle_problems(index: int, arrangement: PhbArrangement, ruleset) -> list[tuple[tuple, str]]:
    assert arrangement.unbundle is not None  # checked by the caller
    problems, known = [], {a.id: a for a in ruleset.arrangements}
    for at, name in enumerate(arrangement.unbundle.of):
        where, other = (index, "unbundle", "from", at), known.get(name)
        if other is None:
            problems.append((where, f"no arrangement has the id '{name}' (ids: {', '.join(known)})"))
        elif other.option != "cluster":
            problems.append((where, f"'{name}' is a {other.option} arrangement; budgets are unbundled from cluster "
                                    "payments (option: cluster)"))
        elif other.commissioner != arrangement.commissioner:
            problems.append((where, f"'{name}' is paid by {other.commissioner}, not {arrangement.commissioner}"))
        elif arrangement.unbundle.by == "budget" and other.basis != "per_day":
            problems.append((where, f"'{name}' pays {other.basis.replace('_', ' ')}; unbundling by the budget sets "
                                    "its daily amount against a price per day: use percent: instead"))
    return problems
