"""Row-local rules as vectorised Polars expressions: the default evaluator for rules whose
conditions are on the episode's own fields.

Logic is two-valued: a test on a missing value is false, so ``not`` of it is true (an episode
with no service is "not EIP"). The durable-rules compilation follows the same rule.
"""

from __future__ import annotations

import polars as pl

from .conditions import All, AnyOf, Node, Not, Test
from .model import Rule

MATCH_SCHEMA = {"episode_id": pl.String, "rule": pl.Int32}


def expression(node: Node | None) -> pl.Expr:
    if isinstance(node, Test):
        return node.op.polars(pl.col(node.field.name), node.field, node.value).fill_null(False)
    if isinstance(node, All):
        return pl.all_horizontal([expression(item) for item in node.items])
    if isinstance(node, AnyOf):
        return pl.any_horizontal([expression(item) for item in node.items])
    if isinstance(node, Not):
        return ~expression(node.item)
    raise TypeError(f"not a row-local condition: {node!r}")


def polars_matches(frame: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """``episode_id, rule`` (the rule's index) for every episode each rule matches."""
    if not rules or frame.is_empty():
        return pl.DataFrame(schema=MATCH_SCHEMA)
    columns = [expression(rule.local).alias(str(rule.index)) for rule in rules]
    hits = frame.select("episode_id", *columns).unpivot(index="episode_id", variable_name="rule", value_name="hit")
    return hits.filter(pl.col("hit")).select("episode_id", pl.col("rule").cast(pl.Int32))
