"""The rules stage: local rules written in a ruleset's ``rules:`` block, compiled to Polars
expressions (row-local rules) and to durable-rules rulesets (rules across a person's history),
resolved by a stated policy and applied to episodes and payment lines."""

from .vocabulary import Operator, RuleAction, Vocabulary

__all__ = ["Operator", "RuleAction", "Vocabulary"]
