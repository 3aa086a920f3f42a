"""Each statement as an A4 PDF, --no-pdf on run and demo, and a clear error (exit 2, nothing
written) when a system library the PDF needs is missing, found before any money is computed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal

import polars as pl
import pypdf
import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, ruleset_text
from localpay import pdf
from localpay.cli import cli
from localpay.money import format_money

ROWS = "E1,P1,RT2,01W,3,2025-05-20,,community,CMHT\nE2,P2,RT2,01W,14,2025-06-01,,,\n"
A4 = (595.28, 841.89)  # points


@pytest.fixture
def files(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend"))
    (tmp_path / "e.csv").write_text(HEADER + "\n" + ROWS)
    return tmp_path


def run(files, out, *extra):
    result = CliRunner().invoke(cli, ["run", str(files / "r.yaml"), str(files / "e.csv"), "--period", "2025-06",
                                      "--out", str(out), *extra])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return out


def test_the_statement_pdf_is_a4_and_carries_the_total_of_its_lines(files):
    out = run(files, files / "out")
    lines = pl.read_csv(out / "lines.csv", infer_schema=False).filter(
        (pl.col("statement_id") == "RT2-01W-2025-06") & (pl.col("status") == "payable"))
    total = sum((Decimal(a) for a in lines["amount"]), Decimal("0.00"))
    # E1 30 days x £7.80 = £234.00; E2 28 days x £61.50 = £1,722.00
    assert total == Decimal("1956.00")
    reader = pypdf.PdfReader(out / "statement-RT2-01W-2025-06.pdf")
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    assert all((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) == A4 for p in reader.pages)
    assert f"Payable\n{format_money(total)}" in pages[0] or f"Payable {format_money(total)}" in pages[0]
    assert all(f"page {n} of {len(pages)}" in text for n, text in enumerate(pages, 1))
    assert all("NHS Testshire (01W) pays Test Trust (RT2)" in text for text in pages)


def test_no_pdf_writes_everything_else_the_same(files):
    with_pdf = run(files, files / "with")
    without = run(files, files / "without", "--no-pdf")
    names = {p.name for p in with_pdf.iterdir()}
    assert {p.name for p in without.iterdir()} == {n for n in names if not n.endswith(".pdf")}
    assert "statement-RT2-01W-2025-06.pdf" in names
    for name in ("lines.csv", "exceptions.csv", "statements.xlsx"):  # the statements name the command
        assert (with_pdf / name).read_bytes() == (without / name).read_bytes(), name


def test_the_demo_takes_no_pdf(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--area", "lambeth", "--people", "20", "--out", str(tmp_path / "d"),
                                      "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "d").rglob("*.pdf"))
    assert (tmp_path / "d" / "lambeth" / "statements" / "statements.xlsx").is_file()


# hides a shared library from cffi, which WeasyPrint loads Pango and HarfBuzz through, as if it
# were not installed
HIDE = textwrap.dedent("""\
    import os, cffi
    _real = cffi.FFI.dlopen
    def dlopen(self, name, flags=0):
        for hidden in os.environ["HIDE_LIBRARIES"].split(","):
            if hidden in str(name):
                raise OSError(f"cannot load library {name!r}: {name}: cannot open shared object file: "
                              "No such file or directory")
        return _real(self, name, flags)
    cffi.FFI.dlopen = dlopen
    """)
LOCALPAY = [sys.executable, "-c", "import sys; from localpay.cli import main; sys.argv[0] = 'localpay'; main()"]
NEEDS_PANGO = ("localpay: error: the PDF output needs the system library libpango-1.0-0 (Debian package "
               "libpango-1.0-0: apt-get install libpango-1.0-0); install it, or run again with --no-pdf\n")


def without(tmp_path, hidden: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "site").mkdir(exist_ok=True)
    (tmp_path / "site" / "sitecustomize.py").write_text(HIDE)
    environ = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "HIDE_LIBRARIES": hidden, **env}
    return subprocess.run([*LOCALPAY, *args], capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300)


@pytest.mark.parametrize("command", [["run", "{r}", "{e}", "--period", "2025-06"], ["demo", "--area", "lambeth", "--people", "20"],
                                     ["schedule", "stockport"]])
def test_a_missing_library_is_told_before_anything_is_computed_or_written(files, command):
    args = [part.format(r=files / "r.yaml", e=files / "e.csv") for part in command]
    done = without(files, "pango-1.0", *args, "--out", str(files / "out"))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NEEDS_PANGO)
    assert not (files / "out").exists() and not [p for p in files.iterdir() if "localpay" in p.name]
    allowed = without(files, "pango-1.0", *args, "--out", str(files / "out"), "--no-pdf")
    assert allowed.returncode == 0, allowed.stderr
    assert (files / "out").is_dir() and not list((files / "out").rglob("*.pdf"))


def test_each_missing_library_is_named_with_its_package(files):
    args = ["run", str(files / "r.yaml"), str(files / "e.csv"), "--period", "2025-06", "--out", str(files / "out")]
    done = without(files, "harfbuzz-subset,pangoft2", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == ("localpay: error: the PDF output needs the system libraries libharfbuzz-subset-0 and "
                           "libpangoft2-1.0-0 (Debian packages libharfbuzz-subset0 and libpangoft2-1.0-0: apt-get "
                           "install libharfbuzz-subset0 libpangoft2-1.0-0); install them, or run again with --no-pdf\n")


def test_no_font_is_told_rather_than_crashing(files):
    (files / "fonts.conf").write_text(f'<?xml version="1.0"?><fontconfig><dir>{files / "no-fonts"}</dir>'
                                      f'<cachedir>{files / "cache"}</cachedir></fontconfig>')
    args = ["run", str(files / "r.yaml"), str(files / "e.csv"), "--period", "2025-06", "--out", str(files / "out")]
    done = without(files, "nothing-hidden", *args, FONTCONFIG_FILE=str(files / "fonts.conf"))
    assert (done.returncode, done.stderr) == (2, "localpay: error: the PDF output needs a font (Debian package "
                                                 "fonts-dejavu-core: apt-get install fonts-dejavu-core); install it, "
                                                 "or run again with --no-pdf\n")
    assert not (files / "out").exists()


@pytest.mark.parametrize(("said", "package"), [
    ("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file", "libpango-1.0-0"),
    ("cannot load library 'libharfbuzz-subset.so.0': no such file", "libharfbuzz-subset0"),
    ("cannot load library 'libharfbuzz.so.0': no such file", "libharfbuzz0b"),
    ("cannot load library 'libpangoft2-1.0-0': no such file", "libpangoft2-1.0-0"),
    ("cannot load library 'gobject-2.0-0': no such file", "libglib2.0-0"),
    ("cannot load library 'libfontconfig-1': no such file", "libfontconfig1"),
])
def test_weasyprints_error_is_mapped_to_the_package(said, package):
    assert f"(Debian package {package}: apt-get install {package})" in pdf._from_error(OSError(said))


LONG_RULE = "crisis-escalation-within-28-days-of-crisis-team-discharge-sch3b5"  # 64 characters, the most an id has
LONG_FLAG = "x" * 64  # no hyphen: only breaking inside the word can wrap it
LONG_EPISODE = "E" * 131 + "000000001"  # 140 characters, no break in it
RULES = f"""\
rules:
  - id: {LONG_RULE}
    clause: Schedule 3B local variation 2
    when: {{cluster: 14}}
    then: {{uplift: 10%}}
  - id: {LONG_FLAG}
    clause: Schedule 6 validation rule 1
    when: {{service: CMHT}}
    then: {{flag: checked by the contract team}}
