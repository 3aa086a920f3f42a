"""A user template cannot change the money or the manifest, and cannot run without end: every
attempt, and every limit passed, is a LocalpayError naming the template and the line."""

import json
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay import LocalpayError
from localpay.frozen import FrozenDict, freeze
from localpay.render import make_environment, render, to_json
from localpay.sandbox import Limits
from localpay.statement.writing import write_outputs


def one(tmp_path: Path, text: str, name: str = "t.md.j2", limits: Limits | None = None, **context) -> str:
    (tmp_path / name).write_text(text)
    return render(make_environment([tmp_path], limits), name, **context)


def fails(tmp_path: Path, text: str, name: str = "t.md.j2", limits: Limits | None = None, **context) -> str:
    with pytest.raises(LocalpayError) as raised:
        one(tmp_path, text, name, limits, **context)
    return str(raised.value)


# -- nothing a template does reaches the statement, its JSON or the manifest

FORGERIES = [
    "{% set _ = s.totals.update({'payable': 0}) %}",
    "{% set _ = s.manifest.inputs.episodes.update({'sha256': 'forged'}) %}",
    "{% set _ = s.totals.__setitem__('payable', 0) %}",
    "{% set _ = s.arrangements.append({}) %}",
    "{% set _ = s.arrangements.pop() %}",
    "{% set _ = s.totals.clear() %}",
    "{% set _ = s.totals.setdefault('forged', 1) %}",
    "{% set _ = s.manifest.inputs.popitem() %}",
    "{% set _ = s.__class__.__mro__[1].__subclasses__() %}",
]


@pytest.fixture
def priced(price):
    # 28 days x 61.50 = 1,722.00 payable; 29 and 30 June suspended
    return price(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"), "E1,P1,RT2,01W,14,2025-06-01,,,", "2025-06")


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forgery_fails_with_the_template_and_line_and_the_figures_stand(tmp_path, priced, forgery):
    clean = write_outputs(priced.result, tmp_path / "clean", ["localpay", "run"])
    before = {p.name: p.read_bytes() for p in (tmp_path / "clean").iterdir()}
    templates = tmp_path / "mine"  # not "templates": that would be the area's folder, beside the ruleset
    templates.mkdir()
    (templates / "statement.md.j2").write_text("# {{ s.id }}\n" + forgery + "\n{{ s.totals.payable | money }}\n")
    with pytest.raises(LocalpayError, match=r"template .*statement.md.j2, line 2: "):
        write_outputs(priced.result, tmp_path / "forged", ["localpay", "run"], templates=templates)
    assert [s["totals"]["payable"] for s in clean.statements] == [Decimal("1722.00")]
    # the same run again writes the same bytes: nothing the forgery tried stuck to the result
    write_outputs(priced.result, tmp_path / "again", ["localpay", "run"])
    assert {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()} == before
    statement = json.loads(before["statement-RT2-01W-2025-06.json"])
    assert statement["totals"]["payable"] == "1722.00"


def test_a_template_renders_from_a_frozen_copy_so_even_a_hole_in_the_sandbox_changes_nothing(tmp_path):
    data = {"totals": {"payable": Decimal("63750.95")}, "lines": [1, 2], "path": Path("/x/y.csv")}
    json_before = to_json(data)
    env = make_environment([tmp_path])
    env.filters["hole"] = lambda mapping: mapping.update({"payable": 0})  # a filter that would let a template write
    (tmp_path / "t.md.j2").write_text("x\n{{ s.totals | hole }}")
    with pytest.raises(LocalpayError, match=r"t.md.j2, line 2: a template's data is read-only \(TypeError\)"):
        render(env, "t.md.j2", s=data)
    assert to_json(data) == json_before and data["totals"]["payable"] == Decimal("63750.95")


def test_freeze_makes_a_deep_read_only_copy_of_plain_data_only():
    data = {"a": [1, {"b": {3, 4}}], "p": Path("/tmp/x"), "d": Decimal("1.10")}
    frozen = freeze(data)
    assert frozen == {"a": (1, {"b": frozenset({3, 4})}), "p": "/tmp/x", "d": Decimal("1.10")}
    assert isinstance(frozen, FrozenDict) and isinstance(frozen["a"][1], FrozenDict)
    assert freeze(frozen) is frozen
    for change in (lambda: frozen.update(x=1), lambda: frozen.pop("a"), lambda: frozen.__setitem__("x", 1),
                   lambda: frozen.clear(), lambda: frozen.setdefault("x", 1), lambda: frozen.popitem()):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert json.loads(to_json(freeze({"a": [1, {"b": "c"}]}))) == {"a": [1, {"b": "c"}]}

    class Thing:
        pass

    with pytest.raises(TypeError, match="plain data only, not Thing"):
        freeze({"x": Thing()})


# -- limits: each a setting, each stopping at the template's line

SMALL = Limits(max_output=1_000, max_iterations=1_000, seconds=30, max_depth=20)


@pytest.mark.parametrize("text, message", [
    # 200 iterations x 10 characters = 2,000 written, past 1,000
    ("a\n{% for i in range(200) %}0123456789{% endfor %}", r"line 2: wrote more than 1,000 characters"),
    # the same text built inside a set block, where nothing is yielded until the end
    ("a\n{% set big %}{% for i in range(200) %}0123456789{% endfor %}{% endset %}", r"line 2: wrote more than 1,000 characters"),
    ("a\n\n{{ 'x' * 2000 }}", r"line 3: a value of 2,000 characters or items would pass the limit of 1,000"),
    # 40 x 40 = 1,600 iterations, past 1,000
    ("{% for i in range(40) %}\n{% for j in range(40) %}{% endfor %}\n{% endfor %}",
     r"line 2: more than 1,000 loop iterations \(LOCALPAY_TEMPLATE_MAX_ITERATIONS\)"),
    ("{% for i in s.rows %}{% for j in s.rows %}{% endfor %}{% endfor %}", r"line 1: more than 1,000 loop iterations"),
    ("{% for x in s.tree recursive %}{{ loop(s.tree) }}{% endfor %}", r"line 1: calls nested more than 20 deep"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}",
     r"line 1: calls nested more than 20 deep \(LOCALPAY_TEMPLATE_MAX_DEPTH\): a macro calling itself without end\?"),
    ("{% set l = [1] %}{% for x in l %}{% set _ = l.append(x) %}{% endfor %}",
     r"line 1: access to attribute 'append' of 'list' object is unsafe: a template may read its data, never change it"),
])
def test_each_limit_stops_the_rendering_at_its_line(tmp_path, text, message):
    assert re.search(message, fails(tmp_path, text, limits=SMALL, s={"rows": list(range(100)), "tree": [1]}))


