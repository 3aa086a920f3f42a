"""The hookspecs module is the plugin authors' reference: every hook must be documented there,
named in the README, and exercised by a test other than this one. The functions a payment option
declares are protocols, each documented the same way."""

import dataclasses
import inspect
import re
import typing
from pathlib import Path

import pytest

from conftest import REPO
from localpay import hookspecs, plugin_contract as options
from localpay.rules import history

HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("localpay_")]
PROTOCOLS = [cls for _, cls in inspect.getmembers(options, inspect.isclass)
             if typing.Protocol in cls.__mro__ and cls.__module__ == options.__name__]


def test_there_are_hooks():
    assert HOOKS == ["localpay_episode_checks", "localpay_history_kinds", "localpay_indicators", "localpay_input_tables",
                     "localpay_payment_options", "localpay_rule_actions", "localpay_rule_operators",
                     "localpay_schedule_sections"]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 200 and ":return:" in doc and "Example::" in doc
    for parameter in inspect.signature(getattr(hookspecs, hook)).parameters:
        assert f":param {parameter}:" in doc


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_in_the_readme(hook):
    assert hook in (REPO / "README.md").read_text()


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    here = Path(__file__).resolve()
    users = [p for p in here.parent.glob("test_*.py") if p != here and re.search(rf"def {hook}\b", p.read_text())]
    assert users, f"no test implements {hook}"


def test_hookimpl_is_exported_from_the_package_root():
    import localpay

    assert localpay.hookimpl is hookspecs.hookimpl


def test_every_function_an_option_declares_is_a_protocol():
    hints = typing.get_type_hints(options.PaymentOption)
    functions = {f.name: hints[f.name] for f in dataclasses.fields(options.PaymentOption)
                 if any(t in PROTOCOLS for t in typing.get_args(hints[f.name]) or (hints[f.name],))}
    assert sorted(functions) == ["activity", "assessment_items", "check", "describe", "measures", "needs_from", "plan_rows", "planned",
                                 "price", "settle", "timing", "validation"]
    assert len(PROTOCOLS) == len(functions)


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda protocol: protocol.__name__)
def test_option_protocol_is_documented(protocol):
    assert len(inspect.getdoc(protocol) or "") > 40
    doc = inspect.getdoc(protocol.__call__) or ""
    assert ":return:" in doc
    parameters = list(inspect.signature(protocol.__call__).parameters)[1:]
    assert parameters
    for parameter in parameters:
        assert f":param {parameter}:" in doc


KIND_METHODS = ["parse", "evaluate", "describe", "clusters"]


@pytest.mark.parametrize("method", KIND_METHODS)
def test_history_kind_protocol_is_documented(method):
    """A history kind's methods are its reference, as a hook's docstring is."""
    assert len(inspect.getdoc(history.HistoryKind) or "") > 40
    doc = inspect.getdoc(getattr(history.HistoryKind, method)) or ""
    parameters = list(inspect.signature(getattr(history.HistoryKind, method)).parameters)[1:]
    assert parameters and ":return:" in doc
    for parameter in parameters:
        assert f":param {parameter}:" in doc
