"""Arrangements that name others (a pot that is a percentage of their value): the names must
be real, and their lines must exist by the time the naming arrangement settles."""

from __future__ import annotations

INCENTIVES = ("outcomes", "cquin")


def check_named(index: int, path: tuple, arrangement, names: list[str], ruleset) -> list[tuple[tuple, str]]:
    problems = []
    position = {a.id: i for i, a in enumerate(ruleset.arrangements)}
    for at, name in enumerate(names):
        where = (index, *path, at)
        other = next((a for a in ruleset.arrangements if a.id == name), None)
        if other is None:
            problems.append((where, f"no arrangement has the id '{name}' (ids: {', '.join(position)})"))
        elif other.id == arrangement.id:
            problems.append((where, "an arrangement cannot be a percentage of itself"))
        elif other.option in INCENTIVES:
            problems.append((where, f"'{name}' is itself an incentive ({other.option}); its value is not counted"))
        elif (other.provider, other.commissioner) != (arrangement.provider, arrangement.commissioner):
            problems.append((where, f"'{name}' is between {other.provider} and {other.commissioner}, not "
                                    f"{arrangement.provider} and {arrangement.commissioner}"))
        elif ruleset.options[other.option].price is None and position[name] > index:
            problems.append((where, f"'{name}' settles after this arrangement, so its value is not known yet; "
                                    "list it earlier"))
    return problems


def named_words(ruleset, names: list[str]) -> str:
    labels = [f"{ruleset.arrangement(n).label} ({n})" if ruleset.arrangement(n).title else n for n in names]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
