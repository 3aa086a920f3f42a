"""``localpay validate RULESET``: a ruleset's terms and rules, and warnings about rules that cannot
do what they say."""

from __future__ import annotations

import click

from .. import api
from .app import App, pass_app


@click.command("validate")
@click.argument("ruleset")
@click.option("--strict", is_flag=True, help="Exit with code 1 when the rules have warnings.")
@pass_app
def validate_command(app: App, ruleset: str, strict: bool) -> None:
    """Check RULESET (a YAML file, or a bundled area such as stockport), print its terms and rules,
    and warn about rules that cannot do what they say."""
    validated = api.validate(app.ruleset(ruleset), app.plugins)
    click.echo(validated.terms)
    click.echo(validated.rules)
    if strict and validated.warnings:
        raise SystemExit(1)
