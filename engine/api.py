"""The library API the CLI is a shell over: each function takes plain arguments and returns
results; none of them prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .diff import diff_runs
from .fileio import atomic_write, atomic_write_with
from .manager import Plugins, make_plugins
from .outputs import Written, write_outputs
from .periods import Month
from .render import make_environment, render, template_dirs, to_json
from .pipeline import Progress, RunResult, run
from .ruleset import Ruleset, load_ruleset
from .synth import spec_for, write_synthetic


def open_ruleset(name: str | Path, plugins: Plugins | None = None) -> Ruleset:
    plugins = plugins or make_plugins()
    return load_ruleset(name, plugins.options, plugins.vocabulary)


def run_statement(ruleset: Ruleset, plugins: Plugins, episodes: Path, period: str, out: Path,
                  from_period: str | None = None, assessments: Path | None = None,
                  templates: Path | None = None, command: list[str] | None = None,
                  progress: Progress | None = None, evaluator: str = "polars",
                  tables: dict[str, Path | None] | None = None) -> tuple[RunResult, Written]:
    """``tables``: the optional input files by name (``returns``, ``budgets``, ``population``)."""
    given = {name: Path(path) for name, path in (tables or {}).items() if path}
    result = run(ruleset, plugins, Path(episodes), Month.parse(period),
                 Month.parse(from_period) if from_period else None,
                 Path(assessments) if assessments else None, progress, evaluator, **given)
    if progress:
        progress("write")
    written = write_outputs(result, Path(out), command or [], templates)
    return result, written


@dataclass(frozen=True)
class Synthetic:
    episodes: Path
    assessments: Path
    episode_rows: int
    assessment_rows: int


def synthesise_for(ruleset: Ruleset, people: int, seed: int, out: Path, bad_share: float = 0.01,
                   as_of: dt.date | None = None) -> Synthetic:
    return Synthetic(*write_synthetic(spec_for(ruleset, people, seed, bad_share, as_of), Path(out)))


@dataclass(frozen=True)
class Demo:
    ruleset: Ruleset
    data: Synthetic
    result: RunResult
    written: Written


DEMO_AREA = "stockport"


def demo(out: Path, people: int = 3000, seed: int = 2025, area: str = DEMO_AREA,
         progress: Progress | None = None) -> Demo:
    """Synthetic episodes for a bundled area, then a statement for its third month with the
    year to date from its first."""
    plugins = make_plugins()
    ruleset = open_ruleset(area, plugins)
    out = Path(out)
    first = Month.of(ruleset.period.start)
    period = first.next().next()
    data = synthesise_for(ruleset, people, seed, out / "data" / "episodes.csv", as_of=period.last_day)
    command = ["localpay", "run", area, str(data.episodes), "--assessments", str(data.assessments),
               "--period", period.label, "--from", first.label, "--out", str(out / "statements")]
    result, written = run_statement(ruleset, plugins, data.episodes, period.label, out / "statements",
                                    first.label, data.assessments, command=command, progress=progress)
    return Demo(ruleset, data, result, written)


def example_episode(result: RunResult) -> str | None:
    """An episode worth explaining: one with a line that is not simply payable, if any."""
    lines = result.lines.filter(pl.col("period") == result.period.label).sort("episode_id")
    decided = lines.filter(pl.col("reason").is_not_null())
    chosen = decided if not decided.is_empty() else lines
    return chosen["episode_id"].drop_nulls().first() if not chosen.is_empty() else None


@dataclass(frozen=True)
class Diffed:
    document: dict
    files: list[Path]


def diff_rulesets(old: Ruleset, new: Ruleset, plugins: Plugins, episodes: Path, period: str, out: Path,
                  from_period: str | None = None, assessments: Path | None = None,
                  tables: dict[str, Path | None] | None = None, templates: Path | None = None) -> Diffed:
    """Price the same data under two rulesets and write what the change does to the money."""
    given = {name: Path(path) for name, path in (tables or {}).items() if path}
    month, first = Month.parse(period), Month.parse(from_period) if from_period else None
    assessed = Path(assessments) if assessments else None
    before = run(old, plugins, Path(episodes), month, first, assessed, **given)
    after = run(new, plugins, Path(episodes), month, first, assessed, **given)
    if before.months != after.months:  # one ruleset settles over earlier months: compare the same months
        first = min(before.months[0], after.months[0])
        before = run(old, plugins, Path(episodes), month, first, assessed, **given)
        after = run(new, plugins, Path(episodes), month, first, assessed, **given)
    document, changed = diff_runs(before, after)
    env = make_environment(template_dirs(new.path, templates))
    out = Path(out)
    files = []
    for name, text in (("diff.html", render(env, "diff.html.j2", d=document)), ("diff.md", render(env, "diff.md.j2", d=document)),
                       ("diff.json", to_json(document))):
        atomic_write(out / name, text)
        files.append(out / name)
    atomic_write_with(out / "diff-episodes.csv", lambda tmp: changed.write_csv(tmp))
    files.append(out / "diff-episodes.csv")
    return Diffed(document, files)
