"""The hookspecs module is the plugin authors' reference: every hook must be documented there,
named in the README, and exercised by a test other than this one."""

import inspect
import re
from pathlib import Path

import pytest

from conftest import REPO
from localpay import hookspecs

HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("localpay_")]


def test_there_are_hooks():
    assert HOOKS == ["localpay_episode_checks", "localpay_history_kinds", "localpay_indicators", "localpay_payment_options",
                     "localpay_rule_actions", "localpay_rule_operators", "localpay_schedule_sections"]


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
