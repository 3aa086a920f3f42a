"""The plugin manager factory. Nothing loads at import time: each run asks for a manager.

Built-in plugins always load. Third-party plugins come from the ``localpay`` entry-point group;
``LOCALPAY_LOAD_PLUGINS`` (comma-separated entry-point names, empty for none) limits which. A
plugin that fails to import is reported by name and the others still load.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib.metadata import entry_points

import pluggy

from . import hookspecs
from .measures.indicators import compose_indicators
from .inputs.tables import InputTable, compose_tables, input_columns
from .plugin_contract import PaymentOption, compose_options
from .rules.vocabulary import Vocabulary, compose_vocabulary

GROUP = "localpay"
ENV_VAR = "LOCALPAY_LOAD_PLUGINS"
DEFAULT_PLUGINS = ("localpay.inputs.default_checks", "localpay.rules.builtin", "localpay.rules.history_kinds",
                   "localpay.measures.builtin", "localpay.schedule.sections", "localpay.plugins.cluster",
                   "localpay.plugins.pathway", "localpay.plugins.outcomes", "localpay.plugins.cquin",
                   "localpay.plugins.alliance", "localpay.plugins.block", "localpay.plugins.risk_share",
                   "localpay.plugins.capitation", "localpay.plugins.phb")


@dataclass(frozen=True)
class PluginFailure:
    name: str
    error: str


@dataclass(frozen=True)
class PluginInfo:
    name: str
    source: str
    hooks: tuple[str, ...]


@dataclass
class Plugins:
    """A plugin manager with what it loaded, what failed, and the options it composes."""

    manager: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @cached_property
    def options(self) -> dict[str, PaymentOption]:
        return compose_options(self.manager.hook.localpay_payment_options())

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The rule operators, actions and history kinds every plugin declares, built-in ones
        included, and the measures' indicators."""
        hook = self.manager.hook
        operators, actions, indicators = (hook.localpay_rule_operators(), hook.localpay_rule_actions(),
                                          hook.localpay_indicators())
        rules = compose_vocabulary(operators, actions, hook.localpay_history_kinds())
        return replace(rules, indicators=compose_indicators(indicators))

    @cached_property
    def input_tables(self) -> dict[str, InputTable]:
        """The optional input tables every plugin declares, by name, in their stated order."""
        return compose_tables(self.manager.hook.localpay_input_tables())

    @property
    def input_columns(self) -> dict[str, tuple[str, ...]]:
        """Every input table's columns by name, the episodes and assessments among them."""
        return input_columns(self.input_tables)

    def episode_checks(self, ruleset) -> list:
        return [check for checks in self.manager.hook.localpay_episode_checks(ruleset=ruleset) for check in checks]

    def describe(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in self.manager.list_name_plugin():
            hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or ())
            infos.append(PluginInfo(name, self.sources.get(name, "built-in"), tuple(hooks)))
        return sorted(infos, key=lambda info: (info.source != "built-in", info.name))


def make_plugins(load_entry_points: bool = True, extra: tuple[object, ...] = ()) -> Plugins:
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager)
    for module_name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points:
        _load_entry_points(plugins)
    for plugin in extra:
        manager.register(plugin)
    return plugins


def _load_entry_points(plugins: Plugins) -> None:
    wanted = os.environ.get(ENV_VAR)
    allowed = None if wanted is None else {n.strip() for n in wanted.split(",") if n.strip()}
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        if allowed is not None and point.name not in allowed:
            continue
        try:
            plugin = point.load()
            plugins.manager.register(plugin, name=point.name)
        except Exception as error:  # a broken plugin must not stop the others loading
            plugins.failures.append(PluginFailure(point.name, f"{type(error).__name__}: {error}"))
            continue
        dist = point.dist
        plugins.sources[point.name] = f"{dist.name} {dist.version}" if dist else "entry point"
