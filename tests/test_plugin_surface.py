"""The built-in options keep to the plugin surface a third party has: every name a module under
``plugins/`` imports from localpay comes from ``localpay`` or ``localpay.plugin`` and is in that
module's ``__all__``, and no option package imports another one."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from conftest import REPO

PLUGINS = REPO / "plugins"
PUBLIC = ("localpay", "localpay.plugin")
FILES = sorted(PLUGINS.rglob("*.py"))


def module_name(path: Path) -> str:
    """The import name of a file under ``plugins/``: plugins/cluster/terms.py is localpay.plugins.cluster.terms."""
    parts = list(path.relative_to(PLUGINS).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["localpay", "plugins", *parts])


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a (possibly relative) ``from ... import`` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def option_of(module: str) -> str | None:
    """The option package a module belongs to (``cluster`` for localpay.plugins.cluster.terms)."""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["localpay", "plugins"] and len(parts) > 2 else None


def problems(source: str, path: Path) -> list[str]:
    module, is_package = module_name(path), path.name == "__init__.py"
    where = path.relative_to(REPO)
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [f"{where}, line {node.lineno}: import {alias.name}: import from localpay or localpay.plugin"
                      for alias in node.names if alias.name.startswith("localpay.") and alias.name != "localpay.plugin"]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(node, module, is_package)
            found += _from_problems(node, target, option_of(module), where)
    return found


def _from_problems(node: ast.ImportFrom, target: str, own: str | None, where) -> list[str]:
    at = f"{where}, line {node.lineno}: from {'.' * node.level}{node.module or ''} import"
    names = [alias.name for alias in node.names]
    if target == "localpay.plugins" or (target.startswith("localpay.plugins.") and option_of(target) != own):
        return [f"{at} {', '.join(names)}: an option package imports only its own modules"]
    if target.startswith("localpay.plugins."):
        return []  # its own package's modules
    if target != "localpay" and not target.startswith("localpay."):
        return []  # the standard library, polars, pydantic
    if target not in PUBLIC:
        return [f"{at} {', '.join(names)}: {target} is not the plugin surface; import from localpay.plugin"]
    public = importlib.import_module(target).__all__
    return [f"{at} {name}: {target} does not export {name!r} (not in its __all__)" for name in names
            if name not in public]


def test_the_option_packages_are_there():
    options = sorted(p.parent.name for p in PLUGINS.glob("*/__init__.py"))
    assert options == ["alliance", "block", "capitation", "cluster", "cquin", "outcomes", "pathway", "phb",
                       "risk_share"]


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(PLUGINS)))
def test_plugins_import_only_the_public_surface(path):
    assert problems(path.read_text(), path) == []


@pytest.mark.parametrize("source, expected", [
    ("from localpay.money import format_money\n", "line 1: from localpay.money import format_money: localpay.money is "
                                                  "not the plugin surface; import from localpay.plugin"),
    ("import localpay.lines\n", "line 1: import localpay.lines: import from localpay or localpay.plugin"),
    ("from localpay.plugin import _private\n", "line 1: from localpay.plugin import _private: localpay.plugin does "
                                               "not export '_private' (not in its __all__)"),
    ("from localpay import budgets\n", "line 1: from localpay import budgets: localpay does not export 'budgets' "
                                       "(not in its __all__)"),
    ("from localpay.plugin import *\n", "line 1: from localpay.plugin import *: localpay.plugin does not export '*' "
                                        "(not in its __all__)"),
    ("\nfrom ..cluster.terms import ClusterArrangement\n",
     "line 2: from ..cluster.terms import ClusterArrangement: an option package imports only its own modules"),
    ("from localpay.plugins.cluster import check\n",
     "line 1: from localpay.plugins.cluster import check: an option package imports only its own modules"),
])
def test_the_check_names_the_file_and_line(source, expected):
    assert problems(source, PLUGINS / "block" / "settle.py") == [f"plugins/block/settle.py, {expected}"]


def test_the_own_packages_modules_and_other_libraries_are_allowed():
    path = PLUGINS / "block" / "__init__.py"
    source = ("import polars as pl\nfrom .settle import settle\nfrom . import terms\n"
              "from localpay import hookimpl\nfrom localpay.plugin import Month\n")
    assert problems(source, path) == []
