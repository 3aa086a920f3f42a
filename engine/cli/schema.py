"""``localpay schema``: the JSON Schema of the ruleset format, for an editor."""

from __future__ import annotations

from pathlib import Path

import click

from ..fileio import atomic_write
from ..ruleset.schema import schema_text
from .app import App, pass_app


@click.command("schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the schema to FILE (replaced in one step) instead of printing it.")
@pass_app
def schema_command(app: App, out: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of the ruleset format, with the keys of every installed
    plugin's payment options, for autocompletion and inline errors in a YAML-aware editor."""
    text = schema_text(app.plugins)
    if out is None:
        click.echo(text, nl=False)
        return
    atomic_write(out, text)
    click.echo(f"the ruleset schema is in {out}")
