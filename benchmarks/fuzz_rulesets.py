"""Ruleset fuzzer, at length: mutations of every bundled ruleset (and of a table file a ruleset
names) through ``localpay validate`` in-process, as ``tests/test_ruleset_fuzz.py`` runs a few
hundred of them.

    .venv/bin/python benchmarks/fuzz_rulesets.py                      # 2,000 cases, seed 1
    .venv/bin/python benchmarks/fuzz_rulesets.py --cases 20000 --seed 7 --timeout 30
    .venv/bin/python benchmarks/fuzz_rulesets.py --case 1234 --seed 7  # one case again, its output in full

Prints the cases run, the exits by code, the tracebacks and hangs (each case's number and
mutations, so ``--case`` runs it again), and the slowest cases. Exits 1 when any case broke the
property (a traceback, a hang, an exit code other than 0, 1 or 2, or exit 2 without
``localpay: error:``).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from ruleset_fuzz import broken, make_case, run_case, seeds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a case counts as a hang")
    parser.add_argument("--case", type=int, help="run this one case and print its output")
    args = parser.parse_args()
    bases = seeds()
    numbers = [args.case] if args.case is not None else range(args.cases)
    exits: collections.Counter = collections.Counter()
    failures = []
    timings = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-rulesets-") as scratch:
        for number in numbers:
            outcome = run_case(make_case(number, args.seed, bases), Path(scratch) / str(number), args.timeout)
            exits["hang" if outcome.exit_code is None else outcome.exit_code] += 1
            timings.append((outcome.seconds, outcome.case.label))
            if args.case is not None:
                print(outcome.case.label)
                print(outcome.traceback or outcome.output)
            if why := broken(outcome):
                failures.append((why, outcome))
                last = (outcome.traceback or outcome.output).strip().splitlines()[-1:] or [""]
                print(f"BROKEN {why}: {outcome.case.label}\n    {last[0][:300]}", flush=True)
            if isinstance(number, int) and number and number % 500 == 0:
                print(f"... {number} cases, {time.perf_counter() - start:.0f} s", flush=True)
    elapsed = time.perf_counter() - start
    kinds = collections.Counter(why for why, _ in failures)
    print()
    print(f"cases {len(timings)} (seed {args.seed}) in {elapsed:.1f} s")
    print("exits: " + ", ".join(f"{code}: {count}" for code, count in sorted(exits.items(), key=str)))
    print(f"tracebacks: {kinds.get('traceback', 0)}, hangs: {kinds.get('hang', 0)}, "
          f"other breaks: {sum(kinds.values()) - kinds.get('traceback', 0) - kinds.get('hang', 0)}")
    for seconds, label in sorted(timings, reverse=True)[:5]:
        print(f"slow: {seconds:.2f} s  {label[:160]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
