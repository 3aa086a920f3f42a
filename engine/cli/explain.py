"""``localpay explain RULESET EPISODES --episode ID``: the trail behind one episode's lines."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..pipeline import Inputs
from .app import TablesCommand, FROM, PERIOD, RULES_ENGINE, TEMPLATES, App, input_files, pass_app


@click.command("explain", cls=TablesCommand)
@click.argument("ruleset")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--episode", "episode_id", required=True, help="The episode_id to explain.")
@input_files
@PERIOD
@FROM
@TEMPLATES
@RULES_ENGINE
@pass_app
def explain_command(app: App, ruleset, episodes, episode_id, assessments, tables, encoding, columns, period, from_period,
                    templates, evaluator) -> None:
    """Print the trail behind each of one episode's payment lines."""
    loaded = app.ruleset(ruleset)
    inputs = Inputs(episodes, assessments, tables, evaluator, encoding, columns)
    explained = api.explain(loaded, app.plugins, inputs, episode_id, period, from_period, templates)
    click.echo(explained.text, nl=False)