"""


def _words(page) -> list[tuple[float, str]]:
    """Each piece of text on ``page`` with the x at which it starts, in points."""
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], text))

    page.extract_text(visitor_text=visit)
    return found


def test_long_rule_and_episode_ids_wrap_inside_the_a4_page(files):
    assert len(LONG_RULE) == 64 and len(LONG_EPISODE) == 140
    (files / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY, "overdue_review: suspend") + RULES)
    (files / "e.csv").write_text(HEADER + "\n" + f"{LONG_EPISODE},P1,RT2,01W,3,2025-05-20,,community,CMHT\n"
                                 "E2,P2,RT2,01W,14,2025-06-01,,,\n")
    out = run(files, files / "out")
    lines = pl.read_csv(out / "lines.csv", infer_schema=False)
    # E2: 28 payable days x £61.50 = £1,722.00 (as above), uplifted 10% by the long rule: x 1.10 = £1,894.20
    assert lines.filter((pl.col("episode_id") == "E2") & (pl.col("status") == "payable"))["amount"].to_list() == [
        "1894.20"]
    reader = pypdf.PdfReader(out / "statement-RT2-01W-2025-06.pdf")
    right_margin = 12 * 72 / 25.4  # @page margin 12 mm
    for number, page in enumerate(reader.pages, 1):
        width = float(page.mediabox.width)
        outside = [(round(x), text) for x, text in _words(page) if not 0 <= x <= width - right_margin]
        assert outside == [], f"page {number}: text beyond the page box"
    pages = [page.extract_text() for page in reader.pages]
    joined = ["".join(text.split()) for text in pages]  # a wrapped id read back whole
    (rules_page,) = [n for n, text in enumerate(joined) if "Localrulesandvalidationflags" in text]
    # the rule's row and its value together: E2's lines, payable and suspended, 30 days x £61.50 x 1.10 = £2,029.50
    assert LONG_RULE + "21£2,029.50" in joined[rules_page]
    assert LONG_FLAG in joined[rules_page] and LONG_EPISODE in "".join(joined[rules_page:rules_page + 2])
    # every amount column is whole: the total payable on the first page, as before
    assert "£2,128.20" in joined[0]  # E1 30 days x £7.80 = £234.00, plus E2's £1,894.20