def test_the_defaults_stop_a_hundred_megabytes_and_two_nested_loops_over_range_100000(tmp_path):
    assert "line 1: a value of 100,000,000 characters or items would pass the limit of 50,000,000 " \
           "(LOCALPAY_TEMPLATE_MAX_OUTPUT)" in fails(tmp_path, "{{ 'x' * 10**8 }}")
    assert Limits() == Limits(max_output=50_000_000, max_iterations=10_000_000, seconds=60, max_depth=100,
                              max_source=1_000_000)


def test_a_rendering_past_its_time_stops_at_the_line_running(tmp_path):
    limits = Limits(seconds=0.2)  # the loops below would take minutes
    message = fails(tmp_path, "a\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                    limits=limits)
    assert "t.md.j2, line 2: took longer than 0.2 seconds (LOCALPAY_TEMPLATE_SECONDS)" in message
    message = fails(tmp_path, "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
                    limits=limits)
    assert "t.md.j2, line 1: took longer than 0.2 seconds" in message


def test_the_timer_stops_a_step_that_never_returns_to_a_check(tmp_path):
    env = make_environment([tmp_path], Limits(seconds=0.2))

    def spin(value):  # a filter that loops without passing any of the sandbox's hooks
        while True:
            value = (value + 1) % 7

    env.filters["spin"] = spin
    (tmp_path / "t.md.j2").write_text("one\ntwo {{ 1 | spin }}\n")
    with pytest.raises(LocalpayError, match=r"t.md.j2, line 2: took longer than 0.2 seconds"):
        render(env, "t.md.j2")
    time.sleep(0.3)  # the timer is stopped: nothing is raised later in this thread
    (tmp_path / "u.md.j2").write_text("fine")
    assert render(env, "u.md.j2") == "fine"


@pytest.mark.parametrize("expression", [
    "'x'.center(10**10)", "'x'.ljust(10**10)", "'x' | center(10**10)", "'%0999999999d' % 1", "'%*d' % (10**9, 1)",
    "'%*d' | format(10**9, 1)", "'{:>999999999}'.format(1)", "'{0:{1}}'.format(1, 999999999)",
    "range(100000) | join('x' * 1000)", "'y'.join(['x' * 1000] * 100000)", "('x' * 100000) | replace('', 'y' * 1000)",
    "('x' * 100000).replace('', 'y' * 1000)", "('a\tb' * 1000).expandtabs(10**6)", "('x\\n' * 1000) | indent(10**6)",
    "lipsum(10**8)", "[1] | batch(10**10, 0) | list", "('x' * 1000) | wordwrap(1, wrapstring='y' * 100000)",
    "range(100) | slice(10**10) | list", "[['x'] * 1000] * 100000", "(range(100000) | list) + (range(100000) | list) * 1000",
    "([['x'] * 1000] * 100000) | join", "([['x'] * 1000] * 100000) | upper", "'%s' % ([['x'] * 1000] * 100000,)",
    "'{}'.format([['x'] * 1000] * 100000)", "'a' ~ [['x'] * 1000] * 100000",
])
def test_an_operation_that_would_make_one_huge_value_is_refused_before_it_runs(tmp_path, expression):
    message = fails(tmp_path, "ok\n{{ " + expression + " }}")
    assert "t.md.j2, line 2: " in message and "(LOCALPAY_TEMPLATE_MAX_OUTPUT)" in message


@pytest.mark.parametrize("expression", ["10 ** (10 ** 8)", "(10 ** 30000) * (10 ** 30000)"])
def test_a_huge_whole_number_is_refused(tmp_path, expression):
    assert "line 1: a whole number of more than 100,000 bits" in fails(tmp_path, "{{ " + expression + " }}")


def test_ordinary_work_is_not_limited(tmp_path):
    text = ("{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ range(3) | batch(1) | sum(start=[]) }} {{ 'x'.center(5) }}|"
            "{{ '%05d' % 42 }} {{ '{:>4}'.format(7) }} {{ ['a', 'b'] | join(',') }} {{ 'a' ~ 1 }}")
    # range(3) batched by one and summed: [0] + [1] + [2] = [0, 1, 2]
    assert one(tmp_path, text, "t.txt.j2") == "ababab 1024 [0, 1, 2]   x  |00042    7 a,b a1"


def test_limits_are_settings_read_from_the_environment():
    assert Limits.from_environment({"LOCALPAY_TEMPLATE_SECONDS": "2.5", "LOCALPAY_TEMPLATE_MAX_OUTPUT": "1_000",
                                    "LOCALPAY_TEMPLATE_MAX_ITERATIONS": " 7 "}) == Limits(
        max_output=1_000, max_iterations=7, seconds=2.5)
    assert Limits.from_environment({}) == Limits()
    for variable, text in (("LOCALPAY_TEMPLATE_SECONDS", "soon"), ("LOCALPAY_TEMPLATE_MAX_DEPTH", "0"),
                           ("LOCALPAY_TEMPLATE_MAX_OUTPUT", "1.5"), ("LOCALPAY_TEMPLATE_SECONDS", "inf")):
        with pytest.raises(LocalpayError, match=f"{variable}={text!r}: expected a"):
            Limits.from_environment({variable: text})


DOUBLINGS = {  # a string doubled, and the size refused: 512,000 characters twice and the format's own characters
    "format": ("{% set ns.s = '{}{}'.format(ns.s, ns.s) %}", "1,024,004"),
    "percent": ("{% set ns.s = '%s%s' % (ns.s, ns.s) %}", "1,024,004"),
    "named": ("{% set ns.s = '%(a)s%(a)s' % {'a': ns.s} %}", "1,024,010"),
    "format filter": ("{% set ns.s = '%s%s' | format(ns.s, ns.s) %}", "1,024,004"),
}


@pytest.mark.parametrize("doubling, size", DOUBLINGS.values(), ids=DOUBLINGS.keys())
def test_a_text_doubled_by_format_or_percent_is_refused_at_the_limit(tmp_path, doubling, size):
    text = ("{% set ns = namespace(s='x' * 1000) %}\n{% for _ in range(12) %}\n" + doubling
            + "\n{% endfor %}{{ ns.s | length }}")
    message = fails(tmp_path, text, limits=Limits(max_output=1_000_000))
    assert message == (f"template {tmp_path / 't.md.j2'}, line 3: a text of {size} characters or items would pass "
                       "the limit of 1,000,000 (LOCALPAY_TEMPLATE_MAX_OUTPUT)")


def test_a_format_or_percent_within_the_limit_still_works(tmp_path):
    text = ("{{ '{}-{:>4}-{x}'.format('a', 7, x='b') }} {{ '%s-%05d-%%' % ('a', 42) }} {{ '%(a)s%(a)s' % {'a': 'y'} }} "
            "{{ ('x' * 499990) ~ '' }}{{ '{}{}'.format('x' * 4, 'y' * 4) }}|{{ '%s%s' % ('x' * 3, 'y' * 3) }}")
    written = one(tmp_path, text, "t.txt.j2", limits=Limits(max_output=1_000_000))
    assert written == "a-   7-b a-00042-% yy " + "x" * 499990 + "xxxxyyyy|xxxyyy"


@pytest.mark.parametrize("expression", ["('x' * 100000) | batch(1) | list", "('x' * 100000) | map('list') | list"])
def test_many_small_lists_are_counted_with_their_headers(tmp_path, expression):
    # 100,000 items read into 100,000 one-item lists: under the limit as items, far past it as memory
    message = fails(tmp_path, "ok\n{{ " + expression + " | length }}", limits=Limits(max_output=500_000))
    assert "t.md.j2, line 2: a list of " in message and "would pass the limit of 500,000" in message
    assert one(tmp_path, "{{ range(3) | batch(1) | list }} {{ 'ab' | map('list') | list }}", "t.txt.j2") \
        == "[[0], [1], [2]] [['a'], ['b']]"
