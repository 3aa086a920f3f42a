"""When several rules match one episode, what happens is stated, not accidental.

1. Rules are taken in order: ``priority`` ascending (default 0), then their place in the
   ruleset.
2. Exclusion wins: if any matching rule excludes the episode, it is not priced and nothing else
   applies; every excluding rule is named in the exceptions report.
3. ``commissioner``: the first such rule in order decides who pays; later ones are overridden.
4. ``price``: the first such rule sets the unit price; later ones are overridden. Price rules
   apply before percentages.
5. ``uplift``, ``discount`` and plugin adjustments apply one after another, in order, each
   rounded half up to the millionth of a pound; the explanation prints the order.
6. ``hold``: any one holds the episode's payable lines (all reasons are given).
7. ``split``: the first such rule shares each line between funders; later ones are overridden.
8. ``flag``: every flag is raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Action, Rule

SINGLE = ("commissioner", "price", "split")  # the first in order decides


@dataclass(frozen=True)
class Decision:
    rule: Rule
    action: Action
    applied: bool
    why_not: str = ""  # "overridden by <rule>", "excluded by <rule>"


@dataclass(frozen=True)
class Plan:
    """The outcome for one set of matched rules (many episodes share a plan)."""

    decisions: tuple[Decision, ...]

    def applied(self, stage: str) -> list[Decision]:
        return [d for d in self.decisions if d.applied and d.action.action.stage == stage]

    def first(self, stage: str) -> Decision | None:
        found = self.applied(stage)
        return found[0] if found else None

    @property
    def excluded(self) -> bool:
        return bool(self.applied("exclude"))

    @property
    def rule_ids(self) -> list[str]:
        """Rules with an action that took effect, in the order applied."""
        ids: list[str] = []
        for d in self.decisions:
            if d.applied and d.rule.id not in ids:
                ids.append(d.rule.id)
        return ids

    @property
    def price_steps(self) -> list[Decision]:
        return self.applied("price") + self.applied("adjust")


def plan(matched: list[Rule]) -> Plan:
    ordered = sorted(matched, key=lambda r: r.order)
    pairs = [(rule, action) for rule in ordered for action in rule.then]
    excluders = [rule for rule, action in pairs if action.action.stage == "exclude"]
    deciders: dict[str, Rule]
    decisions, deciders = [], {}
    for rule, action in pairs:
        stage = action.action.stage
        if excluders and stage != "exclude":
            decisions.append(Decision(rule, action, False, f"excluded by {excluders[0].id}"))
        elif stage in SINGLE and stage in deciders:
            decisions.append(Decision(rule, action, False, f"overridden by {deciders[stage].id}"))
        else:
            deciders.setdefault(stage, rule)
            decisions.append(Decision(rule, action, True))
    return Plan(tuple(decisions))
