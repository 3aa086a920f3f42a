"""Arrangements that name others: a pot that is a percentage of their value, a block's shadow
tariff, a risk share's baseline and actual activity. The names must be real, between the same
parties, and their lines must exist by the time the naming arrangement settles.

Each check says why a name will not do, in words, or returns None; an option's ``check``
reports the words at the key that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def unknown(ruleset, name: str) -> str | None:
    """Why ``name`` names no arrangement of the ruleset, or None if it names one."""
    ids = [a.id for a in ruleset.arrangements]
    return None if name in ids else f"no arrangement has the id '{name}' (ids: {', '.join(ids)})"


def same_parties(other, arrangement) -> str | None:
    """Why ``other`` is not between the same provider and commissioner, or None if it is."""
    if (other.provider, other.commissioner) == (arrangement.provider, arrangement.commissioner):
        return None
    return (f"'{other.id}' is between {other.provider} and {other.commissioner}, not "
            f"{arrangement.provider} and {arrangement.commissioner}")


def settles_too_late(ruleset, name: str, index: int) -> str | None:
    """A settle-type arrangement listed after ``index`` has no lines yet when that one settles."""
    position = {a.id: i for i, a in enumerate(ruleset.arrangements)}
    other = ruleset.arrangement(name)
    if ruleset.options[other.option].price is None and position[name] > index:
        return f"'{name}' settles after this arrangement, so its lines are not known yet; list it earlier"
    return None


def check_named(index: int, path: tuple, arrangement, names: list[str], ruleset) -> list[tuple[tuple, str]]:
    """The problems with the arrangements an incentive is a percentage of, each at its place
    under ``path`` in ``arrangements[index]``."""
    return [((index, *path, at), problem) for at, name in enumerate(names)
            if (problem := _named_problem(ruleset, arrangement, name, index))]


def _named_problem(ruleset, arrangement, name: str, index: int) -> str | None:
    """Each named arrangement exists, is another one between the same parties, is not an
    incentive itself (its value is not counted) and has its lines before this one settles."""
    if problem := unknown(ruleset, name):
        return problem
    other = ruleset.arrangement(name)
    if other.id == arrangement.id:
        return "an arrangement cannot be a percentage of itself"
    if ruleset.option_of(other).incentive:
        return f"'{name}' is itself an incentive ({other.option}); its value is not counted"
    if problem := same_parties(other, arrangement):
        return problem
    position = {a.id: i for i, a in enumerate(ruleset.arrangements)}
    if ruleset.option_of(other).price is None and position[name] > index:
        return f"'{name}' settles after this arrangement, so its value is not known yet; list it earlier"
    return None


def named_words(ruleset, names: list[str]) -> str:
    """The named arrangements in words: "Cluster tariff (tariff) and block"."""
    labels = [f"{ruleset.arrangement(n).label} ({n})" if ruleset.arrangement(n).title else n for n in names]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def repeated_parties(arrangements: list[tuple[int, Any]], why: Callable[[str, str, str], str]) -> list[tuple[tuple, str]]:
    """A problem at ``provider`` for each arrangement between the same provider and commissioner
    as an earlier one of the list (an option that allows one per pair: a second would pay twice);
    ``why(first id, provider, commissioner)`` says what would go wrong."""
    problems: list[tuple[tuple, str]] = []
    first: dict[tuple[Any, Any], str] = {}
    for index, arrangement in arrangements:
        pair = (arrangement.provider, arrangement.commissioner)
        if pair in first:
            problems.append(((index, "provider"), why(first[pair], *pair)))
        first.setdefault(pair, arrangement.id)
    return problems
