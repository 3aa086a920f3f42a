"""The library API the CLI is a shell over: each function takes plain arguments and returns
results; none of them prints. ``write_schedule`` is the schedule's own writer
(``localpay.schedule.writing``), used as it is."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import polars as pl

from .contract_year import check_within
from .diff import diff_runs
from .errors import LocalpayError, OutputError
from .explain import explain_episode
from .csvout import with_bom, write_csv, write_input_csv
from .fileio import STAGED, atomic_write, shown
from .ledger import Plan, Request, Store, plan_issue
from .ledger.document import ledger_sections
from .ledger.issue import Issued, prepare
from .ledger.issue import write as write_issue
from .manager import Plugins, make_plugins
from .outfolder import Staged, seal, staged
from .outmanifest import relist
from .pdf import check as check_pdf
from .periods import Month
from .pipeline import Inputs, Progress, RunResult, run
from .render import make_environment, render, template_dirs, to_json
from .report import describe_ruleset, rules_report
from .rules.lint import RuleWarning, lint
from .ruleset import Ruleset
from .ruleset.load import load_ruleset
from .ruleset.overflow import named_overflow
from .schedule.writing import WrittenSchedule, write_schedule
from .statement.workbook import rows_limit
from .statement.writing import IssuedOutputs, Written, write_outputs
from .synth.episodes import spec_for, write_synthetic
from .synth.submissions import submissions


def open_ruleset(name: str | Path, plugins: Plugins | None = None) -> Ruleset:
    plugins = plugins or make_plugins()
    return load_ruleset(name, plugins.options, plugins.vocabulary, plugins.input_columns)


@dataclass(frozen=True)
class Validated:
    warnings: list[RuleWarning]  # rules that cannot do what they say
    terms: str  # the ruleset's parties, period and each arrangement's terms, in words
    rules: str  # each rule in words, then the warnings


def validate(ruleset: Ruleset, plugins: Plugins) -> Validated:
    """A loaded ruleset's terms and rules as ``localpay validate`` shows them, and the lint's
    warnings."""
    with named_overflow(ruleset.source, str(ruleset.path)):  # a value too large to describe: told at its key
        warnings = lint(ruleset)
        return Validated(warnings, describe_ruleset(ruleset, plugins), rules_report(ruleset, warnings))


def _months(period: str, from_period: str | None, *rulesets: Ruleset) -> tuple[Month, Month | None]:
    """The months asked for, each inside every ruleset's contract (told before ``--out`` is touched)."""
    month, first = Month.parse(period), Month.parse(from_period) if from_period else None
    for ruleset in rulesets:
        check_within(ruleset, month, first)
    return month, first


def run_statement(ruleset: Ruleset, plugins: Plugins, inputs: Inputs, period: str, out: Path,
                  from_period: str | None = None, templates: Path | None = None, command: list[str] | None = None,
                  progress: Progress | None = None, ledger: Request | None = None,
                  pdf: bool = True) -> tuple[RunResult, Written]:
    """Price ``inputs`` for the month ``period`` (``YYYY-MM``), the year to date from
    ``from_period``, and write the statements (with ``pdf``, each also as a PDF, whose system
    libraries are checked first) and the run's other outputs to ``out``.

    ``out`` is checked (a folder, writable, space to spare, empty or an earlier run's) before
    anything is priced, and its files are written into a staging folder moved into place when
    complete (``outfolder``). With ``ledger``, the month is issued: checked against what the
    ledger holds, every earlier month it holds recomputed on these inputs and the differences
    made adjustments, all written into the ledger in one transaction, inside which the outputs are
    staged (a failure to write them issues nothing); they are moved into place once it commits."""
    month, first = _months(period, from_period, ruleset)
    rows_limit()  # a bad setting is told before any work (and before a ledger is opened)
    with_bom()
    if pdf:
        check_pdf()
    read = [*read_by(ruleset, inputs, templates), ("the ledger", ledger.ledger if ledger else None)]
    with staged(Path(out), "run", read) as folder:
        plan = plan_issue(Store(ledger.ledger), ruleset, month, ledger) if ledger else None
        if plan and plan.first_month and (first is None or plan.first_month < first):
            first = plan.first_month
        result = run(ruleset, plugins, inputs, month, first, progress)

        def write(issued: IssuedOutputs | None) -> Written:
            if progress:
                progress("write")
            return write_outputs(result, folder.path, command or [], templates, issued, pdf)

        written = _issue(plan, result, progress, write, folder) if plan else write(None)
    return result, _placed(written, folder)


