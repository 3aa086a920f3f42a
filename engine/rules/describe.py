"""Conditions and rules in plain English, generated from their definitions (for explanations,
the validate report and the contract schedule)."""

from __future__ import annotations

from .conditions import All, Node, Not, Test
from .history import HistoryCondition
from .model import Rule
from .wording import label, one_of, value


def condition(node: Node | None, nested: bool = False) -> str:
    if node is None:
        return "always"
    if isinstance(node, Test):
        return node.op.describe(label(node.field.name), node.field, node.value)
    if isinstance(node, HistoryCondition):
        return node.describe()
    if isinstance(node, Not):
        inner = node.item
        if isinstance(inner, Test) and inner.op.name == "equals":
            return f"{label(inner.field.name)} is not {value(inner.field, inner.value)}"
        if isinstance(inner, Test) and inner.op.name == "one_of":
            return f"{label(inner.field.name)} is not {one_of(inner.field, inner.value)}"
        return f"not ({condition(inner)})"
    joiner = " and " if isinstance(node, All) else " or "
    text = joiner.join(condition(item, nested=True) for item in node.items)
    return f"({text})" if nested and len(node.items) > 1 else text


def rule(r: Rule) -> str:
    """"Episodes where the cluster is 10 and service is 'EIP' are paid 10% above the price
    (Schedule 3B local variation 2)"."""
    actions = "; ".join(a.describe() for a in r.then)
    clause = f" ({r.clause})" if r.clause else ""
    return f"Where {condition(r.when)}: {actions}{clause}"
