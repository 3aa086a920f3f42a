"""A command run again into its ``--out`` leaves only the new outputs there, and the manifest
lists exactly the files on disk; told ``--replace-out``, a folder of files localpay did not write
is moved aside whole, never deleted, and the command says where it went."""

from __future__ import annotations

import datetime as dt
import json
import re
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, csv_text, ruleset_text
from localpay import api, outfolder
from localpay.cli import cli
from localpay.errors import LocalpayError
from localpay.ledger.store import Store
from localpay.ledger.views import export
from localpay.outfolder import verify
from localpay.pipeline import Inputs

ALLIANCE = """\
- id: living-well
  option: alliance
  commissioner: 01W
  clause: Schedule 3 alliance agreement
  annual_value: 1200000.00
  members: [{party: RXV, share: 40%}, {party: RT2, share: 35%}, {party: 01W, share: 25%}]
"""
ROWS = """\
    E1,P1,RT2,01W,3,2025-05-01,,community,CMHT
    E2,P2,RT2,01W,22,2025-06-01,,community,CMHT
    """


@pytest.fixture
def area(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "alliance.yaml").write_text(ruleset_text(CLUSTER_PER_DAY + ALLIANCE))
    (tmp_path / "e.csv").write_text(csv_text(HEADER, ROWS))
    return tmp_path


