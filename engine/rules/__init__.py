"""The rules stage: local rules written in a ruleset's ``rules:`` block, compiled to Polars
expressions (row-local rules) and to durable-rules rulesets (rules across a person's history),
resolved by a stated policy and applied to episodes and payment lines."""

from .history import HistoryCondition, HistoryJoin, HistoryKind, ParseProblems
from .vocabulary import Operator, RuleAction, Vocabulary

__all__ = ["HistoryCondition", "HistoryJoin", "HistoryKind", "Operator", "ParseProblems", "RuleAction", "Vocabulary"]
