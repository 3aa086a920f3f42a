"""``localpay synth``: synthetic episodes and assessments for a ruleset's parties."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from .app import App, pass_app


@click.command("synth")
@click.option("--people", default=1000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="How many synthetic people to make.")
@click.option("--seed", default=1, show_default=True, type=int, help="The same seed gives the same files.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Episodes file (.csv or .parquet); assessments are written beside it.")
@click.option("--ruleset", "ruleset_name", default=api.DEMO_AREA, show_default=True, help="Whose parties and year to use.")
@click.option("--bad-share", default=0.01, show_default=True, type=click.FloatRange(0, 0.5),
              help="Share of rows spoilt on purpose, spread over every kind of bad row.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Extract date: periods after it are unknown, periods running past it are open. "
                   "Default: the end of the ruleset's year.")
@pass_app
def synth_command(app: App, people, seed, out, ruleset_name, bad_share, as_of) -> None:
    """Write realistic synthetic episodes and assessments. Same seed, same files."""
    data = api.synthesise_for(app.ruleset(ruleset_name), people, seed, out, bad_share,
                              as_of.date() if as_of else None)
    click.echo(f"wrote {data.episode_rows:,} episodes to {data.episodes}")
    click.echo(f"wrote {data.assessment_rows:,} assessments to {data.assessments}")
