"""``localpay diff OLD NEW EPISODES``: what a ruleset change does to the money."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..money import format_money
from ..pipeline import Inputs
from .app import TablesCommand, FROM, PERIOD, TEMPLATES, App, input_files, pass_app, replace_out


@click.command("diff", cls=TablesCommand)
@click.argument("old")
@click.argument("new")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@input_files
@PERIOD
@FROM
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder for the comparison.")
@replace_out
@TEMPLATES
@pass_app
def diff_command(app: App, old, new, episodes, assessments, tables, encoding, columns, period, from_period, out,
                 templates) -> None:
    """Price EPISODES under the OLD and the NEW ruleset and show what the change does to the money."""
    before, after = app.ruleset(old), app.ruleset(new)
    inputs = Inputs(episodes, assessments, tables, encoding=encoding, columns=columns)
    diffed = api.diff_rulesets(before, after, app.plugins, inputs, period, out, from_period, templates)
    totals, counts = diffed.document["totals"], diffed.document["episodes"]
    click.echo(f"before {format_money(totals['before'])}, after {format_money(totals['after'])}, "
               f"change {format_money(totals['change'])}; {counts['changed']:,} of {counts['compared']:,} episodes change")
    for cause in diffed.document["causes"][:10]:
        click.echo(f"  {cause['cause']}: {cause['episodes']:,} episodes, {format_money(cause['change'])}")
    click.echo(f"written to {out}/:")
    for file in diffed.files:
        click.echo(f"  {file.name}")
