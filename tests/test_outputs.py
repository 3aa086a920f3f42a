"""A command's output folder is one unit: checked before anything is priced, replaced whole when
the new outputs are complete, left as it was when they cannot be written, and never a mix of two
runs after a kill, a full disk or a second run at once."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, HEADER, csv_text, failing_write_at, ruleset_text
from localpay import api
from localpay import fileio, outfolder
from localpay.cli import cli
from localpay.errors import LocalpayError
from localpay.outfolder import verify
from localpay.pipeline import Inputs

# cluster 3 is £7.80 a day: June's open period 30 x 7.80 = 234.00, July's 31 x 7.80 = 241.80
ROWS = """\
    E1,P1,RT2,01W,3,2025-06-01,,community,CMHT
    E2,P2,RT2,01W,22,2025-06-01,,community,CMHT
    """


@pytest.fixture
def area(tmp_path):
    (tmp_path / "r.yaml").write_text(ruleset_text(CLUSTER_PER_DAY))
    (tmp_path / "e.csv").write_text(csv_text(HEADER, ROWS))
    return tmp_path


def run(area: Path, plugins, period: str, out: Path):
    ruleset = api.open_ruleset(area / "r.yaml", plugins)
    return api.run_statement(ruleset, plugins, Inputs(area / "e.csv"), period, out, command=["localpay", "run"])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def beside(out: Path) -> list[str]:
    """What localpay left beside ``out``: staging folders, earlier runs, lock files."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.localpay-"))


@pytest.fixture
def notes():
    """What the library tells about a stopped run's folders."""
    told: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            told.append(record.getMessage())

    log = logging.getLogger("localpay.outputs")
    handler = Keep()
    log.addHandler(handler)
    yield told
    log.removeHandler(handler)


def test_a_later_run_replaces_the_earlier_one_whole(area, plugins):
    out = area / "out"
    run(area, plugins, "2025-06", out)
    _, written = run(area, plugins, "2025-07", out)
    assert sorted(tree(out)) == ["exceptions.csv", "lines.csv", "manifest.json", "statement-RT2-01W-2025-07.html",
                                 "statement-RT2-01W-2025-07.json", "statement-RT2-01W-2025-07.md",
                                 "statement-RT2-01W-2025-07.pdf", "statements.xlsx"]
    assert b"241.80" in (out / "lines.csv").read_bytes()  # 31 days x 7.80
    assert verify(out) == [] and beside(out) == []
    assert written.out_dir == out and all(f.parent == out for f in written.files)


def test_verify_names_what_is_wrong(area, plugins):
    out = area / "out"
    run(area, plugins, "2025-06", out)
    (out / "lines.csv").write_text("changed\n")
    (out / "mine.txt").write_text("a user's note\n")
    (out / "statement-RT2-01W-2025-06.md").unlink()
    assert verify(out) == ["lines.csv changed after localpay wrote it", "statement-RT2-01W-2025-06.md is listed but missing",
                           "mine.txt is not listed"]


def _no_pricing(monkeypatch):
    def priced(*args, **kwargs):
        raise AssertionError("priced before --out was checked")

    monkeypatch.setattr(api, "run", priced)


