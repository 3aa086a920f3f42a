"""``localpay ledger``: verify, show, history, export and add-area on a ledger of issued statements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..ledger.chain import verify
from ..ledger.store import Store
from ..ledger.views import add_area, export, history, show
from .app import replace_out

LEDGER = click.argument("ledger")


@click.group("ledger")
def ledger_group() -> None:
    """Read and check a ledger of issued statements (a SQLite file or a postgresql:// URL)."""


@ledger_group.command("verify")
@LEDGER
def verify_command(ledger: str) -> None:
    """Recompute every statement's hashes and totals; exit 1, naming each statement, if anything was altered."""
    found = verify(Store(ledger, must_exist=True))
    for problem in found.problems:
        click.echo(f"altered: {problem}", err=True)
    if found.problems:
        raise SystemExit(1)
    click.echo(f"{ledger}: {found.statements:,} statements and {found.lines:,} lines verified; every hash and total holds")


@ledger_group.command("show")
@LEDGER
@click.option("--period", metavar="YYYY-MM", help="Only the statements for this month.")
@click.option("--provider", help="Only this provider's statements.")
def show_command(ledger: str, period: str | None, provider: str | None) -> None:
    """What was issued, when, on which submission, and its totals."""
    click.echo(show(Store(ledger, must_exist=True), period, provider))


@ledger_group.command("history")
@LEDGER
@click.option("--episode", required=True, help="The episode id.")
def history_command(ledger: str, episode: str) -> None:
    """Every version of one episode's money for each month, as believed on each issue date."""
    click.echo(history(Store(ledger, must_exist=True), episode))


@ledger_group.command("export")
@LEDGER
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder for the CSV files.")
@replace_out
def export_command(ledger: str, out: Path) -> None:
    """Every issued line, position, adjustment, statement and issue as CSV."""
    for path in export(Store(ledger, must_exist=True), out):
        click.echo(str(path))


@ledger_group.command("add-area")
@LEDGER
@click.argument("area")
def add_area_command(ledger: str, area: str) -> None:
    """Let a ledger hold one more area's statements (each area has its own hash chain)."""
    add_area(Store(ledger), area, dt.date.today().isoformat())
    click.echo(f"{ledger}: now holds {area}'s statements too")
