"""The ``localpay`` command: a thin shell over ``localpay.api``. Mistakes in a user's input end
with a clear message and exit code 2, never a traceback."""

from __future__ import annotations

import functools
import json
from functools import cached_property
from pathlib import Path

import click

from .. import __version__, api
from ..errors import LocalpayError
from ..manager import Plugins, make_plugins
from ..money import format_money
from ..pipeline import Inputs
from ..progress import StageProgress
from ..report import plugins_report, run_report
from .test import test_command


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"localpay: error: {self.format_message()}", err=True)


class Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LocalpayError as error:
            raise UserError(str(error)) from None


class App:
    """The context object every command receives."""

    @cached_property
    def plugins(self) -> Plugins:
        plugins = make_plugins()
        for failure in plugins.failures:
            click.echo(f"localpay: warning: plugin {failure.name!r} failed to load: {failure.error}", err=True)
        return plugins

    def ruleset(self, name: str):
        return api.open_ruleset(name, self.plugins)


pass_app = click.make_pass_decorator(App, ensure=True)
PERIOD = click.option("--period", required=True, metavar="YYYY-MM", help="The statement month.")
ASSESSMENTS = click.option("--assessments", type=click.Path(dir_okay=False, path_type=Path),
                           help="Assessments file (CSV or Parquet); MHCT rows are cluster reviews.")
RETURNS = click.option("--returns", type=click.Path(dir_okay=False, path_type=Path),
                       help="Returns file (measure, period, numerator, denominator) for reported measures.")
BUDGETS = click.option("--budgets", type=click.Path(dir_okay=False, path_type=Path),
                       help="Personal health budgets file (patient_id, start_date, end_date, type, ...).")
POPULATION = click.option("--population", type=click.Path(dir_okay=False, path_type=Path),
                          help="Population file (commissioner, period, population) for capitation.")


def input_files(command):
    """--assessments and the optional tables (--returns, --budgets, --population), the tables
    handed to the command together as ``tables`` (name -> path or None)."""
    @functools.wraps(command)
    def gathered(*args, returns, budgets, population, **kwargs):
        return command(*args, tables={"returns": returns, "budgets": budgets, "population": population}, **kwargs)

    for option in (POPULATION, BUDGETS, RETURNS, ASSESSMENTS):  # applied last first: listed as written
        gathered = option(gathered)
    return gathered


FROM = click.option("--from", "from_period", metavar="YYYY-MM", help="First month of the year to date.")
RULES_ENGINE = click.option("--rules-engine", "evaluator", type=click.Choice(["polars", "durable"]), default="polars",
                            show_default=True, help="polars: rules on an episode's own fields as Polars expressions, "
                            "history rules in durable-rules; durable: every rule through durable-rules.")
TEMPLATES = click.option("--templates", type=click.Path(file_okay=False, path_type=Path),
                         help="Folder of templates overriding the built-in ones by name.")


@click.group(cls=Group)
@click.version_option(__version__, prog_name="localpay")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Local payment arrangements for NHS mental health services: rulesets in, checked payment
    statements out."""
    ctx.obj = App()


@cli.command()
@click.argument("ruleset")
@click.option("--strict", is_flag=True, help="Exit with code 1 when the rules have warnings.")
@pass_app
def validate(app: App, ruleset: str, strict: bool) -> None:
    """Check RULESET (a YAML file, or a bundled area such as stockport), print its terms and rules,
    and warn about rules that cannot do what they say."""
    validated = api.validate(app.ruleset(ruleset), app.plugins)
    click.echo(validated.terms)
    click.echo(validated.rules)
    if strict and validated.warnings:
        raise SystemExit(1)


@cli.command("run")
@click.argument("ruleset")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@input_files
@PERIOD
@FROM
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the outputs.")
@TEMPLATES
@RULES_ENGINE
@pass_app
def run_command(app: App, ruleset, episodes, assessments, tables, period, from_period, out, templates,
                evaluator) -> None:
    """Price EPISODES under RULESET for a month and write the statements."""
    loaded = app.ruleset(ruleset)
    command = ["localpay", "run", ruleset, str(episodes), "--period", period]
    for flag, value in (("--from", from_period), ("--assessments", assessments),
                        *((f"--{name}", path) for name, path in tables.items()), ("--templates", templates),
                        ("--rules-engine", evaluator if evaluator != "polars" else None)):
        command += [flag, str(value)] if value else []
    command += ["--out", str(out)]
    with StageProgress() as progress:
        result, written = api.run_statement(loaded, app.plugins, Inputs(episodes, assessments, tables, evaluator), period,
                                            out, from_period, templates, command, progress)
    click.echo(run_report(result, written))


@cli.command()
@click.argument("ruleset")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--episode", "episode_id", required=True, help="The episode_id to explain.")
@input_files
@PERIOD
@FROM
@TEMPLATES
@RULES_ENGINE
@pass_app
def explain(app: App, ruleset, episodes, episode_id, assessments, tables, period, from_period, templates,
            evaluator) -> None:
    """Print the trail behind each of one episode's payment lines."""
    loaded = app.ruleset(ruleset)
    explained = api.explain(loaded, app.plugins, Inputs(episodes, assessments, tables, evaluator), episode_id, period,
                            from_period, templates)
    click.echo(explained.text, nl=False)