def _read_only(*args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


@pytest.mark.parametrize("case, expected", [
    ("file", "is a file, not a folder"),
    ("under a file", "cannot be made: a file stands in the way of"),
    ("user's files", "is not empty and is not an earlier localpay output folder (it has no readable manifest.json and "
                     "holds notes.txt); localpay replaces only an empty folder or its own earlier outputs, and never "
                     "removes files it did not write"),
    ("changed output", "(lines.csv changed after localpay wrote it)"),
    ("no space", "too little space for --out"),
    ("read-only", "cannot be written: Read-only file system (EROFS); nothing was computed"),
])
def test_out_is_checked_before_anything_is_priced(area, plugins, monkeypatch, case, expected):
    out = area / "out"
    if case == "file":
        out.write_text("a file\n")
    elif case == "under a file":
        (area / "blocker").write_text("a file\n")
        out = area / "blocker" / "out"
    elif case == "user's files":
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
    elif case == "changed output":
        run(area, plugins, "2025-06", out)
        (out / "lines.csv").write_text("edited by hand\n")
    elif case == "no space":
        run(area, plugins, "2025-06", out)
        monkeypatch.setattr(outfolder.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 10**6))
    elif case == "read-only":
        run(area, plugins, "2025-06", out)
        monkeypatch.setattr(outfolder.tempfile, "mkdtemp", _read_only)
    before = {p: p.read_bytes() for p in area.rglob("*") if p.is_file()}
    _no_pricing(monkeypatch)
    with pytest.raises(LocalpayError) as raised:
        run(area, plugins, "2025-07", out)
    assert expected in str(raised.value)
    assert {p: p.read_bytes() for p in area.rglob("*") if p.is_file()} == before  # nothing changed or removed
    assert not [p for p in area.rglob(".*localpay-*")]


def test_the_space_margin_is_a_setting(area, plugins, monkeypatch):
    out = area / "out"
    run(area, plugins, "2025-06", out)
    size = sum(len(data) for data in tree(out).values())
    # 1 MB free: short of the default 64 MB margin, enough for a margin of 0 beyond the earlier run's size
    monkeypatch.setattr(outfolder.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 2**20))
    with pytest.raises(LocalpayError, match=r"1\.0 MB free, and localpay keeps 64 MB to spare \(LOCALPAY_OUT_SPACE_MB\)"):
        run(area, plugins, "2025-07", out)
    monkeypatch.setenv("LOCALPAY_OUT_SPACE_MB", "0")
    assert size < 2**20
    run(area, plugins, "2025-07", out)
    assert verify(out) == []
    monkeypatch.setenv("LOCALPAY_OUT_SPACE_MB", "lots")
    with pytest.raises(LocalpayError, match="LOCALPAY_OUT_SPACE_MB='lots' is not a number"):
        run(area, plugins, "2025-07", out)


@pytest.mark.parametrize("code, call", [(errno.ENOSPC, 3), (errno.EROFS, 1), (errno.EACCES, 2), (errno.EFBIG, 5)])
def test_a_write_failure_part_way_leaves_the_earlier_outputs(area, plugins, monkeypatch, code, call):
    out = area / "out"
    run(area, plugins, "2025-06", out)
    before = tree(out)
    failing_write_at(monkeypatch, call, code)
    with pytest.raises(LocalpayError) as raised:
        run(area, plugins, "2025-07", out)
    message = str(raised.value)
    name = errno.errorcode[code]
    assert message.startswith(f"could not write '{out}/")
    assert message.endswith(f"': {os.strerror(code)} ({name}); the earlier outputs in {str(out)!r} are as they were")
    assert "staging" not in message
    assert tree(out) == before and verify(out) == [] and beside(out) == []


