"""Escaping per output format, applied to every value a template writes.

Values in a statement or a schedule come from a ruleset (names, titles, clauses) or the data
(episode ids, reasons), so none may carry the syntax of the document it is written into. Each
template's format is read off its name: ``.html`` (and ``.htm``, ``.xml``, ``.svg``) is HTML,
``.md`` Markdown, ``.txt`` plain text; a template whose name says no format (an included part,
``statement.css``) takes the format of the template being rendered. Every ``{{ value }}`` is
escaped for its format on the way out (the environment's ``finalize``), so a template author
cannot forget it; a value marked safe (``Markup``: the ``money`` filter's figures, the charts,
``| safe``, a macro's own output) is written as it is.

- HTML: ``&``, ``<``, ``>`` and quotes as entities (Jinja's own autoescaping), a control
  character other than a line break or tab as U+FFFD.
- Markdown: ``&``, ``<`` and ``>`` as entities, then a backslash before each character of
  inline syntax (`` \\ ` * _ [ ] | ~ ``; not an underscore inside a word) and before a heading,
  list or setext marker at the start of the value (a space at either end as ``&#32;``); every line
  break or tab as a space (a table row is one line) and any other control character as
  U+FFFD. ``| code`` writes a value as a code span (backticks, ``|`` escaped).
- Text: line breaks and tabs as a space, other control characters as U+FFFD (no escape
  sequence reaches a terminal).
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from jinja2 import pass_context
from jinja2.filters import make_attrgetter, sync_do_join
from jinja2.runtime import Context
from markupsafe import Markup, escape

FORMATS = {".html": "html", ".htm": "html", ".xml": "html", ".svg": "html", ".md": "markdown", ".markdown": "markdown",
           ".txt": "text"}
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")

# the format of the template being rendered, for parts whose names say none
RENDERING: ContextVar[str] = ContextVar("localpay_rendering_format", default="html")

_BREAKS = re.compile("\r\n|[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_HTML_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INLINE = re.compile(r"[\\`*_\[\]|~]")
_BLOCK_START = re.compile(r"^( {0,3})(#{1,6}(?=\s|$)|[-+](?=\s|$)|(?:=+|-+)(?=\s*$)|\d{1,9}(?=[.)](?:\s|$)))")


def format_of(name: str | None) -> str | None:
    """The output format a template's name declares (``statement.md.j2``: markdown), if any."""
    if not name:
        return None
    base = name.rsplit("/", 1)[-1].lower()
    for suffix in TEMPLATE_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    dot = base.rfind(".")
    return FORMATS.get(base[dot:]) if dot > 0 else None


def plain_text(text: str) -> str:
    """One line of text: line breaks and tabs as a space, other control characters as U+FFFD."""
    return _CONTROL.sub("\ufffd", _BREAKS.sub(" ", text))


def markdown_text(text: str, ends: bool = True) -> str:
    """Text that reads as itself in Markdown (GitHub's dialect, tables included); ``ends``: a
    value standing alone, whose spaces at either end are kept (not a separator such as ", ")."""
    text = plain_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(_escape_inline, text)
    if not ends:
        return text
    if text[-1:].isspace():  # a space before a closing ** would leave it unclosed
        text = f"{text[:-1]}&#{ord(text[-1])};"
    if text[:1].isspace():  # and after an opening one; four spaces starting a line would make a code block
        return f"&#{ord(text[0])};{text[1:]}"
    return _BLOCK_START.sub(_escape_marker, text)


def _escape_inline(match: re.Match) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char == "_" and 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum():
        return char  # inside a word (exclusive_end) an underscore cannot start or end emphasis
    return "\\" + char


def _escape_marker(match: re.Match) -> str:
    marker = match.group(2)
    if marker[0].isdigit():  # "1986. A year" would start an ordered list: escape the full stop
        return match.group(1) + marker + "\\"
    return match.group(1) + "\\" + marker


def code_span(value: object) -> Markup:
    """A Markdown code span holding the value as it is: fenced by more backticks than it holds
    in a row, ``|`` escaped (the span may sit in a table cell), on one line. An empty value is
    an empty pair of backticks."""
    text = plain_text(str(value)).replace("|", "\\|")
    if not text:
        return Markup("``")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if (text[0] in "` " or text[-1] in "` ") and text.strip(" ") else ""  # Markdown strips one each side
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def html_text(value: object) -> Markup:
    """Jinja's HTML escaping, and a control character (never valid in HTML) as U+FFFD."""
    escaped = escape(value)
    return Markup(_HTML_CONTROL.sub("\ufffd", escaped)) if _HTML_CONTROL.search(escaped) else escaped


ESCAPERS = {"markdown": markdown_text, "text": plain_text}


def current_format(context: Context) -> str:
    return format_of(context.name) or RENDERING.get()


def escape_for(context: Context, value: object) -> Markup:
    """The value as written into the context's template: escaped for its format unless it is
    already marked safe (or the template turned autoescaping off for a block)."""
    if not context.eval_ctx.autoescape:
        return value  # type: ignore[return-value]  # written with str(), as the template asked
    escaper = ESCAPERS.get(current_format(context))
    if escaper is None:
        return html_text(value)
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(escaper(str(value)))


@pass_context
def join(context: Context, value, d: str = "", attribute=None):
    """Jinja's ``join``, escaping each item (and a separator not marked safe) for the format:
    ``{{ cells | join(" | " | safe) }}`` makes a Markdown table row whose cells cannot break it."""
    escaper = ESCAPERS.get(current_format(context))
    if escaper is None or not context.eval_ctx.autoescape:
        return sync_do_join(context.eval_ctx, value, d, attribute)
    if attribute is not None:
        getter = make_attrgetter(context.environment, attribute)
        value = (getter(item) for item in value)
    if escaper is markdown_text and not hasattr(d, "__html__"):
        separator = Markup(markdown_text(str(d), ends=False))  # ", " keeps its space as it is
    else:
        separator = escape_for(context, d)
    return separator.join(escape_for(context, item) for item in value)