@cli.command()
@click.option("--people", default=1000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Episodes file (.csv or .parquet); assessments are written beside it.")
@click.option("--ruleset", "ruleset_name", default=api.DEMO_AREA, show_default=True, help="Whose parties and year to use.")
@click.option("--bad-share", default=0.01, show_default=True, type=click.FloatRange(0, 0.5),
              help="Share of rows spoilt on purpose, spread over every kind of bad row.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Extract date: periods after it are unknown, periods running past it are open. "
                   "Default: the end of the ruleset's year.")
@pass_app
def synth(app: App, people, seed, out, ruleset_name, bad_share, as_of) -> None:
    """Write realistic synthetic episodes and assessments. Same seed, same files."""
    data = api.synthesise_for(app.ruleset(ruleset_name), people, seed, out, bad_share,
                              as_of.date() if as_of else None)
    click.echo(f"wrote {data.episode_rows:,} episodes to {data.episodes}")
    click.echo(f"wrote {data.assessment_rows:,} assessments to {data.assessments}")


@cli.command()
@click.argument("ruleset")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the schedule.")
@TEMPLATES
@click.option("--no-pdf", is_flag=True, help="Write HTML, Markdown and JSON only.")
@pass_app
def schedule(app: App, ruleset, out, templates, no_pdf) -> None:
    """Write RULESET's contract schedule: HTML, Markdown, JSON and PDF."""
    loaded = app.ruleset(ruleset)
    written = api.write_schedule(loaded, app.plugins, out, templates, pdf=not no_pdf)
    expected = written.document["expected"]["total"]
    click.echo(f"{loaded.document.area}: {loaded.document.title} ({loaded.document.status}); "
               f"expected annual contract value {format_money(expected)}")
    click.echo(f"written to {out}/:")
    for file in written.files:
        click.echo(f"  {file.name}")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.argument("episodes", type=click.Path(dir_okay=False, path_type=Path))
@input_files
@PERIOD
@FROM
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the comparison.")
@TEMPLATES
@pass_app
def diff(app: App, old, new, episodes, assessments, tables, period, from_period, out, templates) -> None:
    """Price EPISODES under the OLD and the NEW ruleset and show what the change does to the money."""
    before, after = app.ruleset(old), app.ruleset(new)
    diffed = api.diff_rulesets(before, after, app.plugins, Inputs(episodes, assessments, tables), period, out,
                               from_period, templates)
    totals, counts = diffed.document["totals"], diffed.document["episodes"]
    click.echo(f"before {format_money(totals['before'])}, after {format_money(totals['after'])}, "
               f"change {format_money(totals['change'])}; {counts['changed']:,} of {counts['compared']:,} episodes change")
    for cause in diffed.document["causes"][:10]:
        click.echo(f"  {cause['cause']}: {cause['episodes']:,} episodes, {format_money(cause['change'])}")
    click.echo(f"written to {out}/:")
    for file in diffed.files:
        click.echo(f"  {file.name}")


@cli.command()
@click.option("--out", default="localpay-demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--people", default=1000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Synthetic people in each area.")
@click.option("--area", type=click.Choice(api.AREAS, case_sensitive=False),
              help="Run one example area (default: all five, with an index page).")
def demo(out: Path, people: int, area: str | None) -> None:
    """Synthesise data shaped for each example area and run its statements and schedule."""
    with StageProgress() as progress:
        ran = api.demo(out, people, area=area, progress=progress)
    for one in ran.areas:
        click.echo(demo_report(one))
    if ran.index:
        click.echo(f"index of every area's documents: {ran.index}")


def demo_report(one: api.Demo) -> str:
    data = one.data
    tables = "".join(f", {path} ({name})" for name, path in sorted(data.tables.items()))
    out = [f"Example area: {one.ruleset.document.area}, {one.ruleset.document.title}",
           f"Synthetic data: {data.episodes} ({data.episode_rows:,} episodes), "
           f"{data.assessments} ({data.assessment_rows:,} assessments){tables}",
           run_report(one.result, one.written),
           f"contract schedule: {', '.join(str(f) for f in one.schedule.files)}"]
    example = api.example_episode(one.result)
    if example:
        inputs = one.command[3:one.command.index("--period")]
        out.append(f"the trail behind one episode's lines:\n  localpay explain {one.area} {' '.join(inputs)} "
                   f"--period {one.result.period} --episode {example}")
    return "\n".join(out) + "\n"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def plugins(app: App, as_json: bool) -> None:
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


cli.add_command(test_command)


def main() -> None:
    cli(prog_name="localpay")