def read_by(ruleset: Ruleset, inputs: Inputs | None, templates: Path | None) -> list[tuple[str, Path | None]]:
    """What a command reads, which its ``--out`` may not hold: the ruleset (and its folder), the
    input files, the templates."""
    read: list[tuple[str, Path | None]] = [("the ruleset", ruleset.path), ("the ruleset's folder", ruleset.path.parent),
                                           ("--templates", templates)]
    if inputs is not None:
        read += [("the episodes", inputs.episodes), ("the assessments", inputs.assessments),
                 *((f"the {name} table", path) for name, path in sorted(inputs.tables.items()))]
    return read


def _placed(written: Written, folder: Staged) -> Written:
    """``written`` as it is once moved into place."""
    return replace(written, out_dir=folder.shown_as,
                   files=[folder.shown_as / f.relative_to(folder.path) for f in written.files])


def _issue(plan: Plan, result: RunResult, progress: Progress | None, write: Callable[[IssuedOutputs], Written],
           folder: Staged) -> Written:
    started = time.perf_counter()
    if progress:
        progress("compare")
    prepared = prepare(plan, result)
    compared = time.perf_counter()
    if progress:
        progress("issue")
    written: list[Written] = []
    writing = []

    def outputs(issued: Issued) -> None:  # inside the issuing transaction
        began = time.perf_counter()
        about = {"location": str(shown(plan.store.name)), "area": plan.area, "issue": issued.sequence,
                 "issued_on": plan.issued_on, "submission": plan.request.submission, "final": plan.request.final,
                 "adjustments": prepared.adjustments.height,
                 "statements": {s["statement_id"]: s["sha256"] for s in issued.statements}}
        written.append(write(IssuedOutputs(ledger_sections(prepared, issued), prepared.adjustments, about)))
        writing.append(time.perf_counter() - began)

    issued = write_issue(prepared, result, outputs)
    folder.issued = f"issue {issued.sequence} of {plan.area} into the ledger {plan.store.name}"
    result.timings["compare"] = compared - started
    result.timings["issue"] = time.perf_counter() - compared - writing[0]
    return written[0]


@dataclass(frozen=True)
class Explained:
    document: dict  # the trail as plain data, for the template
    text: str  # as ``localpay explain`` prints it


def explain(ruleset: Ruleset, plugins: Plugins, inputs: Inputs, episode_id: str, period: str,
            from_period: str | None = None, templates: Path | None = None) -> Explained:
    """The trail behind each of one episode's payment lines in the months asked for."""
    result = run(ruleset, plugins, inputs, *_months(period, from_period, ruleset))
    env = make_environment(template_dirs(ruleset.path, templates))  # a bad --templates is told before a missing episode
    document = explain_episode(result, episode_id)
    return Explained(document, render(env, "explain.txt.j2", e=document))


@dataclass(frozen=True)
class Synthetic:
    episodes: Path
    assessments: Path
    episode_rows: int
    assessment_rows: int
    tables: dict[str, Path] = field(default_factory=dict)  # the input tables the ruleset's options read, by name


def synthesise_for(ruleset: Ruleset, people: int, seed: int, out: Path, bad_share: float = 0.01,
                   as_of: dt.date | None = None, tables: bool = False, plugins: Plugins | None = None) -> Synthetic:
    """Episodes and assessments for the ruleset's parties (in its area's services, for a bundled
    area); with ``tables``, also each input table the plugins declare that its options read
    (budgets, returns, population, a plugin's own)."""
    spec = spec_for(ruleset, people, seed, bad_share, as_of)
    declared = (plugins or make_plugins()).input_tables if tables else None
    return Synthetic(*write_synthetic(spec, Path(out), ruleset, declared))


