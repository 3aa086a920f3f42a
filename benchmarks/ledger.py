"""Ledger benchmark: a year of Stockport months issued into a SQLite ledger at N people, and
what the twelfth issue costs, stage by stage, beside a tight Polars pass doing the comparison.

    .venv/bin/python benchmarks/ledger.py                      # 100,000 and 1,000,000 people
    .venv/bin/python benchmarks/ledger.py --people 2000 --out /tmp/ledger

Per size it synthesises the Stockport episodes, assessments and returns for N people as of
2026-03-31, once, and a second episodes file for the twelfth month: the same rows with the
cluster of a seeded ~1% of them changed (to another cluster of the national table) and a seeded
~0.5% dropped, so that month 12 finds prior-period adjustments. Then, into a fresh SQLite
ledger in the scratch folder, it issues 2025-04 to 2026-02 (the year to date from 2025-04, each
issued on the 15th of the month after) on the first file: the setup, of which only the total
time is printed. Then it issues 2026-03 on the second file with ``api.run_statement`` and
prints seconds per stage:

- "recompute": the pipeline's stages (load, check, rules, overlaps, price, settle, account),
  the twelve months recomputed on the data now given;
- "compare": the ledger comparison (the earlier months' positions read from the ledger, the
  recomputed positions, the join, the causes in words);
- "issue": the one write transaction; "files": writing the statements and the run's other
  outputs (timed from the run's "write" progress mark to its return); "write" = issue + files;
- "plan": reading the ledger before the run (what was issued, what may be issued now);
- "run s": all of ``run_statement``.

"tight s" is a tight Polars pass over the same data doing the essential work of the compare:
the standing earlier issues' positions (the same rows and columns the compare reads) read back
from the ``positions`` table with the ``sqlite3`` module into Polars ("read"), the latest
position per key (provider, commissioner, arrangement, period, item) with the withdrawn keys
(tombstones) left out, the recomputed positions of the same months
(``localpay.ledger.positions.positions_of``: "positions"), a full join on the key and the keys
whose paid money differs ("join"). "compare/tight" is the ratio. The tight pass must find as
many keys as the issue found adjustments: the script says whether it did.

Each step runs in one fresh subprocess (hidden flags ``--synth``, ``--setup``, ``--issue``), so
each peak resident memory (ru_maxrss, the whole process's peak, not the stage's) belongs to that
step of that size alone: "setup MiB" for the eleven issues, "issue MiB" for month 12 (read
after ``run_statement`` returns, before the tight pass). It makes no assertions: it prints
figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from localpay.api import open_ruleset, run_statement, synthesise_for
from localpay.clusters import CLUSTERS
from localpay.ledger import Request
from localpay.ledger.positions import KEY, POSITION_COLUMNS, positions_of
from localpay.manager import make_plugins
from localpay.periods import Month, months_between
from localpay.pipeline import Inputs

sys.path.insert(0, str(Path(__file__).parent))
from scale import RESULT, peak_mib, result_of  # noqa: E402  (as the other benchmarks print and measure)

AS_OF = dt.date(2026, 3, 31)
FIRST, LAST = Month(2025, 4), Month(2026, 3)
SEED = 2025
CHANGE_SHARE, DROP_SHARE = 0.01, 0.005  # of the episode rows, for month 12's file
PIPELINE = ("load", "check", "rules", "overlaps", "price", "settle", "account")


def perturbed(episodes: Path, target: Path, seed: int) -> dict:
    """``episodes`` with a seeded CHANGE_SHARE of its rows put in another cluster and a seeded
    DROP_SHARE (of the others) dropped, written to ``target``. Only rows whose cluster is one
    of the national table's are changed; every column stays as text."""
    frame = pl.read_csv(episodes, infer_schema=False).with_row_index("_row")
    codes = sorted(CLUSTERS)
    rng = np.random.default_rng(seed)
    number = pl.col("cluster").str.strip_chars().cast(pl.Int64, strict=False)
    valid = frame.filter(number.is_in(codes))["_row"].to_numpy()
    changed = rng.choice(valid, size=min(len(valid), round(frame.height * CHANGE_SHARE)), replace=False)
    others = np.setdiff1d(frame["_row"].to_numpy(), changed)
    dropped = rng.choice(others, size=min(len(others), round(frame.height * DROP_SHARE)), replace=False)
    old = frame.filter(pl.col("_row").is_in(changed)).select("_row", number.alias("old"))
    # another cluster of the table: a step of 1..len-1 places along it, never the same one
    place = {c: i for i, c in enumerate(codes)}
    steps = rng.integers(1, len(codes), size=old.height)
    new = [str(codes[(place[o] + s) % len(codes)]) for o, s in zip(old["old"].to_list(), steps)]
    moves = pl.DataFrame({"_row": old["_row"], "_new": new}, schema={"_row": pl.UInt32, "_new": pl.String})
    out = (frame.filter(~pl.col("_row").is_in(dropped)).join(moves, on="_row", how="left")
           .with_columns(cluster=pl.coalesce("_new", "cluster")).drop("_row", "_new"))
    out.write_csv(target)
    return {"changed": int(len(changed)), "dropped": int(len(dropped)), "rows12": out.height}