def on_disk(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def listed(folder: Path, prefix: str = "") -> list[str]:
    """Every file the manifests account for: the folder's outputs and its manifest, and those of
    each unit it or any unit in it lists, at any depth."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {prefix + name for name in [*manifest["outputs"], "manifest.json"]}
    for unit in manifest.get("units", {}):
        names |= set(listed(folder / unit, f"{prefix}{unit}/"))
    return sorted(names)


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def run(area: Path, plugins, ruleset: str, out: Path, period: str = "2025-06", first: str | None = None):
    loaded = api.open_ruleset(area / ruleset, plugins)
    return api.run_statement(loaded, plugins, Inputs(area / "e.csv"), period, out, first, command=["localpay", "run"])


def assert_clean(out: Path, fresh: Path) -> None:
    """``out`` holds exactly what a run into an empty folder writes, and its manifest lists exactly that."""
    assert on_disk(out) == on_disk(fresh)
    assert listed(out) == on_disk(out)
    assert verify(out) == []
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.localpay-")] == []


def test_a_run_without_the_alliance_leaves_no_alliance_csv(area, plugins):
    out = area / "out"
    run(area, plugins, "alliance.yaml", out, "2025-06", "2025-05")
    assert "alliance.csv" in on_disk(out) and listed(out) == on_disk(out)
    run(area, plugins, "r.yaml", out, "2025-06")
    run(area, plugins, "r.yaml", area / "fresh", "2025-06")
    assert "alliance.csv" not in on_disk(out)
    assert_clean(out, area / "fresh")


def test_a_run_over_one_month_leaves_no_statement_of_the_month_before(area, plugins):
    out = area / "out"
    run(area, plugins, "r.yaml", out, "2025-05")
    assert "statement-RT2-01W-2025-05.md" in on_disk(out)
    run(area, plugins, "r.yaml", out, "2025-06")
    run(area, plugins, "r.yaml", area / "fresh", "2025-06")
    assert not [name for name in on_disk(out) if "2025-05" in name]
    assert_clean(out, area / "fresh")


def _earlier(folder: Path, kind: str | None, stale: dict[str, bytes]) -> None:
    """An earlier output of ``kind`` that also held ``stale`` (as a later version, or other inputs,
    would not write again): added and sealed the way localpay seals, so the folder verifies."""
    for name, data in stale.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    about = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("engine", "outputs", "units"):
        about.pop(key, None)
    outfolder.seal(folder, about | ({"kind": kind} if kind else {}))
    assert verify(folder) == []


def test_a_demo_area_run_again_leaves_no_month_it_did_not_write(tmp_path):
    out = tmp_path / "demo"
    api.demo(out, people=20, area="stockport", pdf=False)
    area = out / "stockport"
    stale_month = area / "statements" / "2025-03"
    stale_month.mkdir(parents=True)
    (stale_month / "statement-RT2-01W-2025-03.md").write_text("an earlier month\n")
    outfolder.seal(stale_month, {})
    _earlier(area / "statements", None, {})
    _earlier(area, "demo area", {"old-summary.md": b"old"})
    assert "statements/2025-03/statement-RT2-01W-2025-03.md" in listed(area)
    api.demo(out, people=20, area="stockport", pdf=False)
    files = on_disk(area)
    assert not [f for f in files if "2025-03" in f or "old-summary" in f]
    assert {"statements/lines.csv", "statements/2025-05/lines.csv", "statements/2025-05/manifest.json", "ledger.db"} <= set(files)
    assert listed(area) == files and verify(area) == []


def test_a_schedule_without_its_pdf_leaves_no_earlier_pdf(area, plugins):
    out = area / "schedule"
    first = invoke("schedule", area / "alliance.yaml", "--no-pdf", "--out", out)
    assert first.exit_code == 0, first.output
    _earlier(out, "schedule", {"schedule-testshire-2025-26.pdf": b"%PDF-1.7 an earlier one"})
    second = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out)
    fresh = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", area / "fresh")
    assert second.exit_code == fresh.exit_code == 0, second.output
    assert not [f for f in on_disk(out) if f.endswith(".pdf")]
    assert_clean(out, area / "fresh")


def test_a_diff_run_again_leaves_only_its_own_files(area):
    out = area / "diff"
    assert invoke("diff", area / "alliance.yaml", area / "r.yaml", area / "e.csv", "--period", "2025-06",
                  "--out", out).exit_code == 0
    _earlier(out, "diff", {"diff-old-causes.csv": b"cause\n"})
    assert invoke("diff", area / "r.yaml", area / "r.yaml", area / "e.csv", "--period", "2025-06",
                  "--out", out).exit_code == 0
    assert invoke("diff", area / "r.yaml", area / "r.yaml", area / "e.csv", "--period", "2025-06",
                  "--out", area / "fresh").exit_code == 0
    assert "diff-old-causes.csv" not in on_disk(out)
    assert_clean(out, area / "fresh")


def test_a_ledger_export_run_again_leaves_only_its_own_files(area, plugins):
    ledger = area / "ledger.db"
    issued = invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-05", "--out", area / "may",
                    "--ledger", ledger, "--issued-on", "2025-06-10")
    assert issued.exit_code == 0, issued.output
    out = area / "export"
    export(Store(str(ledger), must_exist=True), out)
    _earlier(out, "ledger export", {"old-positions.csv": b"x\n"})
    export(Store(str(ledger), must_exist=True), out)
    export(Store(str(ledger), must_exist=True), area / "fresh")
    assert "old-positions.csv" not in on_disk(out)
    assert_clean(out, area / "fresh")


# --- --replace-out -------------------------------------------------------------------------

STAMP = r"\d{8}T\d{6}Z"


def _foreign(out: Path) -> dict[str, bytes]:
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes\n")
    (out / "sub" / "budget.xlsx").write_bytes(b"PK\x03\x04 a workbook")
    return {"notes.txt": b"my notes\n", "sub/budget.xlsx": b"PK\x03\x04 a workbook"}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", [
    ["run", "{a}/r.yaml", "{a}/e.csv", "--period", "2025-06"],
    ["diff", "{a}/r.yaml", "{a}/alliance.yaml", "{a}/e.csv", "--period", "2025-06"],
    ["schedule", "{a}/r.yaml", "--no-pdf"],
])
def test_replace_out_moves_a_folder_of_other_files_aside_and_says_where(area, command):
    out = area / "out"
    kept = _foreign(out)
    args = [part.format(a=area) for part in command]
    refused = invoke(*args, "--out", out)
    assert refused.exit_code == 2 and "notes.txt" in refused.output and _tree(out) == kept
    result = invoke(*args, "--out", out, "--replace-out")
    assert result.exit_code == 0, result.output
    aside = [p for p in area.iterdir() if p.name.startswith("out.replaced-")]
    assert len(aside) == 1 and re.fullmatch(rf"out\.replaced-{STAMP}", aside[0].name)
    assert _tree(aside[0]) == kept  # moved as it was, nothing lost
    assert result.output.splitlines()[-1] == (f"--out {str(out)!r} held files localpay did not write: the folder was "
                                              f"moved, as it was, to {str(aside[0])!r}")
    assert "notes.txt" not in on_disk(out) and listed(out) == on_disk(out) and verify(out) == []


def test_replace_out_on_a_ledger_export(area):
    ledger = area / "ledger.db"
    assert invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-05", "--out", area / "may",
                  "--ledger", ledger, "--issued-on", "2025-06-10").exit_code == 0
    out = area / "export"
    kept = _foreign(out)
    result = invoke("ledger", "export", ledger, "--out", out, "--replace-out")
    assert result.exit_code == 0, result.output
    (aside,) = [p for p in area.iterdir() if p.name.startswith("export.replaced-")]
    assert _tree(aside) == kept and f"moved, as it was, to {str(aside)!r}" in result.output
    assert listed(out) == on_disk(out) and "notes.txt" not in on_disk(out)


def test_replace_out_reports_the_path_as_out_was_named(area, monkeypatch):
    monkeypatch.chdir(area)
    _foreign(area / "out")
    result = invoke("schedule", "r.yaml", "--no-pdf", "--out", "out", "--replace-out")
    assert result.exit_code == 0, result.output
    assert re.search(rf"^--out 'out' held files localpay did not write: the folder was moved, as it was, to "
                     rf"'out\.replaced-{STAMP}'$", result.output, re.M)


def test_replace_out_moves_another_commands_outputs_aside_too(area, plugins):
    out = area / "out"
    assert invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out).exit_code == 0
    schedule = _tree(out)
    result = invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-06", "--out", out, "--replace-out")
    assert result.exit_code == 0, result.output
    (aside,) = [p for p in area.iterdir() if p.name.startswith("out.replaced-")]
    assert _tree(aside) == schedule and verify(aside) == []
    assert "lines.csv" in on_disk(out)


def test_an_earlier_run_of_the_same_kind_is_still_replaced_not_moved(area, plugins):
    out = area / "out"
    invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-05", "--out", out)
    result = invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-06", "--out", out, "--replace-out")
    assert result.exit_code == 0 and "moved" not in result.output
    assert [p.name for p in area.iterdir() if ".replaced-" in p.name] == []


def test_replace_out_still_refuses_a_folder_holding_a_database(area):
    out = area / "out"
    _foreign(out)
    sqlite3.connect(out / "sub" / "ledger.db").execute("create table t (a)").connection.commit()
    kept = _tree(out)
    result = invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-06", "--out", out, "--replace-out")
    assert result.exit_code == 2
    assert result.output == (f"localpay: error: --out {str(out)!r} holds a database, 'sub/ledger.db'; localpay does "
                             "not replace a folder holding one, even with --replace-out: name another folder\n")
    assert _tree(out) == kept and [p for p in area.iterdir() if ".replaced-" in p.name] == []


def test_replace_out_still_refuses_a_folder_holding_the_commands_inputs(area):
    out = area / "out"
    _foreign(out)
    (out / "e.csv").write_bytes((area / "e.csv").read_bytes())
    kept = _tree(out)
    result = invoke("run", area / "r.yaml", out / "e.csv", "--period", "2025-06", "--out", out, "--replace-out")
    assert result.exit_code == 2
    assert result.output.startswith(f"localpay: error: the episodes {str(out / 'e.csv')!r} is inside --out")
    assert _tree(out) == kept and [p for p in area.iterdir() if ".replaced-" in p.name] == []


def test_a_run_that_fails_moves_nothing(area):
    out = area / "out"
    kept = _foreign(out)
    (area / "bad.csv").write_text("not,the,columns\n1,2,3\n")
    result = invoke("run", area / "r.yaml", area / "bad.csv", "--period", "2025-06", "--out", out, "--replace-out")
    assert result.exit_code == 2 and "lacks the required columns" in result.output
    assert _tree(out) == kept and [p for p in area.iterdir() if ".replaced-" in p.name] == []


def test_two_folders_moved_aside_in_the_same_second_keep_apart(area, plugins, monkeypatch):
    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2025, 7, 1, 9, 30, 5, tzinfo=dt.timezone.utc)

    monkeypatch.setattr(outfolder.dt, "datetime", Clock)
    out = area / "out"
    (area / "out.replaced-20250701T093005Z").mkdir()  # an earlier one, moved aside in the same second
    _foreign(out)
    with outfolder.replacing() as moved:
        run(area, plugins, "r.yaml", out)
    assert moved == [(out, area / "out.replaced-20250701T093005Z-2", "files localpay did not write")]
    assert (area / "out.replaced-20250701T093005Z-2" / "notes.txt").read_text() == "my notes\n"


def test_without_replacing_nothing_is_moved(area, plugins):
    out = area / "out"
    kept = _foreign(out)
    with pytest.raises(LocalpayError, match="is not empty and is not an earlier localpay output folder"):
        with outfolder.replacing(False):
            run(area, plugins, "r.yaml", out)
    assert _tree(out) == kept


@pytest.mark.parametrize("name", ["out folder", "o'ut \"x\"", "résumé-ü", "-starts-with-dash", "a.replaced-x"])
def test_an_out_of_any_name_is_moved_aside_under_its_own_name(area, plugins, name):
    out = area / name
    kept = _foreign(out)
    with outfolder.replacing() as moved:
        run(area, plugins, "r.yaml", out)
    ((told, aside, _),) = moved
    assert told == out and aside.parent == area
    assert re.fullmatch(re.escape(name) + rf"\.replaced-{STAMP}", aside.name)
    assert _tree(aside) == kept and listed(out) == on_disk(out)


def test_replace_out_refuses_to_move_the_home_folder(area, plugins, monkeypatch):
    home = area / "home"
    kept = _foreign(home)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    with pytest.raises(LocalpayError) as raised, outfolder.replacing():
        run(area, plugins, "r.yaml", home)
    assert str(raised.value) == (f"--out {str(home)!r} is your home folder, or holds it; localpay will not move it "
                                 "aside, even with --replace-out: name a folder of the outputs' own")
    assert _tree(home) == kept


@pytest.mark.parametrize("levels", [1, 2])
def test_replace_out_refuses_to_move_a_folder_holding_the_home_folder(area, monkeypatch, levels):
    home = area / "users" / "staff" / "me"
    kept = _foreign(home)
    monkeypatch.setenv("HOME", str(home))
    out = home.parents[levels - 1]  # /users/staff, then /users: each holds the home folder
    before = _tree(out)
    result = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out, "--replace-out")
    assert result.exit_code == 2
    assert result.output == (f"localpay: error: --out {str(out)!r} is your home folder, or holds it; localpay will not "
                             "move it aside, even with --replace-out: name a folder of the outputs' own\n")
    assert _tree(out) == before and _tree(home) == kept
    assert [p for p in out.parent.iterdir() if ".replaced-" in p.name] == []


def test_replace_out_refuses_the_folder_it_runs_in_and_those_holding_it(area, monkeypatch):
    here = area / "work" / "here"
    _foreign(here)
    monkeypatch.chdir(here)
    for out in (here, here.parent):
        result = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out, "--replace-out")
        assert result.exit_code == 2
        assert result.output == (f"localpay: error: --out {str(out)!r} is the folder localpay runs in, or holds it; "
                                 "the outputs replace their folder whole: name a folder of their own\n")
    assert (here / "notes.txt").read_text() == "my notes\n"


def test_replace_out_names_the_kind_of_outputs_it_moved_aside(area):
    out = area / "out"
    assert invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-06", "--out", out).exit_code == 0
    run_files = _tree(out)
    result = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out, "--replace-out")
    assert result.exit_code == 0, result.output
    (aside,) = [p for p in area.iterdir() if p.name.startswith("out.replaced-")]
    assert _tree(aside) == run_files and verify(aside) == []
    assert result.output.splitlines()[-1] == (f"--out {str(out)!r} held the outputs of a localpay run: the folder "
                                              f"was moved, as it was, to {str(aside)!r}")
    assert "did not write" not in result.output


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o2775, 0o700])
def test_outputs_keep_the_permissions_of_the_folder_they_replace(area, mode):
    out = area / "out"
    out.mkdir()
    os.chmod(out, mode)
    assert invoke("schedule", area / "r.yaml", "--no-pdf", "--out", out).exit_code == 0
    assert _mode(out) == mode
    assert invoke("run", area / "r.yaml", area / "e.csv", "--period", "2025-06", "--out", out, "--replace-out"
                  ).exit_code == 0
    assert _mode(out) == mode  # a run of another kind, moved aside, keeps the folder's mode too
    (aside,) = [p for p in area.iterdir() if p.name.startswith("out.replaced-")]
    assert _mode(aside) == mode


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_a_new_out_folder_has_the_mode_the_umask_allows(area, umask):
    earlier = os.umask(umask)
    try:
        assert invoke("schedule", area / "r.yaml", "--no-pdf", "--out", area / "new").exit_code == 0
        assert api.demo(area / "demo", people=20, area="stockport", pdf=False)
    finally:
        os.umask(earlier)
    assert _mode(area / "new") == 0o777 & ~umask  # 0o755, 0o750, 0o775: not mkdtemp's 0o700
    assert _mode(area / "demo" / "stockport") == 0o777 & ~umask


def test_replace_out_on_a_demo_area(tmp_path):
    area = tmp_path / "demo" / "stockport"
    kept = _foreign(area)
    with outfolder.replacing() as moved:
        api.demo(tmp_path / "demo", people=20, area="stockport", pdf=False)
    ((told, aside, _),) = moved
    assert told == area and re.fullmatch(rf"stockport\.replaced-{STAMP}", aside.name) and aside.parent == area.parent
    assert _tree(aside) == kept and listed(area) == on_disk(area) and verify(area) == []


def test_replace_out_refuses_the_filesystem_root(area):
    result = invoke("schedule", area / "r.yaml", "--no-pdf", "--out", "/", "--replace-out")
    assert result.exit_code == 2
    assert result.output == "localpay: error: --out '/' names no folder of its own\n"
