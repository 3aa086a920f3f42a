"""National benchmark: a national-shaped month, localpay's whole run beside a tight Polars pass
doing the same essential work on the same files, as a ratio; with each stage's seconds, peak
memory and cost per episode, and the rules stage beside every rule through durable-rules.

    .venv/bin/python benchmarks/national.py                               # 100,000, 1,000,000 and 1,500,000
    .venv/bin/python benchmarks/national.py --sizes 100000,3000000 --out /tmp/national
    .venv/bin/python benchmarks/national.py --durable-max 0                # no durable-rules comparison

Per size (episode rows, synthesised as ``scale.py`` does for the Stockport ruleset, as of 30 June
2025: open cluster periods with their clustering assessments), each step in a fresh subprocess so
that each peak resident memory is that step's own:

- "tight": a tight Polars pass over the same files doing the essential work of the cluster
  option: read episodes and assessments (rows that do not parse dropped), each MHCT review by the same provider inside a period
  a new anchor, the days from an anchor to the end of the cluster's maximum review period paid
  and the days past it suspended, days per month for April to June 2025, the cluster-tariff
  prices joined, lines written as CSV.
- "run": ``localpay run`` (the pipeline and every output) with the Stockport ruleset and 20
  local rules (15 row-local, 5 across history, two of those combining two history conditions),
  April to June 2025; seconds per stage ("cross-check": the time the run waited, after
  accounting, for the durable-rules cross-check that ran beside pricing). "ratio" is run s /
  tight s.
- "rules x": the rules stage alone, every rule columnar (no cross-check), and every rule through
  durable-rules (sizes up to ``--durable-max``), on the same checked episodes: the speed-up, and
  whether the two found the same matches (the script exits 1 when they differ).

"us/ep" is microseconds per episode of a stage, to compare across sizes. It prints figures and
makes no other assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from localpay.statement.writing import write_outputs

sys.path.insert(0, str(Path(__file__).parent))
import rules as rules_bench  # noqa: E402  (the 20 rules and the rules stage's children)
from scale import RESULT, peak_mib, result_of, synth_one  # noqa: E402  (the same data as the scale benchmark)

PERIOD, FROM = "2025-06", "2025-04"
MONTHS = [(dt.date(2025, 4, 1), dt.date(2025, 5, 1)), (dt.date(2025, 5, 1), dt.date(2025, 6, 1)),
          (dt.date(2025, 6, 1), dt.date(2025, 7, 1))]
HORIZON = dt.date(2025, 7, 1)
STAGES = ("load", "check", "rules", "overlaps", "price", "settle", "account", "cross-check", "write")
# two of the five history rules combine two history conditions
COMBINED = {
    "    when: {escalation: {within_days: 90}, service: CRHT}\n":
        "    when: {escalation: {within_days: 90}, re_presentation: {within_days: 90}, service: CRHT}\n",
    "    when: {repeat_crisis: {more_than: 1, within_days: 365}, provider: RT2}\n":
        "    when: {repeat_crisis: {more_than: 1, within_days: 365}, re_presentation: {within_days: 60}, provider: RT2}\n",
}


def write_ruleset(scratch: Path) -> Path:
    path = rules_bench.write_ruleset(scratch)
    text = path.read_text()
    for old, new in COMBINED.items():
        if old not in text:
            raise SystemExit(f"benchmarks/rules.py no longer has the rule {old.strip()!r} to combine")
        text = text.replace(old, new)
    path.write_text(text)
    return path


def _paths(work: Path) -> tuple[Path, Path]:
    episodes, assessments = json.loads((work / "synth.json").read_text())["paths"]
    return Path(episodes), Path(assessments)


def tight_one(work: Path, ruleset_path: Path) -> dict:
    """Child: the tight Polars pass, timed from reading the files to the lines written."""
    prices, periods = _cluster_terms(ruleset_path)
    episodes_path, assessments_path = _paths(work)
    started = time.perf_counter()
    text = {c: pl.String for c in ("episode_id", "patient_id", "provider", "commissioner", "cluster", "start_date",
                                   "end_date")}
    episodes = pl.scan_csv(episodes_path, schema_overrides=text).select(
        "episode_id", "patient_id", "provider", "commissioner", cluster=pl.col("cluster").cast(pl.Int32, strict=False),
        start=pl.col("start_date").str.to_date("%Y-%m-%d", strict=False),
        end=pl.col("end_date").str.to_date("%Y-%m-%d", strict=False),
    ).drop_nulls(["episode_id", "patient_id", "cluster", "start"]).with_columns(until=pl.min_horizontal(pl.col("end").fill_null(HORIZON), pl.lit(HORIZON))).filter(
        (pl.col("until") > pl.lit(MONTHS[0][0])) & (pl.col("start") < pl.lit(HORIZON))).with_row_index("row").collect()
    reviews = pl.scan_csv(assessments_path, infer_schema=False).filter(pl.col("tool") == "MHCT").select(
        "patient_id", "provider", date=pl.col("assessment_date").str.to_date("%Y-%m-%d", strict=False)).drop_nulls().collect()
    inside = episodes.select("row", "patient_id", "provider", "start", "until").join(
        reviews, on=["patient_id", "provider"]).filter((pl.col("date") > pl.col("start")) & (pl.col("date") < pl.col("until")))
    anchors = pl.concat([episodes.select("row", anchor="start"), inside.select("row", anchor="date")]).unique()
    segments = anchors.sort("row", "anchor").with_columns(next=pl.col("anchor").shift(-1).over("row")).join(
        episodes.select("row", "episode_id", "provider", "commissioner", "cluster", "until"), on="row").join(
        periods, on="cluster", how="left").with_columns(end=pl.coalesce("next", "until"))
    due = pl.when(pl.col("months").is_not_null()).then(
        pl.col("anchor").dt.offset_by(pl.format("{}mo", pl.col("months")))).otherwise(
        pl.col("anchor") + pl.duration(days=pl.col("days")))
    segments = segments.with_columns(due=pl.min_horizontal(due, pl.col("end")))
    parts = pl.concat([
        segments.select("episode_id", "provider", "commissioner", "cluster", a="anchor", b="due", status=pl.lit("payable")),
        segments.select("episode_id", "provider", "commissioner", "cluster", a="due", b="end", status=pl.lit("suspended")),
    ]).filter(pl.col("b") > pl.col("a"))
    monthly = []
    for first, after in MONTHS:
        days = (pl.min_horizontal("b", pl.lit(after)) - pl.max_horizontal("a", pl.lit(first))).dt.total_days()
        monthly.append(parts.with_columns(month=pl.lit(first.strftime("%Y-%m")), days=days).filter(pl.col("days") > 0))
    lines = pl.concat(monthly).group_by("episode_id", "provider", "commissioner", "cluster", "month", "status").agg(
        pl.col("days").sum()).join(prices, on=["provider", "commissioner", "cluster"])
    lines = lines.with_columns(amount=pl.when(pl.col("status") == "payable").then(
        (pl.col("days") * pl.col("price_micros") + 5_000) // 10_000).otherwise(0)).sort("episode_id", "month", "status")
    lines.write_csv(work / "tight-lines.csv")
    seconds = time.perf_counter() - started
    return {"tight_s": seconds, "tight_mib": peak_mib(), "tight_lines": lines.height,
            "tight_payable_pence": int(lines["amount"].sum())}


def _cluster_terms(ruleset_path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The per-day cluster prices in force on 1 April 2025 (micros) by provider and commissioner,
    and each cluster's maximum review period (days, or months)."""
    from localpay.clusters import CLUSTERS

    ruleset = open_ruleset(ruleset_path, make_plugins())
    rows = []
    for arrangement in ruleset.arrangements:
        if arrangement.option != "cluster" or getattr(arrangement, "basis", None) != "per_day":
            continue
        for cluster, dated in arrangement.price_schedule().items():
            in_force = [price for day, price in dated if day <= dt.date(2025, 4, 1)]
            if in_force:
                rows.append((arrangement.provider, arrangement.commissioner, int(cluster), int(in_force[-1] * 1_000_000)))
    prices = pl.DataFrame(rows, schema={"provider": pl.String, "commissioner": pl.String, "cluster": pl.Int32,
                                        "price_micros": pl.Int64}, orient="row").unique(
        ["provider", "commissioner", "cluster"], keep="first")
    periods = pl.DataFrame([(code, c.review_days, c.review_months) for code, c in CLUSTERS.items()],
                           schema={"cluster": pl.Int32, "days": pl.Int64, "months": pl.Int64}, orient="row")
    return prices, periods


