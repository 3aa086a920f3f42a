"""Rules benchmark: the rules stage at N episodes with 20 rules (15 row-local, 5 across a
person's history), by each evaluator, alone and inside the whole 2025-04..2025-06 run.

    .venv/bin/python benchmarks/rules.py                        # 10,000, 100,000 and 1,000,000
    .venv/bin/python benchmarks/rules.py --sizes 20000 --format parquet --out /tmp/rules
    .venv/bin/python benchmarks/rules.py --durable-max 100000   # durable above it: an estimate

``polars`` puts the row-local rules in Polars and the history rules in durable-rules; ``durable``
puts every rule through durable-rules. The ruleset is the bundled Stockport one with its rules
block replaced by the 20 below (written to the scratch folder as rules.yaml).

Every measurement runs in a fresh subprocess, so each peak resident memory (ru_maxrss) is its
own: per size, one child synthesises the data (as scale.py does), one runs the pipeline with no
rules to get the checked episodes and reviews the rules stage is given, then per evaluator one
child times ``evaluate`` alone on them ("stage") and one the whole run ("run"). "episodes" are
the checked episodes the stage is given; "eps/s" is episodes / stage s; "run rules s" is the
rules stage inside the run. "stage MiB" is that child's peak, inputs read included; "+MiB" is
how far evaluate raised it. The evaluators
must find the same matches at every size where both ran: the script says so, or exits 1.
Sizes above ``--durable-max`` are not run through ``durable``: its figures there are scaled
linearly from the largest size it ran and marked ``~`` (an estimate, not a measurement).
``--repeat N`` runs each timed child N times and keeps the fastest (the machine may be shared).
``--episodes-per-session`` and ``--people-per-session`` override the session sizes in
localpay.rules.evaluate, to try others.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from localpay.api import open_ruleset
from localpay.manager import make_plugins
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.rules import evaluate as evaluate_module
from localpay.rules.evaluate import EVALUATORS, evaluate
from localpay.rules.model import RuleBook
from localpay.ruleset.load import resolve_ruleset_path

sys.path.insert(0, str(Path(__file__).parent))
from scale import RESULT, peak_mib, result_of, synth_one  # noqa: E402  (the same data as the scale benchmark)

PERIOD, FROM = "2025-06", "2025-04"

RULES = """\
rules:
  # row-local
  - id: eip-uplift
    clause: Benchmark variation 1
    when: {cluster: 10, service: EIP}
    then: {uplift: 10%}
  - id: dual-diagnosis-split
    clause: Benchmark variation 2
    when: {service: DUAL}
    then: {split: {01W: 80%, SMBC: 20%}}
  - id: memory-cluster-outside-memory-service
    clause: Benchmark variation 3
    when: {cluster: {between: [17, 21]}, service: {not: MAS}}
    then: {hold: clusters 17-21 are expected in the memory assessment service}
  - id: crisis-bed-price
    clause: Benchmark variation 4
    when: {setting: inpatient, cluster: [14, 15]}
    then: {price: 455.00}
  - id: gmmh-crisis-community
    clause: Benchmark variation 5
    when: {cluster: [14, 15], setting: community, provider: RXV}
    then: {discount: 5%}
  - id: lost-discharge
    clause: Benchmark variation 6
    when: {start_date: {lt: 2023-07-01}, end_date: {missing: true}, cluster: {one_of: [1, 2, 3]}}
    then: {exclude: open since before July 2023 in a short-stay cluster; check for a lost discharge}
  - id: tameside-memory-service
    clause: Benchmark variation 7
    when: {commissioner: 01Y, service: MAS}
    then: {commissioner: 01W}
  - id: crisis-team-rt2
    clause: Benchmark variation 8
    when: {service: {starts_with: CR}, provider: RT2}
    then: {flag: crisis team episode}
  - id: complex-inpatient
    clause: Benchmark variation 9
    when:
      setting: inpatient
      any: [{cluster: {between: [16, 17]}}, {service: DUAL}]
    then: {flag: complex needs in a bed}
  - id: gmmh-psychosis-uplift
    clause: Benchmark variation 10
    when:
      all: [{cluster: {gte: 11}}, {cluster: {lte: 13}}, {provider: RXV}]
    then: {uplift: 2.5%}
  - id: new-assessments-this-quarter
    clause: Benchmark variation 11
    when: {cluster: 0, start_date: {between: [2025-04-01, 2025-06-30]}}
    then: {uplift: 5%}
  - id: closed-inpatient-complex
    clause: Benchmark variation 12
    when: {end_date: {present: true}, setting: inpatient, cluster: {gte: 13}}
    then: {hold: discharge summary required}
  - id: non-psychosis-in-a-bed
    clause: Benchmark variation 13
    when:
      cluster: {between: [3, 8]}
      not: {any: [{setting: community}, {service: MAS}]}
    then: {flag: non-psychosis cluster in a bed}
  - id: pilot-cohort
    clause: Benchmark variation 14
    when: {episode_id: {matches: "EP0000[0-9]*7"}, service: {matches: "CMHT|PCMH"}}
    then: {discount: 1%}
  - id: primary-care-check
    clause: Benchmark variation 15
    when:
      service: PCMH
      commissioner: {not: [01W]}
    then: {flag: primary care mental health outside Stockport}
  # across the person's history
  - id: crisis-escalation
    clause: Benchmark variation 16
    when: {escalation: {within_days: 28}}
    then: {flag: the cluster stepped up within 28 days of the last review}
  - id: crisis-team-escalation
    clause: Benchmark variation 17
    when: {escalation: {within_days: 90}, service: CRHT}
    then: {hold: crisis team step-up within 90 days of a review}
  - id: early-re-presentation
    clause: Benchmark variation 18
    when: {re_presentation: {within_days: 60}}
    then: {flag: a new period began within 60 days of discharge by the same provider}
  - id: repeat-crisis
    clause: Benchmark variation 19
    when: {repeat_crisis: {more_than: 1, within_days: 365}, provider: RT2}
    then: {flag: a second crisis period within a year}
  - id: repeat-home-treatment
    clause: Benchmark variation 20
    when: {repeat_crisis: {more_than: 1, within_days: 30, clusters: [14]}, setting: community}
    then: {flag: two home treatment periods within 30 days}
