"""Checks across the alliance option's arrangements, run when the ruleset loads."""

from __future__ import annotations


def check(arrangements, ruleset) -> list[tuple[tuple, str]]:
    """Every member a provider of the ruleset or the alliance's own commissioner, each once."""
    problems: list[tuple[tuple, str]] = []
    for index, alliance in arrangements:
        seen: dict[str, int] = {}
        for at, member in enumerate(alliance.members):
            where = (index, "members", at, "party")
            if member.party in seen:
                problems.append((where, f"'{member.party}' is already a member (members[{seen[member.party]}])"))
            elif member.party in ruleset.commissioners and member.party != alliance.commissioner:
                problems.append((where, f"'{member.party}' is another commissioner; only the alliance's commissioner "
                                        f"({alliance.commissioner}) can be a member"))
            elif member.party not in ruleset.providers and member.party != alliance.commissioner:
                problems.append((where, f"'{member.party}' is not one of the ruleset's providers (expected one of: "
                                        f"{', '.join(ruleset.providers)}) nor the alliance's commissioner "
                                        f"({alliance.commissioner})"))
            seen.setdefault(member.party, at)
        if not alliance.providers:
            problems.append(((index, "members"), "an alliance needs at least one provider among its members"))
    return problems