def run_one(work: Path, ruleset_path: Path) -> dict:
    """Child: ``localpay run`` with the 20 rules, April to June, every output written."""
    plugins = make_plugins()
    ruleset = open_ruleset(ruleset_path, plugins)
    episodes, assessments = _paths(work)
    result = run(ruleset, plugins, Inputs(episodes, assessments), Month.parse(PERIOD), Month.parse(FROM))
    started = time.perf_counter()
    write_outputs(result, work / "out", command=["benchmarks/national.py"])
    timings = {**result.timings, "write": time.perf_counter() - started}
    return {"timings": timings, "run_s": sum(timings.values()), "run_mib": peak_mib(),
            "lines": result.lines.height, "cross_checked": result.rule_stats.get("cross_checked_people", 0)}


def child(flag: str, size: int, out: Path, extra: list[str] = ()) -> dict | None:
    return result_of([sys.executable, __file__, flag, str(size), "--out", str(out), *extra], f"size {size:,}: {flag}")


def _rules_children(size: int, out: Path, durable: bool) -> dict:
    """The rules stage alone by each evaluator, through benchmarks/rules.py's own children."""
    found = {}
    for evaluator in ("polars", "durable") if durable else ("polars",):
        done = rules_bench.child("--stage", size, argparse.Namespace(out=out, format="csv", episodes_per_session=None,
                                                                    people_per_session=None), evaluator)
        if done:
            found[evaluator] = done["stage_s"]
    if durable and len(found) == 2:
        found["same"] = rules_bench.compare(out / f"n{size}") is None
    return found