@dataclass(frozen=True)
class Demo:
    area: str
    ruleset: Ruleset
    data: Synthetic
    result: RunResult
    written: Written
    schedule: WrittenSchedule
    command: list[str]  # the run, as a command line, for the manifest and the explain suggestion
    ledger: Path | None = None  # the ledger the area's months were issued into, for the area that issues them
    submissions: tuple[Path, ...] = ()  # each month's episodes as submitted, for the area with a ledger


@dataclass(frozen=True)
class Demos:
    out: Path
    areas: tuple[Demo, ...]
    index: Path | None  # written when every area ran


AREAS = ("lambeth", "northamptonshire", "stockport", "suffolk", "worcestershire")
DEMO_AREA = "stockport"


def demo(out: Path, people: int = 1000, seed: int = 2025, area: str | None = None,
         progress: Progress | None = None, pdf: bool = True) -> Demos:
    """Each bundled area (or the one named) on synthetic data shaped for it, into ``out/<area>/``:
    the data, its statements for the area's third month with the year to date from its first,
    and its contract schedule; with every area, an index page linking them all. The demo area
    (``DEMO_AREA``) issues its three months in turn into a ledger, on monthly submissions whose
    refresh changes some episodes, so its third month's statements carry adjustments.

    Written as one unit (``outfolder``): with every area, ``out`` itself; with one, ``out/<area>/``.
    Each area's folder has a ``manifest.json`` of its own, so one area run again leaves ``out``
    verifying. With ``pdf``, each statement and schedule is also a PDF (the system libraries it
    needs checked first)."""
    if area is not None and area.strip().lower() not in AREAS:
        raise LocalpayError(f"no example area {area!r} (areas: {', '.join(AREAS)})")
    rows_limit()
    with_bom()
    if pdf:
        check_pdf()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {str(out)!r} is a file, not a folder; name a folder for the outputs")
    if area is not None:
        name = area.strip().lower()
        with staged(out / name, "demo area") as folder:
            plugins = make_plugins()
            one = demo_area(folder.path, name, plugins, people, seed, progress, pdf)
        relist(out, name)  # a whole demo's manifest lists its areas' folders
        return Demos(out, (_moved(one, folder),), None)
    with staged(out, "demo") as folder:
        plugins = make_plugins()
        done = tuple(demo_area(folder.path / name, name, plugins, people, seed, progress, pdf) for name in AREAS)
        index = write_index(folder.path, done)
        seal(folder.path, {"kind": "demo", "areas": list(AREAS)})
    return Demos(out, tuple(_moved(d, folder) for d in done), folder.shown_as / index.relative_to(folder.path))