def test_a_write_failure_is_a_clear_error_from_the_command_line(area, monkeypatch):
    out = area / "out"
    failing_write_at(monkeypatch, 2, errno.ENOSPC)
    result = CliRunner().invoke(cli, ["run", str(area / "r.yaml"), str(area / "e.csv"), "--period", "2025-06",
                                      "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith(f"localpay: error: could not write '{out}/")
    assert f"No space left on device (ENOSPC); nothing was written to {str(out)!r}" in result.output
    assert not out.exists() and beside(out) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="as root a folder's mode does not stop writes")
def test_a_read_only_folder(area, plugins):
    parent = area / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(LocalpayError, match="cannot be written: Permission denied"):
            run(area, plugins, "2025-06", parent / "out")
    finally:
        parent.chmod(0o755)


def test_a_second_run_waits_for_the_first_then_stops_clearly(area, plugins, monkeypatch):
    fcntl = pytest.importorskip("fcntl")
    out = area / "out"
    run(area, plugins, "2025-06", out)
    before = tree(out)
    lock = os.open(area / ".out.localpay-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)  # a run writing the folder
    monkeypatch.setenv("LOCALPAY_OUT_WAIT", "0.2")
    _no_pricing(monkeypatch)
    try:
        with pytest.raises(LocalpayError, match=r"another localpay run is writing .*held for 0\.2 s, LOCALPAY_OUT_WAIT"):
            run(area, plugins, "2025-07", out)
    finally:
        os.close(lock)
    assert tree(out) == before
    monkeypatch.undo()
    run(area, plugins, "2025-07", out)
    assert verify(out) == [] and beside(out) == []


def test_folders_that_cannot_be_swapped_are_renamed_in_turn_and_mended(area, plugins, monkeypatch, notes):
    monkeypatch.setattr(outfolder, "_exchange", lambda a, b: False)
    out = area / "out"
    run(area, plugins, "2025-06", out)
    run(area, plugins, "2025-07", out)
    assert verify(out) == [] and beside(out) == [] and "statement-RT2-01W-2025-07.md" in tree(out)
    # stopped between the two renames: --out is gone, the earlier run aside, the new one staged
    july = tree(out)
    out.rename(area / ".out.localpay-old-x1")
    shutil.copytree(area / ".out.localpay-old-x1", area / ".out.localpay-staging-x2")
    (area / ".out.localpay-staging-x2" / "lines.csv").write_text("half written")
    monkeypatch.setenv("LOCALPAY_OUT_SPACE_MB", "0")
    run(area, plugins, "2025-07", out)
    assert tree(out) == july and beside(out) == []
    assert notes == [f"{out} was missing: the complete outputs a stopped run left in .out.localpay-old-x1 are now in its place",
                     f"removed .out.localpay-staging-x2, the unfinished outputs of a run into {out} that was stopped"]


KILLED = textwrap.dedent("""\
    import builtins, os, shutil, signal, sys
    import localpay.outfolder as outfolder
    at, steps = int(os.environ["KILL_AT"]), [0]

    def step():
        steps[0] += 1
        if steps[0] == at:
            os.kill(os.getpid(), signal.SIGKILL)

    def around(module, name):
        real = getattr(module, name)
        def called(*args, **kwargs):
            step()
            done = real(*args, **kwargs)
            step()
            return done
        setattr(module, name, called)

    for module, name in ((os, "replace"), (os, "rename"), (os, "fsync"), (os, "mkdir"), (os, "unlink"),
                         (shutil, "rmtree"), (outfolder, "_exchange")):
        around(module, name)
    opened = builtins.open
    def opening(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax"):
            step()
        return opened(file, mode, *args, **kwargs)
    builtins.open = opening
    sys.argv = ["localpay", *sys.argv[1:]]
    from localpay.cli import main
    try:
        main()
    finally:
        sys.stderr.write(f"STEPS {steps[0]}\\n")
    """)


def _cli(area: Path, cwd: Path, period: str, kill_at: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", KILLED, "run", str(area / "r.yaml"), str(area / "e.csv"), "--period",
                             period, "--out", "out"], cwd=cwd, env={**os.environ, "KILL_AT": str(kill_at),
                                                                    "LOCALPAY_OUT_SPACE_MB": "0"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def stockport(tmp_path_factory):
    """A small synthetic month for the bundled Stockport area (21 files a run: no PDF, which would
    only make each run slower)."""
    folder = tmp_path_factory.mktemp("stockport")
    data = api.synthesise_for(api.open_ruleset("stockport"), 60, 7, folder / "e.csv")
    return folder, ["run", "stockport", str(data.episodes), "--assessments", str(data.assessments), "--out", "out",
                    "--no-pdf"]


def _stockport(args: list[str], cwd: Path, period: str, kill_at: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", KILLED, *args, "--period", period], cwd=cwd,
                            env={**os.environ, "KILL_AT": str(kill_at), "LOCALPAY_OUT_SPACE_MB": "0"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_run_killed_at_any_point_leaves_the_earlier_run_or_the_new_one(stockport, plugins):
    import random
    import signal
    import time

    folder, args = stockport
    (folder / "june").mkdir()
    (folder / "july").mkdir()
    june = _stockport(args, folder / "june", "2025-06")
    assert june.wait(120) == 0, june.stderr.read()
    began = time.monotonic()
    july = _stockport(args, folder / "july", "2025-07")
    assert july.wait(120) == 0, july.stderr.read()
    took = time.monotonic() - began
    steps = int(july.stderr.read().rsplit("STEPS ", 1)[1])
    earlier, new = tree(folder / "june" / "out"), tree(folder / "july" / "out")
    assert len(new) == 21 and earlier != new
    # killed at seeded random points among the run's file operations (each before and after it), and
    # at seeded random delays
    seeded = random.Random(15)
    points = sorted(seeded.sample(range(1, steps + 1), min(8, steps)))
    delays = [seeded.uniform(0.2, took) for _ in range(2)]
    trials = [(f"step {point} of {steps}", point, None) for point in points]
    trials += [(f"{delay:.2f} s", 0, delay) for delay in delays]
    for n, _ in enumerate(trials):
        shutil.copytree(folder / "june", folder / f"trial-{n}")
    for batch in range(0, len(trials), 3):
        running = [(n, what, _stockport(args, folder / f"trial-{n}", "2025-07", point), delay)
                   for n, (what, point, delay) in enumerate(trials) if batch <= n < batch + 3]
        for n, what, process, delay in running:
            if delay is not None:
                try:
                    process.wait(delay)
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
            code = process.wait(120)
            assert code == -9 or (delay is not None and code == 0), f"{what}: {process.stderr.read()}"
    outcomes, left = [], []
    ruleset = api.open_ruleset("stockport", plugins)
    inputs = Inputs(Path(args[2]), Path(args[4]))
    for n, (what, _, _) in enumerate(trials):
        out = folder / f"trial-{n}" / "out"
        now = tree(out)
        assert now in (earlier, new), f"killed at {what}: a mix of two runs"
        assert verify(out) == [], what
        outcomes.append("new" if now == new else "earlier")
        if beside(out) and not left:  # the next run into the folder clears what the killed one left beside it
            left.append(what)
            api.run_statement(ruleset, plugins, inputs, "2025-07", out, command=["localpay", "run"])
            assert verify(out) == [] and beside(out) == [], what
    assert "earlier" in outcomes and "new" in outcomes, outcomes  # kills fell before and after the swap
    assert left, "no kill left a staging folder behind"


def test_two_runs_into_one_folder_at_once_follow_each_other(area):
    for name in ("june", "july", "both"):
        (area / name).mkdir()
    alone = {period: _cli(area, area / name, period) for period, name in (("2025-06", "june"), ("2025-07", "july"))}
    assert all(p.wait(120) == 0 for p in alone.values())
    at_once = [_cli(area, area / "both", period) for period in ("2025-06", "2025-07")]
    assert [p.wait(120) for p in at_once] == [0, 0]  # the second waited for the first
    assert tree(area / "both" / "out") in (tree(area / "june" / "out"), tree(area / "july" / "out"))
    assert verify(area / "both" / "out") == [] and beside(area / "both" / "out") == []


def test_outputs_are_byte_identical_whatever_the_hash_seed_and_staging_folder(area):
    trees = []
    for seed in ("1", "2"):
        cwd = area / f"seed-{seed}"
        cwd.mkdir()
        for period in ("2025-07", "2025-06"):  # the second is staged beside the first and swapped in
            process = subprocess.run([sys.executable, "-c", "from localpay.cli import main; main()", "run",
                                      str(area / "r.yaml"), str(area / "e.csv"), "--period", period, "--out", "out"],
                                     cwd=cwd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
            assert process.returncode == 0, process.stderr
        trees.append(tree(cwd / "out"))
    assert trees[0] == trees[1]
    assert not [name for name, data in trees[0].items() if b"localpay-staging" in data or b"localpay-old" in data]


@pytest.mark.parametrize("command", [
    ["run", "{area}/r.yaml", "{area}/e.csv", "--period", "2025-06", "--out"],
    ["diff", "{area}/r.yaml", "{area}/r.yaml", "{area}/e.csv", "--period", "2025-06", "--out"],
    ["schedule", "{area}/r.yaml", "--no-pdf", "--out"],
    ["demo", "--area", "stockport", "--out"],
    ["ledger", "export", "{area}/r.yaml", "--out"],
])
def test_every_command_refuses_a_file_as_its_out(area, command):
    (area / "afile").write_text("a file\n")
    args = [part.format(area=area) for part in command] + [str(area / "afile")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == (f"localpay: error: --out {str(area / 'afile')!r} is a file, not a folder; name a folder "
                             "for the outputs\n")
    assert (area / "afile").read_text() == "a file\n"


def test_a_ledger_inside_out_is_refused(area, plugins):
    import datetime as dt

    from localpay.ledger import Request

    ruleset = api.open_ruleset(area / "r.yaml", plugins)
    ledger = Request(str(area / "out" / "ledger.db"), issued_on=dt.date(2025, 7, 15))
    with pytest.raises(LocalpayError, match=r"the ledger '.*/out/ledger.db' is inside --out '.*/out', which each run "
                                            r"replaces whole: keep it elsewhere"):
        api.run_statement(ruleset, plugins, Inputs(area / "e.csv"), "2025-06", area / "out", ledger=ledger)
    assert not (area / "out").exists()


def test_the_folder_localpay_runs_in_is_refused(area, plugins, monkeypatch):
    (area / "out").mkdir()
    monkeypatch.chdir(area / "out")
    for out in (Path("."), area, area / "out"):
        with pytest.raises(LocalpayError, match="is the folder localpay runs in, or holds it"):
            run(area, plugins, "2025-06", out)


@pytest.mark.parametrize("error, said", [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "No space left on device (ENOSPC)"),
    (OSError("[Errno 30] Read-only file system"), "Read-only file system (EROFS)"),  # as Polars passes one on
    (OSError("No space left on device (os error 28)"), "No space left on device (ENOSPC)"),
    (OSError("disk full"), "disk full"),
])
def test_a_failure_is_told_in_words_with_its_errno_name(error, said):
    assert fileio.failure(error) == said


def test_a_full_disk_under_the_parquet_writer_is_a_write_error(tmp_path):
    def failing(tmp):
        raise __import__("polars").exceptions.ComputeError(
            "parquet: File out of specification: underlying IO error: No space left on device (os error 28)")

    with pytest.raises(fileio.WriteError, match=r"could not write '.*e\.parquet': No space left on device \(ENOSPC\)"):
        fileio.atomic_write_with(tmp_path / "e.parquet", failing)
    assert list(tmp_path.iterdir()) == []


def test_a_copy_of_an_earlier_run_put_inside_out_is_refused_and_kept(area, plugins):
    first, second = area / "a1", area / "a2"
    run(area, plugins, "2025-06", first)
    run(area, plugins, "2025-07", second)
    shutil.copytree(second, first / "july")
    kept = tree(first)
    with pytest.raises(LocalpayError) as raised:
        run(area, plugins, "2025-06", first)
    assert "july/ holds an output folder this one's manifest.json does not list" in str(raised.value)
    assert tree(first) == kept and beside(first) == []


def test_a_unit_listed_by_the_outer_manifest_is_checked_against_its_hash(tmp_path):
    outer = tmp_path / "outer"
    (outer / "inner").mkdir(parents=True)
    (outer / "inner" / "a.txt").write_text("a")
    outfolder.seal(outer / "inner", {"kind": "test"})
    (outer / "index.html").write_text("i")
    manifest = outfolder.seal(outer, {"kind": "test"})
    assert list(manifest["units"]) == ["inner"] and verify(outer) == []
    outfolder.seal(outer / "inner", {"kind": "other"})  # a different unit in its place
    assert verify(outer) == ["inner/manifest.json changed after localpay wrote it"]


@pytest.mark.parametrize("command, first", [
    (["run", "{area}/r.yaml", "{area}/e.csv", "--period", "2025-06", "--out"], "the ruleset '{area}/r.yaml'"),
    (["diff", "{area}/r.yaml", "{area}/r.yaml", "{area}/e.csv", "--period", "2025-06", "--out"],
     "the ruleset '{area}/r.yaml'"),
    (["schedule", "{area}/r.yaml", "--no-pdf", "--out"], "the ruleset '{area}/r.yaml'"),
    (["ledger", "export", "{area}/r.yaml", "--out"], "the ledger '{area}/r.yaml'"),
])
def test_every_command_refuses_an_out_holding_its_inputs(area, command, first):
    before = tree(area)
    result = CliRunner().invoke(cli, [part.format(area=area) for part in command] + [str(area)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == (f"localpay: error: {first.format(area=area)} is inside --out {str(area)!r}, which each "
                             "run replaces whole: keep it elsewhere, or name another folder; nothing was computed\n")
    assert tree(area) == before


def _sealed(folder: Path, about: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    outfolder.seal(folder, about)
    return tree(folder)


def test_an_out_holding_the_episodes_or_the_templates_is_refused(area, plugins):
    out = area / "dm"
    kept = _sealed(out, {"kind": "run"}, {"data/episodes.csv": (area / "e.csv").read_bytes(),
                                          "templates/statement.md.j2": b"x"})
    ruleset = api.open_ruleset(area / "r.yaml", plugins)
    with pytest.raises(LocalpayError) as raised:
        api.run_statement(ruleset, plugins, Inputs(out / "data" / "episodes.csv"), "2025-06", out)
    assert str(raised.value) == (f"the episodes {str(out / 'data' / 'episodes.csv')!r} is inside --out {str(out)!r}, "
                                 "which each run replaces whole: keep it elsewhere, or name another folder; "
                                 "nothing was computed")
    with pytest.raises(LocalpayError, match=r"^--templates '.*/dm/templates' is inside --out"):
        api.run_statement(ruleset, plugins, Inputs(area / "e.csv"), "2025-06", out, templates=out / "templates")
    assert tree(out) == kept


def test_outputs_of_another_kind_are_not_replaced(area, plugins):
    out = area / "dm"
    kept = _sealed(out, {"kind": "demo area", "area": "x"}, {"schedule.md": b"s"})
    with pytest.raises(LocalpayError) as raised:
        run(area, plugins, "2025-06", out)
    assert str(raised.value) == (f"--out {str(out)!r} holds the outputs of a localpay demo area, not of a run; "
                                 "localpay replaces only its own earlier outputs of the same kind: name another folder")
    assert tree(out) == kept and beside(out) == []


def test_a_folder_holding_a_database_is_not_replaced(area, plugins):
    out = area / "o"
    kept = _sealed(out, {}, {"keep/ledger.db": b"SQLite format 3\x00" + bytes(84)})
    with pytest.raises(LocalpayError) as raised:
        run(area, plugins, "2025-06", out)
    assert str(raised.value) == (f"--out {str(out)!r} holds a database, 'keep/ledger.db'; localpay does not replace a "
                                 "folder holding one: name another folder")
    assert tree(out) == kept and beside(out) == []


def test_a_unit_written_again_on_its_own_is_relisted_by_the_folder_around_it(tmp_path):
    from localpay.outmanifest import relist

    outer = tmp_path / "outer"
    _sealed(outer / "area", {"kind": "demo area"}, {"a.txt": b"a"})
    outfolder.seal(outer, {"kind": "demo"})
    _sealed(outer / "area", {"kind": "demo area"}, {"a.txt": b"b"})  # the area run again
    assert verify(outer) == ["area/manifest.json changed after localpay wrote it"]
    relist(outer, "area")
    assert verify(outer) == []
    _sealed(outer / "other", {"kind": "demo area"}, {"a.txt": b"c"})
    relist(outer, "other")  # a folder the outer manifest never listed stays unlisted
    assert verify(outer) == ["other/ holds an output folder this one's manifest.json does not list"]
