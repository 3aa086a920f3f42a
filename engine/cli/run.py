"""``localpay run RULESET EPISODES``: price a month and write the statements."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..pipeline import Inputs
from ..progress import StageProgress
from ..report import run_report
from .app import TablesCommand, FROM, PERIOD, RULES_ENGINE, TEMPLATES, App, input_files, pass_app


@click.command("run", cls=TablesCommand)
@click.argument("ruleset")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@input_files
@PERIOD
@FROM
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the outputs.")
@TEMPLATES
@RULES_ENGINE
@pass_app
def run_command(app: App, ruleset, episodes, assessments, tables, period, from_period, out, templates,
                evaluator) -> None:
    """Price EPISODES under RULESET for a month and write the statements."""
    loaded = app.ruleset(ruleset)
    command = ["localpay", "run", ruleset, str(episodes), "--period", period]
    for flag, value in (("--from", from_period), ("--assessments", assessments),
                        *((app.plugins.input_tables[name].option, path) for name, path in tables.items()),
                        ("--templates", templates),
                        ("--rules-engine", evaluator if evaluator != "polars" else None)):
        command += [flag, str(value)] if value else []
    command += ["--out", str(out)]
    inputs = Inputs(episodes, assessments, tables, evaluator)
    with StageProgress() as progress:
        result, written = api.run_statement(loaded, app.plugins, inputs, period, out, from_period, templates, command,
                                            progress)
    click.echo(run_report(result, written))
