"""Every value a template writes is escaped for its format: a name, an id or a clause holding
`<script>`, `|`, backticks, newlines or control characters reads as itself and never changes the
document's structure. Markdown is checked with GitHub's own renderer (cmark-gfm)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.escaping import code_span, format_of, markdown_text, plain_text
from localpay.render import make_environment, render
from localpay.schedule.document import build_schedule
from localpay.statement.writing import write_outputs

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a | b", "`tick` and ``two``", "*bold* _it_ ~~s~~",
           "[link](javascript:alert(1))", "# heading", "- item", "1. first", "> quote", "---", "===", "    code",
           "line\nbreak\r\nand\rreturn", "tab\there", "esc \x1b[2J bell \x07 nul \x00 del \x7f c1 \x85\x9b", "back\\slash|",
           "&amp; &lt;b&gt;", "\"quoted\" 'single'", "x" * 5000, "\u2028sep\u2029", "|", "\\", "`", " lead", "trail ", "_under_"]
TEXT = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
                 st.text(st.sampled_from("<>&\"'|`*_[]#~\\-+=.!() \n\r\t\x00\x1bab1"), min_size=1, max_size=30))


ENVIRONMENTS: dict = {}


def environment(tmp_path_factory, **templates):
    """One environment per set of templates, made once (a property test renders hundreds of times)."""
    key = tuple(sorted(templates.items()))
    if key not in ENVIRONMENTS:
        folder = tmp_path_factory.mktemp("templates")
        for name, text in templates.items():
            (folder / name.replace("_", ".")).write_text(text)
        ENVIRONMENTS[key] = make_environment([folder])
    return ENVIRONMENTS[key]


def gfm(text: str) -> str:
    # the table and strikethrough extensions as GitHub has them, raw HTML let through: any tag a
    # value could inject would show in the output
    return cmarkgfm.markdown_to_html_with_extensions(text, options=Options.CMARK_OPT_UNSAFE,
                                                     extensions=["table", "strikethrough"])


class Parsed(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.text: dict[str, list[str]] = {}
        self.open: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.text.setdefault(self.open[-1], []).append(data)


def test_markdown_escaping_examples():
    assert markdown_text("bad_date") == "bad_date"  # inside a word an underscore is inert: left as it is
    assert markdown_text("<b>A & B</b> | `x` *y* _z_ [a](b) ~s~") == (
        r"&lt;b&gt;A &amp; B&lt;/b&gt; \| \`x\` \*y\* \_z\_ \[a\](b) \~s\~")
    assert [markdown_text(t) for t in ("# h", "- item", "+ x", "-5", "1986. A year", "===", " lead", "a\nb\tc")] == [
        r"\# h", r"\- item", r"\+ x", "-5", r"1986\. A year", r"\===", "&#32;lead", "a b c"]
    assert plain_text("a\nb\x1b[2J\x00") == "a b\ufffd[2J\ufffd"
    assert [code_span(t) for t in ("eip-uplift", "a|b", "x`y", "`", "", "  ")] == [
        "`eip-uplift`", r"`a\|b`", "``x`y``", "`` ` ``", "``", "`  `"]
    assert [format_of(n) for n in ("statement.md.j2", "statement.html.j2", "explain.txt.j2", "statement.css", "x.j2", None)] == [
        "markdown", "html", "text", None, None, None]


@given(TEXT)
@settings(max_examples=300, deadline=None, derandomize=True)
def test_a_value_in_markdown_reads_as_itself_and_keeps_the_table(tmp_path_factory, value):
    env = environment(tmp_path_factory, t_md_j2="{{ v }}\n\n| one | two |\n|---|---|\n| {{ v }} | {{ v | code }} |\n")
    rendered = render(env, "t.md.j2", v=value)
    parsed = Parsed(gfm(rendered))
    # a paragraph, then a table of one header row and one body row of two cells: nothing more, nothing less
    assert [tag for tag, _ in parsed.tags] == ["p", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td", "code"]
    expected = plain_text(value).strip(" ")
    assert "".join(parsed.text.get("p", [])).strip(" ") == expected
    assert "".join(parsed.text.get("td", [])).strip(" ") == expected
    assert "<" not in markdown_text(value)
    assert "".join(parsed.text.get("code", [])) == plain_text(value) or plain_text(value).strip(" ") == ""


@given(TEXT)
@settings(max_examples=200, deadline=None, derandomize=True)
def test_a_value_in_html_and_text_reads_as_itself(tmp_path_factory, value):
    env = environment(tmp_path_factory, t_html_j2='<p title="{{ v }}">{{ v }}</p>', t_txt_j2="{{ v }}|{{ v }}")
    parsed = Parsed(render(env, "t.html.j2", v=value))
    assert parsed.tags == [("p", ("title",))]
    assert "".join(parsed.text.get("p", [])) == re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "\ufffd", value)
    text = render(env, "t.txt.j2", v=value)
    assert text == plain_text(value) + "|" + plain_text(value)
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def _replaced(value, text: str):
    """The document with every string in it (not the keys) replaced by ``text``."""
    if isinstance(value, dict):
        return {k: _replaced(v, text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(v, text) for v in value]
    return text if isinstance(value, str) else value


def _shape(env, name: str, **context) -> tuple:
    """The tags of the document as a browser (HTML) or GitHub (Markdown) reads it; for Markdown
    also its lines and the cells of each table row."""
    rendered = render(env, name, **context)
    if not name.endswith(".md.j2"):
        return Parsed(rendered).tags, None
    rows = [line.count("|") - line.count("\\|") for line in rendered.splitlines() if line.startswith("|")]
    return Parsed(gfm(rendered)).tags, (rows, len(rendered.splitlines()))


@pytest.fixture
def documents(price, plugins, tmp_path):
    ruleset = ruleset_text(CLUSTER_PER_DAY + "  activity_plan: {14: 3650}\n", "overdue_review: suspend")
    case = price(ruleset, "E1,P1,RT2,01W,14,2025-06-01,,,\nE2,P2,RT2,01W,99,2025-06-01,,,", "2025-06")
    [statement] = write_outputs(case.result, tmp_path / "out", ["localpay", "run"]).statements
    return statement, build_schedule(case.result.ruleset, plugins)


def test_hostile_strings_leave_the_built_in_documents_shaped_as_plain_ones(documents):
    statement, schedule = documents
    builtin = make_environment([Path(__file__).resolve().parent.parent / "templates"])

    @given(st.one_of(st.sampled_from(HOSTILE), TEXT))
    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    def check(text):
        for name, key, document in (("statement.md.j2", "s", statement), ("statement.html.j2", "s", statement),
                                    ("schedule.md.j2", "d", schedule), ("schedule.html.j2", "d", schedule)):
            plain = _shape(builtin, name, **{key: _replaced(document, "plain")})
            hostile = _shape(builtin, name, **{key: _replaced(document, text)})
            assert hostile == plain, name

    check()


def test_hostile_names_in_a_real_statement_are_escaped_in_every_format(documents, tmp_path):
    statement, _ = documents
    hostile = _replaced(statement, "<script>x</script> | `y` \x1b[2J")
    builtin = make_environment([Path(__file__).resolve().parent.parent / "templates"])
    md = render(builtin, "statement.md.j2", s=hostile)
    page = render(builtin, "statement.html.j2", s=hostile)
    # in a code span (the decisions' rule ids) the text is shown as written; nowhere is it a tag
    assert "<script" not in gfm(md) and "<script" not in page and "\x1b" not in md + page
    assert "# Payment statement: &lt;script&gt;x&lt;/script&gt; \\| \\`y\\` \ufffd\\[2J\n" in md
    assert "&lt;script&gt;x&lt;/script&gt; | `y` \ufffd[2J" in page


def test_a_separator_keeps_its_spaces_and_a_value_its_own(tmp_path):
    (tmp_path / "t.md.j2").write_text("{{ ['a ', 'b|c'] | join(', ') }}; {{ ['x', 'y'] | join(' | ' | safe) }}"
                                      "{% for r in ['p', 'q'] %}{{ r }}{% if not loop.last %}, {% endif %}{% endfor %}")
    # each item escaped on its own (a trailing space kept as &#32;, | escaped); the separator as written
    assert render(make_environment([tmp_path]), "t.md.j2") == r"a&#32;, b\|c; x | yp, q"
