"""Templates run sandboxed with strict undefined variables; an area folder or --templates can
override any template by name; writes are atomic."""

import pytest

from localpay import LocalpayError
from localpay.fileio import WriteError, atomic_write, atomic_write_with
from localpay.render import make_environment, render, template_dirs


def test_override_by_name_from_templates_dir_then_area_then_builtin(tmp_path):
    area = tmp_path / "area"
    (area / "templates").mkdir(parents=True)
    (area / "templates" / "statement.md.j2").write_text("area {{ s.id }}")
    override = tmp_path / "mine"
    override.mkdir()
    (override / "statement.md.j2").write_text("mine {{ s.id }}")
    ruleset = area / "2025-26.yaml"
    assert render(make_environment(template_dirs(ruleset, override)), "statement.md.j2", s={"id": "X"}) == "mine X"
    assert render(make_environment(template_dirs(ruleset, None)), "statement.md.j2", s={"id": "X"}) == "area X"
    builtin = make_environment(template_dirs(tmp_path / "none.yaml", None))
    assert builtin.get_template("statement.md.j2").filename.endswith("templates/statement.md.j2")


def test_user_templates_are_sandboxed(tmp_path):
    (tmp_path / "evil.html.j2").write_text("{{ s.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(LocalpayError, match="evil.html.j2"):
        render(make_environment([tmp_path]), "evil.html.j2", s={})


@pytest.mark.parametrize("call", ["s.totals.update({'payable': 0})", "s.lines.append(1)", "s.lines.pop()",
                                  "s.totals.clear()", "s.lines.extend([2])"])
def test_a_template_cannot_change_the_data_it_is_given(tmp_path, call):
    (tmp_path / "forged.md.j2").write_text("{% set _ = " + call + " %}{{ s.totals.payable }}")
    data = {"totals": {"payable": 12_345}, "lines": [7]}
    with pytest.raises(LocalpayError, match="forged.md.j2"):
        render(make_environment([tmp_path]), "forged.md.j2", s=data)
    assert data == {"totals": {"payable": 12_345}, "lines": [7]}  # untouched


def test_undefined_variables_are_errors_with_the_template_named(tmp_path):
    (tmp_path / "t.md.j2").write_text("line one\n{{ s.nothing }}\n")
    with pytest.raises(LocalpayError, match=r"template .*t.md.j2, line 2: 'read-only dict object' has no attribute 'nothing'"):
        render(make_environment([tmp_path]), "t.md.j2", s={})


def test_html_is_autoescaped_and_money_goes_through_the_filter(tmp_path):
    (tmp_path / "t.html.j2").write_text("{{ name }} {{ amount | money }}")
    env = make_environment([tmp_path])
    assert render(env, "t.html.j2", name="<b>A&B</b>", amount=123456) == "&lt;b&gt;A&amp;B&lt;/b&gt; £1,234.56"
    with pytest.raises(LocalpayError, match=r"t.html.j2, line 1: money must be integer pence or a Decimal, not float"):
        render(env, "t.html.j2", name="x", amount=1.5)


def test_a_missing_templates_folder_is_a_user_error(tmp_path):
    with pytest.raises(LocalpayError, match="is not a folder"):
        template_dirs(None, tmp_path / "absent")


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write(target, "old")

    def failing(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(WriteError, match=r"could not write '.*out\.csv': disk full"):  # a clear error, not a traceback
        atomic_write_with(target, failing)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