def table(rows: list[dict]) -> str:
    head = ["size", "episodes", "tight s", "run s", "ratio", *STAGES, "tight MiB", "run MiB",
            "run us/ep", "rules col s", "rules dur s", "rules x", "same"]
    body = []
    for r in rows:
        t = r["timings"]
        rules = r.get("rules", {})
        speedup = rules["durable"] / rules["polars"] if "durable" in rules and rules.get("polars") else None
        body.append([f"{r['size']:,}", f"{r['episodes']:,}", f"{r['tight_s']:.2f}", f"{r['run_s']:.2f}",
                     f"{r['run_s'] / r['tight_s']:.1f}x", *(f"{t.get(s, 0):.2f}" for s in STAGES),
                     f"{r['tight_mib']:,.0f}", f"{r['run_mib']:,.0f}", f"{r['run_s'] / r['episodes'] * 1e6:.1f}",
                     f"{rules.get('polars', float('nan')):.2f}",
                     f"{rules['durable']:.2f}" if "durable" in rules else "-",
                     f"{speedup:.0f}x" if speedup else "-", {True: "yes", False: "NO"}.get(rules.get("same"), "-")])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body]
    per_stage = ["", "us per episode, by stage: " + "; ".join(
        f"{r['size']:,}: " + ", ".join(f"{s} {r['timings'].get(s, 0) / r['episodes'] * 1e6:.1f}" for s in STAGES)
        for r in rows)]
    return "\n".join(out + per_stage)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,1500000", help="comma-separated episode counts")
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--durable-max", type=int, default=100_000,
                        help="the largest size whose rules also run through durable-rules (0: none)")
    parser.add_argument("--tight", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--synth", type=int, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.synth is not None:
        print(RESULT + json.dumps(synth_one(args.synth, args.out / f"n{args.synth}", "csv")), flush=True)
        return 0
    for flag, work in (("tight", args.tight), ("run", args.run)):
        if work is not None:
            step = tight_one if flag == "tight" else run_one
            print(RESULT + json.dumps(step(args.out / f"n{work}", args.out / "rules.yaml")), flush=True)
            return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    ok = True
    with tempfile.TemporaryDirectory(prefix="localpay-national-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        write_ruleset(out)
        rows = []
        for size in sizes:
            print(f"size {size:,} ...", file=sys.stderr, flush=True)
            made = child("--synth", size, out)
            tight = made and child("--tight", size, out)
            ran = tight and child("--run", size, out)
            if not ran:
                ok = False
                continue
            durable = bool(args.durable_max) and size <= args.durable_max
            prep = rules_bench.child("--prep", size, argparse.Namespace(
                out=out, format="csv", episodes_per_session=None, people_per_session=None))
            rules = _rules_children(size, out, durable) if prep else {}
            ok = ok and rules.get("same", True)
            rows.append({"size": size, "episodes": made["episodes"], **tight, **ran, "rules": rules})
    if rows:
        print(f"Stockport ruleset with 20 local rules, {FROM} to {PERIOD}; seconds, MiB (peak resident, each step "
              "its own process)")
        print(table(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