def demo_area(out: Path, area: str, plugins: Plugins, people: int, seed: int, progress: Progress | None = None,
              pdf: bool = True, ledger: bool | None = None) -> Demo:
    """One area's demo into ``out``. With ``ledger`` (by default, for ``DEMO_AREA`` only) its
    months are issued in turn into ``out/ledger.db`` (made afresh), each on that month's
    submission of the data (``out/data/episodes-YYYY-MM.csv``), each issued on the 15th of the
    month after; the earlier months' outputs go to ``out/statements/YYYY-MM/``, the last
    month's to ``out/statements/`` as for every area. Ends with the area's ``manifest.json``."""
    ruleset = open_ruleset(area, plugins)
    first = Month.of(ruleset.period.start)
    months = (first, first.next(), first.next().next())
    period = months[-1]
    data = synthesise_for(ruleset, people, seed, out / "data" / "episodes.csv", as_of=period.last_day, tables=True,
                          plugins=plugins)
    issuing = area == DEMO_AREA if ledger is None else ledger
    submitted = _write_submissions(data.episodes, months, seed) if issuing else {}
    store = _fresh_ledger(out / "ledger.db") if issuing else None
    earlier = []
    for month in months[:-1] if issuing else ():
        # written beside the last month's folder, moved into it once that is written
        aside, final = out / f".statements-{month.label}", out / "statements" / month.label
        token = STAGED.set((*STAGED.get(), (aside, final)))
        try:
            _demo_run(area, ruleset, plugins, data, submitted[month], month, first, aside, store, progress, pdf)
        finally:
            STAGED.reset(token)
        earlier.append((aside, final))
    episodes = submitted.get(period, data.episodes)
    result, written, command = _demo_run(area, ruleset, plugins, data, episodes, period, first, out / "statements", store,
                                         progress, pdf)
    for aside, final in earlier:
        os.rename(aside, final)
    schedule = write_schedule(ruleset, plugins, out / "schedule", pdf=pdf)
    seal(out, {"kind": "demo area", "area": area})
    return Demo(area, ruleset, data, result, written, schedule, command, store, tuple(submitted.values()))


def _moved(one: Demo, folder: Staged) -> Demo:
    """An area's demo as it is once its folder is moved into place."""
    def moved(path: Path) -> Path:
        return folder.shown_as / path.relative_to(folder.path) if folder.path in path.parents else path

    data = replace(one.data, episodes=moved(one.data.episodes), assessments=moved(one.data.assessments),
                   tables={name: moved(path) for name, path in one.data.tables.items()})
    written = replace(one.written, out_dir=moved(one.written.out_dir), files=[moved(f) for f in one.written.files])
    schedule = replace(one.schedule, files=[moved(f) for f in one.schedule.files])
    return replace(one, data=data, written=written, schedule=schedule,
                   ledger=moved(one.ledger) if one.ledger else None, submissions=tuple(moved(p) for p in one.submissions))


def _write_submissions(episodes: Path, months: tuple[Month, ...], seed: int) -> dict[Month, Path]:
    """Each month's submission of the synthetic episodes, beside them as ``episodes-YYYY-MM.csv``."""
    made = submissions(pl.read_csv(episodes, infer_schema=False), list(months), seed)
    paths = {month: episodes.with_name(f"{episodes.stem}-{month.label}{episodes.suffix}") for month in made}
    for month, frame in made.items():
        write_input_csv(paths[month], frame)
    return paths


def _fresh_ledger(path: Path) -> Path:
    """The demo makes its folder's outputs afresh: an earlier run's ledger (and SQLite's side files) goes."""
    for old in (path, *(path.with_name(path.name + side) for side in ("-journal", "-wal", "-shm"))):
        old.unlink(missing_ok=True)
    return path


def _demo_run(area: str, ruleset: Ruleset, plugins: Plugins, data: Synthetic, episodes: Path, month: Month, first: Month,
              out: Path, ledger: Path | None, progress: Progress | None,
              pdf: bool = True) -> tuple[RunResult, Written, list[str]]:
    """One month's run of the demo (issued into ``ledger`` on the 15th of the month after, if
    given), and its command line."""
    issued_on = month.stop + dt.timedelta(days=14)
    command = ["localpay", "run", area, str(shown(episodes)), "--assessments", str(shown(data.assessments)),
               *(part for name, path in sorted(data.tables.items())
                 for part in (plugins.input_tables[name].option, str(shown(path)))),
               "--period", month.label, "--from", first.label, "--out", str(shown(out))]
    if ledger:
        command += ["--ledger", str(shown(ledger)), "--issued-on", issued_on.isoformat()]
    if not pdf:
        command.append("--no-pdf")
    request = Request(str(ledger), issued_on=issued_on) if ledger else None
    inputs = Inputs(episodes, data.assessments, data.tables, own_columns=True)  # synthetic: in its own columns
    result, written = run_statement(ruleset, plugins, inputs, month.label, out, first.label, command=command,
                                    progress=progress, ledger=request, pdf=pdf)
    return result, written, command


