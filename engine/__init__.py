"""localpay: a rules engine and plugin framework for local payment arrangements in NHS mental
health services. The CLI (``localpay``) is a thin shell over this library API."""

__version__ = "0.1.0"

from .errors import InputError, LocalpayError, PluginError, Problem, RulesetError
from .hookspecs import hookimpl
from .inputs.checks import RowCheck
from .plugin_contract import PaymentOption
from .plugin_values import ActivityRow, Priced, PricingContext, ScheduleSection, SettlementContext, Table
from .ruleset import Arrangement, Ruleset

__all__ = [
    "ActivityRow", "Arrangement", "InputError", "LocalpayError", "PaymentOption", "PluginError",
    "Priced", "PricingContext", "Problem", "RowCheck", "Ruleset", "RulesetError",
    "ScheduleSection", "SettlementContext", "Table", "__version__", "hookimpl",
]
