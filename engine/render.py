"""Rendering through Jinja templates in a sandbox.

Templates may be written by users (an area folder's ``templates/`` or ``--templates DIR``
overrides any built-in template by name), so they run in Jinja's immutable sandbox
(``sandbox.Sandbox``: a template can read the data it is given, never change it, and stops at
its limits) over a frozen copy of that data (``frozen.freeze``), are read from their folders
only (``template_loader``), and every value they write is escaped for their format
(``escaping``). Undefined variables are errors. Money goes through one filter, never a float.
Any error in a template is a ``LocalpayError`` naming the template and the line.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import wraps
from importlib import resources
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from . import charts
from .errors import LocalpayError
from .escaping import code_span
from .frozen import freeze
from .money import format_money, format_price
from .sandbox import Limits, RenderTimeout, Sandbox
from .template_loader import FolderLoader, TemplateRefused


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


def make_environment(dirs: list[Path], limits: Limits | None = None) -> Sandbox:
    """The templates in ``dirs`` (first match wins), with the limits given or, by default,
    those the environment variables set (``sandbox.Limits``)."""
    limits = limits or Limits.from_environment()
    env = Sandbox(
        limits,
        loader=FolderLoader(dirs, limits.max_source),
        autoescape=True,  # escaped for each template's own format: see ``escaping``
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=_figure(format_money), price=_figure(format_price), number=_figure(_number),
                       signed=_figure(_signed), code=code_span,
                       activity_chart=charts.activity_chart, measures_chart=charts.measures_chart, plan_chart=charts.plan_chart,
                       money_chart=lambda months: charts.money_chart(months, format_money))
    return env


def render(env: Sandbox, template: str, /, **context) -> str:
    """The named template rendered from a frozen copy of ``context``: nothing it does can
    change the objects passed in."""
    frozen = {name: freeze(value) for name, value in context.items()}
    try:
        return env.render_bounded(template, frozen)
    except Exception as error:  # whatever a template does wrong is the template's error, told as such
        raise LocalpayError(describe(error, template, env.limits)) from error


def describe(error: BaseException, template: str, limits: Limits) -> str:
    """``template FILE, line N: what went wrong``, at the innermost template line the error
    passed through (the included template, the macro's line)."""
    where, line = _location(error)
    if isinstance(error, TemplateRefused) and where is None:
        return str(error)  # names its own file
    if isinstance(error, RenderTimeout):
        what = f"took longer than {limits.seconds:g} seconds (LOCALPAY_TEMPLATE_SECONDS)"
    elif isinstance(error, SecurityError):
        what = f"{str(error.message or error).rstrip('.')}: a template may read its data, never change it or reach past it"
    elif isinstance(error, TemplateNotFound):
        what = str(error.message or f"no template {error.name!r}")
    elif isinstance(error, TemplateError):
        what = str(error.message or error)
    elif isinstance(error, RecursionError):
        what = "calls or includes nested too deeply: a macro or an include calling itself?"
    elif isinstance(error, MemoryError):
        what = "ran out of memory"
    else:
        what = f"{error} ({type(error).__name__})" if str(error) else type(error).__name__
    at = f"{where or template}, line {line}" if line else (where or template)
    return f"template {at}: {what}"


def _location(error: BaseException) -> tuple[str | None, int | None]:
    if isinstance(error, TemplateSyntaxError) and error.lineno:
        return error.filename or error.name, error.lineno
    found: tuple[str | None, int | None] = (None, None)
    trace = error.__traceback__
    while trace is not None:
        if "__jinja_exception__" in trace.tb_frame.f_globals:  # a template's frame, as Jinja rewrites it
            found = (trace.tb_frame.f_code.co_filename, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _figure(format_figure):
    """A filter writing a figure: its text is marked safe (digits, £, commas, a sign) so that
    no format escapes it."""

    @wraps(format_figure)
    def figure(value) -> Markup:
        return Markup(format_figure(value))

    return figure


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
