"""Scale benchmark: synthesise N episodes for the bundled Stockport ruleset, run the 2025-06
statement over them and write the outputs, printing seconds per stage and peak memory.

    .venv/bin/python benchmarks/scale.py                       # 100,000 and 1,000,000 episodes
    .venv/bin/python benchmarks/scale.py --sizes 50000 --format parquet --out /tmp/scale

Each size is synthesised in one fresh subprocess (hidden flag ``--synth SIZE``) and run in another
(``--one SIZE``), so each peak resident memory reported (ru_maxrss) belongs to that step of that
size alone: "synth MiB" for synthesis, "run MiB" for load..write. "run s" is load..write (not
synth); "eps/s" is episodes / run s. It makes no assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from localpay.api import open_ruleset, synthesise_for
from localpay.manager import make_plugins
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.statement.writing import write_outputs

AS_OF = dt.date(2025, 6, 30)
PERIOD = (2025, 6)
SEED = 2025
STAGES = ("synth", "load", "check", "overlaps", "price", "settle", "account", "write")
RESULT = "RESULT "  # prefix of the one line a child prints for its parent


def synthesise(ruleset, target: int, out: Path, tolerance: float = 0.005, tries: int = 6):
    """Synthesise at least ``target`` episode rows, and no more than ``tolerance`` over if a few
    tries allow: estimate people from a small calibration run, then rescale by target / rows.
    Returns (data, seconds of the synthesis kept)."""
    few = max(1_000, target // 16)  # about a tenth of the people needed
    calib = synthesise_for(ruleset, few, SEED, out.with_name("calib" + out.suffix), as_of=AS_OF)
    people, attempt = math.ceil(target * few / calib.episode_rows), 0
    while True:
        attempt += 1
        started = time.perf_counter()
        data = synthesise_for(ruleset, people, SEED, out, as_of=AS_OF)
        seconds = time.perf_counter() - started
        rows = data.episode_rows
        if rows >= target and (rows <= target * (1 + tolerance) or attempt >= tries):
            return data, seconds
        people = max(people + 1, math.ceil(people * target / rows)) if rows < target else math.ceil(people * target / rows)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def synth_one(size: int, work: Path, fmt: str) -> dict:
    """Child 1 of a size: the data, and its file names in synth.json for child 2."""
    work.mkdir(parents=True, exist_ok=True)
    data, seconds = synthesise(open_ruleset("stockport", make_plugins()), size, work / f"episodes.{fmt}")
    found = {"episodes": data.episode_rows, "assessments": data.assessment_rows, "synth_s": seconds,
             "synth_mib": peak_mib(), "paths": [str(data.episodes), str(data.assessments)]}
    (work / "synth.json").write_text(json.dumps(found))
    return found


def run_one(size: int, work: Path) -> dict:
    """Child 2 of a size: the 2025-06 statement over child 1's data, and its outputs."""
    plugins = make_plugins()
    ruleset = open_ruleset("stockport", plugins)
    episodes, assessments = json.loads((work / "synth.json").read_text())["paths"]
    result = run(ruleset, plugins, Inputs(Path(episodes), Path(assessments)), Month(*PERIOD), from_period=None)
    started = time.perf_counter()
    write_outputs(result, work / "out", command=["benchmarks/scale.py", "--one", str(size)])
    timings = {**result.timings, "write": time.perf_counter() - started}
    return {"priced": result.summary["episodes"]["rows_priced"], "lines": result.summary["lines"],
            "timings": timings, "run_s": sum(timings.values()), "run_mib": peak_mib()}


def result_of(command: list[str], what: str) -> dict | None:
    """Run a benchmark step in a fresh process: the last RESULT line it prints, or None (and
    ``what`` failed, with its exit status, on stderr)."""
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not found:
        print(f"{what} failed (exit {done.returncode})", file=sys.stderr)
        return None
    return json.loads(found[-1][len(RESULT):])


def child(flag: str, size: int, scratch: Path, fmt: str) -> dict | None:
    """Run this script with a hidden flag in a fresh process; its last RESULT line, or None."""
    return result_of([sys.executable, __file__, flag, str(size), "--out", str(scratch), "--format", fmt],
                     f"size {size:,}: {flag}")


def table(rows: list[dict]) -> str:
    head = ["size", "episodes", "priced", "lines", *STAGES, "run s", "eps/s", "synth MiB", "run MiB"]
    body = [[f"{r['size']:,}", f"{r['episodes']:,}", f"{r['priced']:,}", f"{r['lines']:,}",
             f"{r['synth_s']:.2f}", *(f"{r['timings'].get(s, float('nan')):.2f}" for s in STAGES[1:]),
             f"{r['run_s']:.2f}", f"{r['episodes'] / r['run_s']:,.0f}",
             f"{r['synth_mib']:,.0f}", f"{r['run_mib']:,.0f}"] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated episode counts")
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--synth", type=int, help=argparse.SUPPRESS)  # child: synthesise one size
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: run one size
    args = parser.parse_args()
    if args.synth is not None:
        print(RESULT + json.dumps(synth_one(args.synth, args.out / f"n{args.synth}", args.format)), flush=True)
        return 0
    if args.one is not None:
        print(RESULT + json.dumps(run_one(args.one, args.out / f"n{args.one}")), flush=True)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="localpay-scale-") as tmp:
        scratch = args.out or Path(tmp)
        rows = []
        for size in sizes:
            print(f"size {size:,} ({args.format}) ...", file=sys.stderr, flush=True)
            made = child("--synth", size, scratch, args.format)
            ran = made and child("--one", size, scratch, args.format)
            if ran:
                rows.append({"size": size, **made, **ran})
    if rows:
        print(f"format {args.format}; Stockport ruleset, statement 2025-06, data as of {AS_OF}; seconds per stage")
        print(table(rows))
    return 0 if len(rows) == len(sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
