"""Rulesets: the contract managers' interface, loaded from YAML and strictly validated.

The package holds what a loaded ruleset is; loading it (``load``) needs the rules and measures
stages, which build on these types, so it is imported from ``localpay.ruleset.load``."""

from .models import Arrangement, Party, Period, RulesetDocument, Settings
from .ruleset import Ruleset
from .types import ClusterCode, Code, Dated, Identifier, OverdueMode, Pence, Price, StrictModel, dated_items

__all__ = [
    "Arrangement", "ClusterCode", "Code", "Dated", "Identifier", "OverdueMode", "Party", "Pence", "Period",
    "Price", "Ruleset", "RulesetDocument", "Settings", "StrictModel", "dated_items",
]