def synth_one(people: int, work: Path) -> dict:
    """Child 1 of a size: the data, month 12's perturbed episodes, their paths in synth.json."""
    work.mkdir(parents=True, exist_ok=True)
    plugins = make_plugins()
    started = time.perf_counter()
    data = synthesise_for(open_ruleset("stockport", plugins), people, SEED, work / "episodes.csv", as_of=AS_OF,
                          tables=True, plugins=plugins)
    synth_s = time.perf_counter() - started
    changes = perturbed(data.episodes, work / f"episodes-{LAST.label}.csv", SEED)
    found = {"episodes": data.episode_rows, "assessments": data.assessment_rows, "synth_s": synth_s,
             "synth_mib": peak_mib(), **changes,
             "paths": {"episodes": str(data.episodes), "episodes12": str(work / f"episodes-{LAST.label}.csv"),
                       "assessments": str(data.assessments), "tables": {k: str(v) for k, v in data.tables.items()}}}
    (work / "synth.json").write_text(json.dumps(found))
    return found


def _issue(work: Path, episodes: Path, month: Month, progress=None):
    """Issue ``month`` (the year to date from FIRST) into work/ledger.db, on the 15th of the
    month after; its outputs go to work/statements/YYYY-MM."""
    plugins = make_plugins()
    ruleset = open_ruleset("stockport", plugins)
    paths = json.loads((work / "synth.json").read_text())["paths"]
    inputs = Inputs(episodes, Path(paths["assessments"]), {k: Path(v) for k, v in paths["tables"].items()})
    request = Request(str(work / "ledger.db"), issued_on=month.stop + dt.timedelta(days=14))
    return run_statement(ruleset, plugins, inputs, month.label, work / "statements" / month.label, FIRST.label,
                         command=["benchmarks/ledger.py", month.label], progress=progress, ledger=request)


def setup_one(work: Path) -> dict:
    """Child 2 of a size: months 1..11 issued into a fresh ledger on the unperturbed episodes."""
    ledger = work / "ledger.db"
    for old in (ledger, *(ledger.with_name(ledger.name + side) for side in ("-journal", "-wal", "-shm"))):
        old.unlink(missing_ok=True)
    episodes = Path(json.loads((work / "synth.json").read_text())["paths"]["episodes"])
    started, each = time.perf_counter(), {}
    for month in months_between(FIRST, Month(2026, 2)):
        began = time.perf_counter()
        _issue(work, episodes, month)
        each[month.label] = time.perf_counter() - began
        print(f"  issued {month} in {each[month.label]:.2f} s", file=sys.stderr, flush=True)
    return {"setup_s": time.perf_counter() - started, "setup_each": each, "setup_mib": peak_mib()}


def tight(ledger: Path, lines: pl.DataFrame, month: Month) -> dict:
    """The compare's essential work, by hand: the standing earlier positions read with sqlite3,
    the latest per key less tombstones, the recomputed positions, a full join, paid differing."""
    started = time.perf_counter()
    schema = POSITION_COLUMNS | {"issue_id": pl.Int64}
    with sqlite3.connect(ledger) as con:
        issued = con.execute("SELECT issue_id, period FROM issues WHERE superseded_by IS NULL AND period < ?",
                             (month.label,)).fetchall()
        ids, months = [i for i, _ in issued], [p for _, p in issued]
        query = (f"SELECT {', '.join(schema)} FROM positions WHERE issue_id IN ({', '.join('?' * len(ids))}) "
                 f"AND period IN ({', '.join('?' * len(months))})")
        rows = con.execute(query, [*ids, *months]).fetchall()
    was = pl.DataFrame(rows, schema=schema, orient="row")
    read = time.perf_counter()
    was = was.sort("issue_id").unique(subset=KEY, keep="last").filter(pl.col("first_day").is_not_null())
    now = positions_of(lines.filter(pl.col("period").is_in(months)))
    positioned = time.perf_counter()
    both = was.join(now, on=KEY, how="full", coalesce=True, suffix="_now")
    differ = both.filter(pl.col("paid").fill_null(0) != pl.col("paid_now").fill_null(0))
    joined = time.perf_counter()
    return {"tight_s": joined - started, "tight_read": read - started, "tight_positions": positioned - read,
            "tight_join": joined - positioned, "tight_found": differ.height, "was_rows": len(rows),
            "was_keys": was.height, "now_keys": now.height}


