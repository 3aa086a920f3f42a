"""Rulesets: the contract managers' interface, loaded from YAML and strictly validated."""

from .load import bundled_rulesets, load_ruleset, resolve_ruleset_path
from .models import Arrangement, Party, Period, RulesetDocument, Settings
from .ruleset import Ruleset
from .types import ClusterCode, Code, Dated, Identifier, OverdueMode, Pence, Price, StrictModel, dated_items

__all__ = [
    "Arrangement", "ClusterCode", "Code", "Dated", "Identifier", "OverdueMode", "Party", "Pence", "Period",
    "Price", "Ruleset", "RulesetDocument", "Settings", "StrictModel", "bundled_rulesets",
    "dated_items", "load_ruleset", "resolve_ruleset_path",
]
