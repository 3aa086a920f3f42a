"""``localpay test RULESET``: run a ruleset's tests (``<ruleset>.tests.yaml``) and print each
case's verdict, with the differences under a failing case. Exit code 0 when every case passes,
1 when any fails, 2 for a mistake in the files (as every command)."""

from __future__ import annotations

from pathlib import Path

import click

from ..cases.run import find_tests_file, run_tests
from ..errors import InputError
from .app import App


@click.command("test")
@click.argument("ruleset")
@click.option("--cases", "cases_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The tests file. Default: <ruleset>.tests.yaml beside the ruleset.")
@click.pass_context
def test_command(ctx: click.Context, ruleset: str, cases_file: Path | None) -> None:
    """Run the test cases written for RULESET (a YAML file, or a bundled area such as stockport)."""
    app = ctx.ensure_object(App)
    cases_file = cases_file or find_tests_file(ruleset)
    if not cases_file.is_file():
        raise InputError(f"no tests file {str(cases_file)!r}; write one beside the ruleset or name it with --cases")
    results = run_tests(app.ruleset(ruleset), app.plugins, cases_file)
    for result in results:
        click.echo(f"{'PASS' if result.passed else 'FAIL'} {result.name}")
        for line in result.diff.splitlines():
            click.echo(f"    {line}")
    failed = sum(1 for result in results if not result.passed)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    ctx.exit(1 if failed else 0)
