"""``localpay schedule RULESET``: write the contract schedule."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..money import format_money
from ..ruleset.overflow import named_overflow
from .app import TEMPLATES, App, pass_app, replace_out


@click.command("schedule")
@click.argument("ruleset")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder for the schedule.")
@replace_out
@TEMPLATES
@click.option("--no-pdf", is_flag=True, help="Write HTML, Markdown and JSON only.")
@pass_app
def schedule_command(app: App, ruleset, out, templates, no_pdf) -> None:
    """Write RULESET's contract schedule: HTML, Markdown, JSON and PDF."""
    loaded = app.ruleset(ruleset)
    with named_overflow(loaded.source, str(loaded.path)):  # described before any file is written
        written = api.write_schedule(loaded, app.plugins, out, templates, pdf=not no_pdf)
    expected = written.document["expected"]["total"]
    click.echo(f"{loaded.document.area}: {loaded.document.title} ({loaded.document.status}); "
               f"expected annual contract value {format_money(expected)}")
    click.echo(f"written to {out}/:")
    for file in written.files:
        click.echo(f"  {file.name}")
