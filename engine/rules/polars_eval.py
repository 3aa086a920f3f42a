"""A rule's conditions on the episode's own fields as one vectorised Polars expression (the
columnar evaluator joins each history condition's answer to it: ``evaluate.py``).

Logic is two-valued: a test on a missing value is false, so ``not`` of it is true (an episode
with no service is "not EIP"). The durable-rules compilation follows the same rule.
"""

from __future__ import annotations

import polars as pl

from .conditions import All, AnyOf, Node, Not, Test

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
