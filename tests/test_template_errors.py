"""Every mistake in a template is `localpay: error:` naming the template and the line, never a
traceback; templates are read from their folders only, never through a link out of them."""

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay import LocalpayError
from localpay.cli import cli
from localpay.render import make_environment, render


def error_of(folder: Path, name: str = "t.md.j2", **context) -> str:
    with pytest.raises(LocalpayError) as raised:
        render(make_environment([folder]), name, **context)
    return str(raised.value)


@pytest.mark.parametrize("text, where, message", [
    ("a\n{% for %}\n", "line 2", "Expected an expression, got 'end of statement block'"),
    ("a\nb {{ s.nothing }}\n", "line 2", "'read-only dict object' has no attribute 'nothing'"),
    ("a\n\nc {{ 1 / 0 }}\n", "line 3", "division by zero (ZeroDivisionError)"),
    ("{{ 12 | money('x') }}", "line 1", "format_money() takes 1 positional argument but 2 were given (TypeError)"),
    ("{{ 1.5 | money }}", "line 1", "money must be integer pence or a Decimal, not float (TypeError)"),
    ("{{ 'abc' | round }}", "line 1", "type str doesn't define __round__ method (TypeError)"),
    ("{{ s.totals | sum }}", "line 1", "unsupported operand type(s) for +: 'int' and 'str' (TypeError)"),
    ("{% include 'nothing.j2' %}", "line 1", "no template 'nothing.j2' in "),
    ("x\n{% extends 'nothing.j2' %}", "line 2", "no template 'nothing.j2' in "),
    ("{% include 't.md.j2' %}", "line 1", "calls or includes nested too deeply: a macro or an include calling itself?"),
    ("{{ s.totals.items()[0] }}", "line 1", ""),
])
def test_each_template_mistake_names_the_template_and_the_line(tmp_path, text, where, message):
    (tmp_path / "t.md.j2").write_text(text)
    error = error_of(tmp_path, s={"totals": {"payable": 1}})
    assert error.startswith(f"template {tmp_path / 't.md.j2'}, {where}: ")
    assert message in error


def test_a_template_not_in_utf8_names_the_line_and_the_byte(tmp_path):
    (tmp_path / "t.md.j2").write_bytes("line one\ncaf\xe9 {{ s }}\n".encode("latin-1"))
    assert error_of(tmp_path, s=1) == (f"template {tmp_path / 't.md.j2'}, line 2: byte 0xe9 (column 4) is not UTF-8; "
                                       "save the template as UTF-8")


def test_a_missing_top_template_names_every_folder_looked_in(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(LocalpayError, match=re.escape(f"template statement.xx.j2: no template 'statement.xx.j2' in {other}, ")):
        render(make_environment([other, Path(__file__).parent.parent / "templates"]), "statement.xx.j2")


@pytest.fixture
def folder(tmp_path):
    inside = tmp_path / "templates"
    (inside / "parts").mkdir(parents=True)
    (inside / "parts" / "row.j2").write_text("ROW")
    (tmp_path / "outside.j2").write_text("SECRET")
    return inside


@pytest.mark.parametrize("include, message", [
    ("/etc/passwd", "template '/etc/passwd': a template is named by its path inside the templates folder, not an absolute path"),
    ("../outside.j2", "template '../outside.j2': a template name may not go up a folder ('..')"),
    ("parts/../../outside.j2", "a template name may not go up a folder ('..')"),
])
def test_an_include_outside_the_folder_is_refused(folder, include, message):
    (folder / "t.md.j2").write_text("a\n{% include '" + include + "' %}")
    error = error_of(folder)
    assert error.startswith(f"template {folder / 't.md.j2'}, line 2: ") and message in error
    assert "SECRET" not in error


def test_a_link_out_of_the_folder_is_refused_and_a_link_inside_it_is_followed(folder):
    os.symlink("/etc/passwd", folder / "passwd.j2")
    os.symlink(folder.parent / "outside.j2", folder / "parts" / "out.j2")
    os.symlink(folder.parent, folder / "up")  # a folder link: everything under it is outside
    os.symlink(folder / "parts" / "row.j2", folder / "same.j2")
    for name, target in (("passwd.j2", "/etc/passwd"), ("parts/out.j2", folder.parent / "outside.j2"),
                         ("up/outside.j2", folder.parent / "outside.j2")):
        (folder / "t.md.j2").write_text("{% include '" + name + "' %}")
        assert error_of(folder) == (f"template {folder / 't.md.j2'}, line 1: template {folder / name} leads to {target}, "
                                    f"outside the templates folder {folder}: a template may not link out of its folder")
    (folder / "t.md.j2").write_text("{% include 'same.j2' %} {% include 'parts/row.j2' %}")
    assert render(make_environment([folder]), "t.md.j2") == "ROW ROW"


def test_a_template_that_is_itself_a_link_out_or_not_a_file_is_refused(folder):
    os.symlink("/etc/passwd", folder / "statement.md.j2")
    assert error_of(folder, "statement.md.j2") == (
        f"template {folder / 'statement.md.j2'} leads to /etc/passwd, outside the templates folder {folder}: "
        "a template may not link out of its folder")
    os.mkfifo(folder / "statement.html.j2")  # opening a pipe to read would wait for ever
    assert error_of(folder, "statement.html.j2") == f"template {folder / 'statement.html.j2'} is not a file"


def test_a_refused_template_does_not_fall_back_to_the_built_in_one(folder):
    os.symlink("/etc/passwd", folder / "statement.md.j2")
    builtin = Path(__file__).parent.parent / "templates"
    with pytest.raises(LocalpayError, match="leads to /etc/passwd"):
        render(make_environment([folder, builtin]), "statement.md.j2")


def test_a_template_larger_than_its_limit_is_refused(folder, monkeypatch):
    monkeypatch.setenv("LOCALPAY_TEMPLATE_MAX_SOURCE", "100")
    (folder / "t.md.j2").write_text("x" * 101)
    assert error_of(folder) == f"template {folder / 't.md.j2'} is larger than 100 bytes (LOCALPAY_TEMPLATE_MAX_SOURCE)"


@pytest.mark.parametrize("text, message", [
    ("{% set _ = s.totals.update({'payable': 0}) %}", "line 1: access to attribute 'update' of 'read-only dict' object is unsafe"),
    ("ok\n{{ 1 / 0 }}", "line 2: division by zero (ZeroDivisionError)"),
    ("{{ 'x' * 10**8 }}", "line 1: a value of 100,000,000 characters or items would pass the limit of 50,000,000"),
    ("{% include 'link.j2' %}", "line 1: template {d}/link.j2 leads to /etc/passwd"),
])
def test_the_command_line_ends_a_template_mistake_with_exit_2_and_no_traceback(tmp_path, text, message):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "e.csv").write_text(HEADER + "\nE1,P1,RT2,01W,14,2025-06-01,,,\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    os.symlink("/etc/passwd", mine / "link.j2")
    (mine / "statement.md.j2").write_text(text)
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "r.yaml"), str(tmp_path / "e.csv"), "--period", "2025-06",
                                      "--out", str(tmp_path / "out"), "--templates", str(mine)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"localpay: error: template {mine / 'statement.md.j2'}, {message.format(d=mine)}" in result.output
    assert not (tmp_path / "out" / "statement-RT2-01W-2025-06.md").exists()
