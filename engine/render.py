"""Rendering through Jinja templates in a sandbox.

Templates may be written by users (an area folder's ``templates/`` or ``--templates DIR``
overrides any built-in template by name), so they run in Jinja's immutable sandbox (a template can
read the data it is given, never change it: no ``append``, ``update`` or ``pop`` on a list or a
mapping, no attribute set) with strict undefined variables and HTML autoescaping. Money goes through one filter, never a float.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import LocalpayError
from . import charts
from .money import format_money, format_price


def template_dirs(ruleset_path: Path | None, override: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: --templates, the area's folder, built-in."""
    dirs = []
    if override is not None:
        if not Path(override).is_dir():
            raise LocalpayError(f"--templates {str(override)!r} is not a folder")
        dirs.append(Path(override))
    if ruleset_path is not None and (Path(ruleset_path).parent / "templates").is_dir():
        dirs.append(Path(ruleset_path).parent / "templates")
    dirs.append(Path(str(resources.files("localpay.templates"))))
    return dirs


def make_environment(dirs: list[Path]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=format_money, price=format_price, number=_number, signed=_signed,
                       activity_chart=charts.activity_chart, measures_chart=charts.measures_chart, plan_chart=charts.plan_chart,
                       money_chart=lambda months: charts.money_chart(months, format_money))
    return env


def render(env: ImmutableSandboxedEnvironment, template: str, /, **context) -> str:
    try:
        return env.get_template(template).render(**context)
    except TemplateError as error:
        where = getattr(error, "filename", None) or template
        line = getattr(error, "lineno", None)
        at = f"{where}, line {line}" if line else where
        raise LocalpayError(f"template {at}: {error.message or error}") from None


def _number(value: int | Decimal) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"number expects an int or Decimal, not {type(value).__name__}")
    return f"{value:,}"


def _signed(value: int | Decimal) -> str:
    return f"+{_number(value)}" if value > 0 else _number(value)


def to_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
