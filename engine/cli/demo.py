"""``localpay demo``: every example area on synthetic data shaped for it."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..csvout import read_csv
from ..progress import StageProgress
from ..report import run_report
from ..statement.writing import Written
from .app import NO_PDF, replace_out


@click.command("demo")
@click.option("--out", default="localpay-demo", show_default=True, type=click.Path(path_type=Path),
              help="Folder for the example areas (each in a folder of its own).")
@replace_out
@click.option("--people", default=1000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Synthetic people in each area.")
@click.option("--area", type=click.Choice(api.AREAS, case_sensitive=False),
              help="Run one example area (default: all five, with an index page).")
@NO_PDF
def demo_command(out: Path, people: int, area: str | None, no_pdf: bool) -> None:
    """Synthesise data shaped for each example area and run its statements and schedule."""
    with StageProgress() as progress:
        ran = api.demo(out, people, area=area, progress=progress, pdf=not no_pdf)
    for one in ran.areas:
        click.echo(demo_report(one))
    if ran.index:
        click.echo(f"index of every area's documents: {ran.index}")


def demo_report(one: api.Demo) -> str:
    data = one.data
    tables = "".join(f", {path} ({name})" for name, path in sorted(data.tables.items()))
    out = [f"Example area: {one.ruleset.document.area}, {one.ruleset.document.title}",
           f"Synthetic data: {data.episodes} ({data.episode_rows:,} episodes), "
           f"{data.assessments} ({data.assessment_rows:,} assessments){tables}",
           run_report(one.result, one.written),
           f"contract schedule: {', '.join(str(f) for f in one.schedule.files)}"]
    out += ledger_report(one)
    example = api.example_episode(one.result)
    if example:
        inputs = one.command[3:one.command.index("--period")]
        out.append(f"the trail behind one episode's lines:\n  localpay explain {one.area} {' '.join(inputs)} "
                   f"--period {one.result.period} --episode {example}")
    return "\n".join(out) + "\n"


def ledger_report(one: api.Demo) -> list[str]:
    """For the area whose months were issued into a ledger: the submissions, where the ledger is
    and the command that shows one adjusted episode's history."""
    if one.ledger is None:
        return []
    out = [f"monthly submissions: {', '.join(str(p) for p in one.submissions)}",
           f"ledger of issued statements: {one.ledger} ({len(one.submissions)} months issued in turn)"]
    episode = adjusted_episode(one.written)
    if episode:
        out.append(f"one adjusted episode's money as believed on each issue date:\n"
                   f"  localpay ledger history {one.ledger} --episode {episode}")
    return out


def adjusted_episode(written: Written) -> str | None:
    """The first episode the last issue adjusted, from its ``adjustments.csv``."""
    path = written.out_dir / "adjustments.csv"
    if not path.is_file():
        return None
    ids = read_csv(path, columns=["episode_id"])["episode_id"].drop_nulls()
    ids = ids.filter(ids.str.strip_chars() != "")
    return str(ids[0]) if len(ids) else None
