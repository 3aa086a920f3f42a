"""``localpay run RULESET EPISODES``: price a month and write the statements."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..ledger import Request
from ..ledger.store import describe
from ..pipeline import Inputs
from ..progress import StageProgress
from ..report import run_report
from .app import NO_PDF, TablesCommand, FROM, PERIOD, RULES_ENGINE, TEMPLATES, App, input_files, pass_app, replace_out


@click.command("run", cls=TablesCommand)
@click.argument("ruleset")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@input_files
@PERIOD
@FROM
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder for the outputs.")
@replace_out
@TEMPLATES
@NO_PDF
@RULES_ENGINE
@click.option("--ledger", metavar="LEDGER", help="Issue the month into this ledger: a file (SQLite, made on the first "
              "issue) or a postgresql:// URL. Earlier months it holds are recomputed and adjusted.")
@click.option("--submission", type=click.Choice(["flex", "freeze"]), default="flex", show_default=True,
              help="With --ledger: the month's data is its flex (primary) or freeze (refresh) submission.")
@click.option("--issued-on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="With --ledger: the date of issue (default today).")
@click.option("--reissue", is_flag=True, help="With --ledger: replace the last month issued (issued in error); "
              "needs --reason.")
@click.option("--reason", help="With --reissue: why the earlier issue is replaced.")
@click.option("--final", is_flag=True, help="With --ledger: issue the contract's last month and close the year, "
              "with the year's reconciliation.")
@pass_app
def run_command(app: App, ruleset, episodes, assessments, tables, encoding, columns, period, from_period, out,
                templates, no_pdf, evaluator, ledger, submission, issued_on, reissue, reason, final) -> None:
    """Price EPISODES under RULESET for a month and write the statements; with --ledger, issue
    the month, with its prior-period adjustments."""
    if not ledger and (reissue or reason or final or issued_on or submission != "flex"):
        raise click.UsageError("--submission, --issued-on, --reissue, --reason and --final go with --ledger")
    loaded = app.ruleset(ruleset)
    command = ["localpay", "run", ruleset, str(episodes), "--period", period]
    for flag, value in (("--from", from_period), ("--assessments", assessments),
                        *((app.plugins.input_tables[name].option, path) for name, path in tables.items()),
                        ("--encoding", encoding if encoding != "utf-8" else None), ("--columns", columns),
                        ("--templates", templates),
                        ("--rules-engine", evaluator if evaluator != "polars" else None)):
        command += [flag, str(value)] if value else []
    command += ["--out", str(out), *(["--no-pdf"] if no_pdf else [])]
    request = None
    if ledger:
        request = Request(ledger, submission, issued_on.date() if issued_on else None, reissue, reason, final)
        command += ["--ledger", describe(ledger), "--submission", submission,
                    *(["--issued-on", issued_on.date().isoformat()] if issued_on else []),
                    *(["--reissue", "--reason", reason] if reissue else []), *(["--final"] if final else [])]
    inputs = Inputs(episodes, assessments, tables, evaluator, encoding, columns)
    with StageProgress() as progress:
        result, written = api.run_statement(loaded, app.plugins, inputs, period, out, from_period, templates, command,
                                            progress, request, pdf=not no_pdf)
    click.echo(run_report(result, written))