def issue_one(work: Path) -> dict:
    """Child 3 of a size: month 12 issued on the perturbed episodes, then the tight pass."""
    episodes = Path(json.loads((work / "synth.json").read_text())["paths"]["episodes12"])
    marks: dict[str, float] = {}
    started = time.perf_counter()
    result, _ = _issue(work, episodes, LAST, lambda stage: marks.setdefault(stage, time.perf_counter()))
    ended = time.perf_counter()
    peak = peak_mib()
    timings = result.timings
    found = {
        "timings": timings, "recompute": sum(timings[s] for s in PIPELINE), "compare": timings["compare"],
        "issue": timings["issue"], "files": ended - marks["write"], "plan": marks["load"] - started,
        "run_s": ended - started, "issue_mib": peak, "lines": result.lines.height,
        "month_lines": result.lines.filter(pl.col("period") == LAST.label).height,
        "adjustments": _adjustments(work),
    }
    found["write"] = found["issue"] + found["files"]
    found.update(tight(work / "ledger.db", result.lines, LAST))
    return found


def _adjustments(work: Path) -> int:
    """The adjustments month 12's issue wrote, counted in the ledger."""
    with sqlite3.connect(work / "ledger.db") as con:
        return con.execute("SELECT count(*) FROM adjustments WHERE issue_id = (SELECT max(issue_id) FROM issues)"
                           ).fetchone()[0]


def child(flag: str, people: int, scratch: Path) -> dict | None:
    """Run this script with a hidden flag in a fresh process; its last RESULT line, or None."""
    return result_of([sys.executable, __file__, flag, str(people), "--out", str(scratch)], f"{people:,} people: {flag}")


def table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    return "\n".join(lines + ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body])


def report(rows: list[dict]) -> str:
    s = lambda v: f"{v:.2f}"  # noqa: E731
    main = table(
        ["people", "episodes", "changed", "dropped", "setup s", "recompute", "compare", "issue", "files", "write",
         "plan", "run s", "issue MiB", "tight s", "compare/tight", "adjustments"],
        [[f"{r['people']:,}", f"{r['episodes']:,}", f"{r['changed']:,}", f"{r['dropped']:,}", s(r["setup_s"]),
          s(r["recompute"]), s(r["compare"]), s(r["issue"]), s(r["files"]), s(r["write"]), s(r["plan"]),
          s(r["run_s"]), f"{r['issue_mib']:,.0f}", s(r["tight_s"]), f"{r['compare'] / r['tight_s']:.1f}x",
          f"{r['adjustments']:,}"] for r in rows])
    detail = table(
        ["people", *PIPELINE, "tight read", "tight positions", "tight join", "was rows", "was keys", "now keys",
         "lines", "synth s", "synth MiB", "setup MiB"],
        [[f"{r['people']:,}", *(s(r["timings"][p]) for p in PIPELINE), s(r["tight_read"]), s(r["tight_positions"]),
          s(r["tight_join"]), f"{r['was_rows']:,}", f"{r['was_keys']:,}", f"{r['now_keys']:,}", f"{r['lines']:,}",
          s(r["synth_s"]), f"{r['synth_mib']:,.0f}", f"{r['setup_mib']:,.0f}"] for r in rows])
    notes = [f"{r['people']:,} people: the tight pass found {r['tight_found']:,} differing keys, "
             + ("the same as the adjustments" if r["tight_found"] == r["adjustments"]
                else f"NOT the {r['adjustments']:,} adjustments the issue found") for r in rows]
    return "\n\n".join([main, "recompute's stages and the tight pass's parts, seconds; rows and keys; synthesis",
                        detail, "\n".join(notes)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", default="100000,1000000", help="comma-separated numbers of people")
    parser.add_argument("--out", type=Path, help="scratch directory (default: a temporary one)")
    for flag in ("--synth", "--setup", "--issue"):
        parser.add_argument(flag, type=int, help=argparse.SUPPRESS)  # children: one step of one size
    args = parser.parse_args()
    for flag, step in (("synth", lambda n, w: synth_one(n, w)), ("setup", lambda n, w: setup_one(w)),
                       ("issue", lambda n, w: issue_one(w))):
        people = getattr(args, flag)
        if people is not None:
            print(RESULT + json.dumps(step(people, args.out / f"n{people}")), flush=True)
            return 0
    sizes = [int(s.replace("_", "")) for s in args.people.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="localpay-ledger-") as tmp:
        scratch = args.out or Path(tmp)
        for people in sizes:
            print(f"{people:,} people ...", file=sys.stderr, flush=True)
            made = child("--synth", people, scratch)
            setup = made and child("--setup", people, scratch)
            issued = setup and child("--issue", people, scratch)
            if issued:
                rows.append({"people": people, **made, **setup, **issued})
                print(f"  {people:,} people done", file=sys.stderr, flush=True)
    if rows:
        print(f"Stockport ruleset, data as of {AS_OF}; {FIRST}..2026-02 issued into a fresh SQLite ledger (setup), "
              f"then {LAST} on episodes with ~{CHANGE_SHARE:.0%} re-clustered and ~{DROP_SHARE:.1%} dropped; "
              "seconds per stage; MiB are the process's peak (ru_maxrss)")
        print(report(rows))
    return 0 if len(rows) == len(sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
