"""``localpay plugins``: what is installed, the hooks each plugin implements, the options."""

from __future__ import annotations

import json

import click

from ..report import plugins_report
from .app import App, pass_app


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def plugins_command(app: App, as_json: bool) -> None:
    """List installed plugins, the hooks each implements, and the payment options."""
    data = plugins_report(app.plugins)
    click.echo(json.dumps(data, indent=2) if as_json else plugins_text(data))


def plugins_text(data: dict) -> str:
    lines = []
    for plugin in data["plugins"]:
        lines.append(f"{plugin['name']} ({plugin['source']})")
        lines.append(f"  hooks: {', '.join(plugin['hooks']) or 'none'}")
        for option in plugin["options"]:
            lines.append(f"  option {option['name']}: {option['summary']}")
    for failure in data["failed"]:
        lines.append(f"{failure['name']} FAILED TO LOAD: {failure['error']}")
    if data.get("error"):
        lines.append(f"error: {data['error']}")
    return "\n".join(lines)