def write_index(out: Path, demos: tuple[Demo, ...]) -> Path:
    """``out/index.html``: every area's headline totals and a relative link to each document."""
    env = make_environment(template_dirs(None, None))
    atomic_write(out / "index.html", render(env, "index.html.j2", areas=[_index_entry(out, d) for d in demos]))
    return out / "index.html"


def _index_entry(out: Path, d: Demo) -> dict:
    def link(path: Path) -> dict:
        return {"name": path.name, "href": path.relative_to(out).as_posix()}

    statements = d.written.statements
    totals = {key: sum((s["totals"][key] for s in statements), Decimal("0.00")) for key in ("payable", "held", "suspended", "shadow")}
    return {
        "area": d.ruleset.document.area, "title": d.ruleset.document.title, "status": d.ruleset.document.status,
        "period": str(d.result.period), "from": str(d.result.months[0]), "totals": totals,
        "lines": sum(s["totals"]["lines"] for s in statements),
        "expected": d.schedule.document["expected"]["total"],
        "statements": [{"id": s["id"], "payable": s["totals"]["payable"],
                        "files": [link(d.written.out_dir / f"statement-{s['id']}{suffix}")
                                  for suffix in (".html", ".md", ".json", ".pdf")
                                  if d.written.out_dir / f"statement-{s['id']}{suffix}" in d.written.files]}
                       for s in statements],
        "schedule": [link(f) for f in d.schedule.files],
        "outputs": [link(f) for f in d.written.files if not f.name.startswith("statement-")],
        "data": [link(f) for f in (d.data.episodes, d.data.assessments, *d.data.tables.values())],
    }


def example_episode(result: RunResult) -> str | None:
    """An episode worth explaining: one with a line that is not simply payable, if any."""
    lines = result.lines.filter(pl.col("period") == result.period.label).sort("episode_id")
    decided = lines.filter(pl.col("reason").is_not_null())
    chosen = decided if not decided.is_empty() else lines
    first = chosen["episode_id"].drop_nulls().first() if not chosen.is_empty() else None
    return None if first is None else str(first)


@dataclass(frozen=True)
class Diffed:
    document: dict
    files: list[Path]


def diff_rulesets(old: Ruleset, new: Ruleset, plugins: Plugins, inputs: Inputs, period: str, out: Path,
                  from_period: str | None = None, templates: Path | None = None) -> Diffed:
    """Price the same data under two rulesets and write what the change does to the money. ``out``
    is checked before anything is priced and written as one unit (``outfolder``)."""
    month, first = _months(period, from_period, old, new)
    with_bom()  # a bad setting is told before anything is priced
    read = [*read_by(old, inputs, templates), *read_by(new, None, None)]
    with staged(Path(out), "diff", read) as folder:
        before = run(old, plugins, inputs, month, first)
        after = run(new, plugins, inputs, month, first)
        if before.months != after.months:  # one ruleset settles over earlier months: compare the same months
            first = min(before.months[0], after.months[0])
            before = run(old, plugins, inputs, month, first)
            after = run(new, plugins, inputs, month, first)
        document, changed = diff_runs(before, after)
        env = make_environment(template_dirs(new.path, templates))
        names = []
        data = to_json(document)  # fixed before any template runs; templates see a frozen copy
        for name, text in (("diff.html", render(env, "diff.html.j2", d=document)),
                           ("diff.md", render(env, "diff.md.j2", d=document)), ("diff.json", data)):
            atomic_write(folder.path / name, text)
            names.append(name)
        write_csv(folder.path / "diff-episodes.csv", changed, ("before", "after", "change"), date_format=None)
        names.append("diff-episodes.csv")
        seal(folder.path, {"kind": "diff", "old": {"path": str(shown(old.path)), "sha256": old.sha256},
                           "new": {"path": str(shown(new.path)), "sha256": new.sha256}})
        names.append("manifest.json")
    return Diffed(document, [folder.shown_as / name for name in names])