"""


def write_ruleset(scratch: Path) -> Path:
    """The Stockport ruleset text, its inputs block kept and its rules block replaced."""
    text = resolve_ruleset_path("stockport").read_text()
    head, found, _ = text.partition("\nrules:")
    if not found:
        raise SystemExit("the stockport ruleset has no top-level rules: block to replace")
    path = scratch / "rules.yaml"
    path.write_text(head + "\n" + RULES)
    return path


def _sessions(args) -> None:
    if args.episodes_per_session:
        evaluate_module.EPISODES_PER_SESSION = args.episodes_per_session
    if args.people_per_session:
        evaluate_module.PEOPLE_PER_SESSION = args.people_per_session


def _data(work: Path) -> tuple[Path, Path]:
    episodes, assessments = json.loads((work / "synth.json").read_text())["paths"]
    return Path(episodes), Path(assessments)


def _run(ruleset, plugins, work: Path, evaluator: str):
    episodes, assessments = _data(work)
    return run(ruleset, plugins, Inputs(episodes, assessments, evaluator=evaluator), Month.parse(PERIOD), Month.parse(FROM))


def prep_one(work: Path, ruleset_path: Path) -> dict:
    """Child: the checked episodes and reviews the rules stage is given. ``result.context``
    holds the episodes *after* the rules (exclusions gone, commissioners changed), so the run
    is made with the same ruleset less its rules, where the stage passes them through."""
    plugins = make_plugins()
    ruleset = open_ruleset(ruleset_path, plugins)
    bare = dataclasses.replace(ruleset, rulebook=RuleBook(ruleset.rulebook.fields, ()))
    result = _run(bare, plugins, work, "polars")
    result.context.episodes.write_parquet(work / "checked.parquet")
    result.context.reviews.write_parquet(work / "reviews.parquet")
    return {"checked": result.context.episodes.height, "reviews": result.context.reviews.height}


def stage_one(work: Path, ruleset_path: Path, evaluator: str) -> dict:
    """Child: ``evaluate`` alone over the checked episodes; its matches kept for comparison."""
    book = open_ruleset(ruleset_path, make_plugins()).rulebook
    episodes, reviews = pl.read_parquet(work / "checked.parquet"), pl.read_parquet(work / "reviews.parquet")
    before = peak_mib()
    started = time.perf_counter()
    evaluation = evaluate(book, episodes, reviews, evaluator)
    seconds = time.perf_counter() - started
    peak = peak_mib()
    evaluation.matches.write_parquet(work / f"matches-{evaluator}.parquet")
    per_rule = evaluation.matches.group_by("rule").len().sort("rule")
    return {"stage_s": seconds, "matches": evaluation.matches.height, "stage_mib": peak, "stage_rise": peak - before,
            "per_rule": dict(zip(map(str, per_rule["rule"]), per_rule["len"])), **evaluation.stats}


def whole_one(work: Path, ruleset_path: Path, evaluator: str) -> dict:
    """Child: the whole run with the 20 rules."""
    plugins = make_plugins()
    ruleset = open_ruleset(ruleset_path, plugins)
    result = _run(ruleset, plugins, work, evaluator)
    stats = result.rule_stats
    return {"run_s": sum(result.timings.values()), "run_rules_s": result.timings["rules"],
            "run_matches": stats["matches"], "run_sessions": stats["sessions"], "run_mib": peak_mib(),
            "lines": result.lines.height, "exceptions": result.exceptions.height}


def child(flag: str, size: int, args, evaluator: str | None = None) -> dict | None:
    """Run this script with a hidden flag in a fresh process; its last RESULT line, or None."""
    command = [sys.executable, __file__, flag, str(size), "--out", str(args.out), "--format", args.format]
    command += ["--evaluator", evaluator] if evaluator else []
    for option in ("episodes_per_session", "people_per_session"):
        if getattr(args, option):
            command += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
    return result_of(command, f"size {size:,}: {flag} {evaluator or ''}")


def best(results) -> dict | None:
    """The fastest of repeated children (this machine is shared: the slower ones waited)."""
    found = []
    for result in results:
        if result is None:
            return None
        found.append(result)
    return min(found, key=lambda r: r.get("stage_s", r.get("run_s")))


def estimate(measured: dict, size_rows: int) -> dict:
    """Durable figures at a size it did not run: seconds scaled by episodes, from the largest
    size measured (sessions are fixed-size, so the work grows with the episodes)."""
    factor = size_rows / measured["checked"]
    return {**measured, "estimate": True, "stage_s": measured["stage_s"] * factor,
            "run_rules_s": measured["run_rules_s"] * factor,
            "run_s": measured["run_s"] - measured["run_rules_s"] + measured["run_rules_s"] * factor,
            "sessions": round(measured["sessions"] * factor), "matches": None, "stage_mib": None,
            "stage_rise": None, "run_mib": None}


HEAD = ["size", "episodes", "evaluator", "stage s", "eps/s", "matches", "sessions", "stage MiB", "+MiB",
        "run s", "run rules s", "run MiB"]


def cells(r: dict) -> list[str]:
    mark = "~" if r.get("estimate") else ""
    num = lambda v, f: "-" if v is None else mark + format(v, f)  # noqa: E731
    return [f"{r['size']:,}", f"{r['checked']:,}", r["evaluator"], num(r["stage_s"], ".2f"),
            num(r["checked"] / r["stage_s"], ",.0f"), num(r["matches"], ","), num(r["sessions"], ","),
            num(r["stage_mib"], ",.0f"), num(r["stage_rise"], ",.0f"), num(r["run_s"], ".2f"),
            num(r["run_rules_s"], ".2f"), num(r["run_mib"], ",.0f")]


def table(rows: list[dict], markdown: bool) -> str:
    body = [cells(r) for r in rows]
    if markdown:
        rule = "|" + "|".join("---" if h == "evaluator" else "---:" for h in HEAD) + "|"
        lines = ["| " + " | ".join(HEAD) + " |", rule]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(HEAD)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(HEAD, widths)), "  ".join("-" * w for w in widths)]
    return "\n".join(lines + ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body])


def compare(work: Path) -> str | None:
    """None when both evaluators found the same (episode, rule) pairs, else what differs."""
    polars_m, durable_m = (pl.read_parquet(work / f"matches-{e}.parquet") for e in ("polars", "durable"))
    if polars_m.equals(durable_m):
        return None
    only_p = polars_m.join(durable_m, on=["episode_id", "rule"], how="anti")
    only_d = durable_m.join(polars_m, on=["episode_id", "rule"], how="anti")
    return (f"{only_p.height:,} pairs only polars found (rules {sorted(set(only_p['rule']))}), "
            f"{only_d.height:,} only durable found (rules {sorted(set(only_d['rule']))})")


def measure(args, sizes: list[int]) -> tuple[list[dict], list[str], bool]:
    rows, notes, ok, last_per_rule = [], [], True, None
    rule_ids = [r.id for r in open_ruleset(args.out / "rules.yaml", make_plugins()).rules]
    last_durable = None
    for size in sizes:
        work = args.out / f"n{size}"
        print(f"size {size:,} ({args.format}) ...", file=sys.stderr, flush=True)
        made = child("--synth", size, args)
        prep = made and child("--prep", size, args)
        if not prep:
            ok = False
            continue
        ran = {}
        for evaluator in args.evaluators:
            if evaluator == "durable" and args.durable_max and size > args.durable_max:
                if last_durable:
                    rows.append({**estimate(last_durable, prep["checked"]), "size": size, **made, **prep})
                continue
            print(f"  {evaluator} ...", file=sys.stderr, flush=True)
            stage = best(child("--stage", size, args, evaluator) for _ in range(args.repeat))
            whole = stage and best(child("--run", size, args, evaluator) for _ in range(args.repeat))
            if not whole:
                ok = False
                continue
            ran[evaluator] = row = {"size": size, "evaluator": evaluator, **made, **prep, **stage, **whole}
            rows.append(row)
            if evaluator == "durable":
                last_durable = row
        if ran:
            counts = next(iter(ran.values()))["per_rule"]
            last_per_rule = f"matches per rule at {size:,}: " + ", ".join(
                f"{rule_id} {counts.get(str(index), 0):,}" for index, rule_id in enumerate(rule_ids))
        if set(ran) == {"polars", "durable"}:
            differs = compare(work)
            counts = {e: (r["matches"], r["run_matches"]) for e, r in ran.items()}
            if differs is None and counts["polars"] == counts["durable"]:
                notes.append(f"size {size:,}: same matches from both evaluators ({counts['polars'][0]:,} alone, "
                             f"{counts['polars'][1]:,} in the run)")
            else:
                ok = False
                notes.append(f"size {size:,}: THE EVALUATORS DISAGREE: {differs or counts}")
        else:
            notes.append(f"size {size:,}: not compared (ran {', '.join(ran) or 'neither'})")
    return rows, notes + ([last_per_rule] if last_per_rule else []), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated episode counts")
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--format", choices=("csv", "parquet", "markdown"), default="csv",
                        help="csv or parquet: the data files, as scale.py; markdown: the table in Markdown")
    parser.add_argument("--data", choices=("csv", "parquet"),
                        help="the data files with --format markdown (default csv)")
    parser.add_argument("--evaluators", default=",".join(EVALUATORS), help="comma-separated: polars,durable")
    parser.add_argument("--durable-max", type=int, default=0,
                        help="run durable only up to this many episodes; above it, estimate (0: no limit)")
    parser.add_argument("--repeat", type=int, default=1, help="run each child this many times; keep the fastest")
    parser.add_argument("--episodes-per-session", type=int, help="override EPISODES_PER_SESSION")
    parser.add_argument("--people-per-session", type=int, help="override PEOPLE_PER_SESSION")
    for flag in ("--synth", "--prep", "--stage", "--run"):
        parser.add_argument(flag, type=int, help=argparse.SUPPRESS)  # children: one step of one size
    parser.add_argument("--evaluator", choices=EVALUATORS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    markdown = args.format == "markdown"
    args.format = args.data or ("csv" if markdown else args.format)
    _sessions(args)
    for flag in ("synth", "prep", "stage", "run"):
        size = getattr(args, flag)
        if size is not None:
            work, ruleset_path = args.out / f"n{size}", args.out / "rules.yaml"
            found = {"synth": lambda: synth_one(size, work, args.format),
                     "prep": lambda: prep_one(work, ruleset_path),
                     "stage": lambda: stage_one(work, ruleset_path, args.evaluator),
                     "run": lambda: whole_one(work, ruleset_path, args.evaluator)}[flag]()
            print(RESULT + json.dumps(found), flush=True)
            return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.evaluators = [e.strip() for e in args.evaluators.split(",") if e.strip()]
    with tempfile.TemporaryDirectory(prefix="localpay-rules-") as tmp:
        args.out = args.out or Path(tmp)
        args.out.mkdir(parents=True, exist_ok=True)
        write_ruleset(args.out)
        rows, notes, ok = measure(args, sizes)
    if rows:
        print(f"20 rules (15 row-local, 5 history) on the Stockport ruleset; run {FROM}..{PERIOD}; "
              f"sessions of {evaluate_module.EPISODES_PER_SESSION} episodes / "
              f"{evaluate_module.PEOPLE_PER_SESSION} people")
        print(table(rows, markdown))
        if any(r.get("estimate") for r in rows):
            print("~ estimate: durable not run at this size (--durable-max); seconds scaled by episodes "
                  "from the largest size it ran")
    for note in notes:
        print(note)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
