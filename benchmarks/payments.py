"""Payments benchmark: the pathway, outcomes and CQUIN options over N synthetic episodes.

    .venv/bin/python benchmarks/payments.py                    # 100,000 and 1,000,000 episodes
    .venv/bin/python benchmarks/payments.py --sizes 200000

For each size it synthesises episodes and assessments for the bundled Stockport ruleset, then
times, on the loaded data: pricing an early-intervention pathway (entry: cluster 10 in EIP,
three stages, pro rata on leaving), each built-in indicator as at 30 June and 31 March (the
year end, over the whole year's assessments), and the full June run with its outcomes
settlement and CQUIN payments on account. It prints figures and makes no assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from localpay.api import open_ruleset
from localpay.manager import make_plugins
from localpay.measures.compute import MeasureInputs, measure_data
from localpay.measures.model import Measure
from localpay.periods import Month
from localpay.pipeline import Inputs, run
from localpay.ruleset.load import load_ruleset
from scale import synthesise

PATHWAY = """
  - id: eip-pathway
    option: pathway
    provider: RT2
    commissioner: 01W
    entry: {service: EIP, cluster: 10}
    continues: {service: EIP}
    price: 12000.00
    stages:
      - {id: start, at: entry, share: 30%}
      - {id: year-one, after_days: 365, share: 30%}
      - {id: complete, at: completion, share: 40%}
    max_duration_days: 1095
    leaving_early: pro_rata
    reentry_gap_days: 180
"""
INDICATORS = ("reviewed_in_period", "paired_honos", "honos_improved", "wemwbs_improved")


def with_pathway(work: Path) -> Path:
    """The Stockport ruleset with an EIP pathway added (its tables and rules as they are)."""
    source = open_ruleset("stockport").path
    text = source.read_text().replace("\n# The extra episode columns", PATHWAY + "\n# The extra episode columns", 1)
    target = work / "stockport-pathway.yaml"
    target.write_text(text)
    return target


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def one(size: int, work: Path) -> list[str]:
    plugins = make_plugins()
    data, synth_s = synthesise(open_ruleset("stockport", plugins), size, work / "episodes.csv")
    ruleset = load_ruleset(with_pathway(work), plugins.options, plugins.vocabulary)
    result, run_s = timed(lambda: run(ruleset, plugins, Inputs(data.episodes, data.assessments), Month(2025, 6)))
    rows = [f"| {size:,} | June run, 3 months priced | {run_s:.2f} | price {result.timings['price']:.2f} s, "
            f"settle {result.timings['settle']:.2f} s, {result.lines.height:,} lines |"]
    context = result.context
    arrangement = ruleset.arrangement("eip-pathway")
    priced, seconds = timed(lambda: ruleset.option_of(arrangement).price(arrangement, context))
    rows.append(f"| {size:,} | pathway pricing | {seconds:.2f} | {priced.lines.height:,} stage lines |")
    inputs = MeasureInputs(context.episodes, context.assessments, MeasureInputs.empty_returns())
    for name in INDICATORS:
        measure = Measure.model_validate({"id": name, "indicator": name, "weight": "100%", "floor": "10%", "target": "90%"})
        indicator = plugins.vocabulary.indicators[name]
        measure._indicator, measure._parameters = indicator, indicator.parameters.model_validate({})
        for as_of in (dt.date(2025, 6, 30), dt.date(2026, 3, 31)):
            cut, cut_s = timed(lambda: measure_data(measure, inputs, "RT2", "01W", ruleset.period.start, as_of))
            count, count_s = timed(lambda: measure.indicator_impl.compute(cut, measure.indicator_parameters))
            rows.append(f"| {size:,} | {name} as at {as_of} | {cut_s + count_s:.2f} | cut {cut_s:.2f} s; "
                        f"{count.numerator:,} / {count.denominator:,} of {count.in_scope:,} in scope |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(f"| {size:,} | peak memory | | {peak:,.0f} MiB (synthesis {synth_s:.1f} s not counted above) |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    print("| episodes | step | seconds | figures |\n|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="localpay-bench-") as folder:
            for row in one(size, Path(folder)):
                print(row, flush=True)


if __name__ == "__main__":
    main()
