"""What every ``localpay`` command shares: the command group, the context object each command
receives, the error a user's mistake ends in (exit code 2, never a traceback), and the options
several commands take."""

from __future__ import annotations

import functools
import logging
from functools import cached_property
from pathlib import Path

import click

from .. import __version__, api
from ..errors import LocalpayError
from ..inputs.presets import PRESETS
from ..manager import Plugins, make_plugins
from ..outfolder import replacing


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
                           help="Assessments file (CSV, Parquet or .xlsx); MHCT rows are cluster reviews.")
ENCODING = click.option("--encoding", default="utf-8", show_default=True, metavar="NAME",
                        help="The text encoding of the CSV input files (e.g. latin-1, cp1252); a UTF-8 file may "
                        "start with a byte order mark. A file whose table the ruleset's inputs: block gives an "
                        "encoding is read in that one.")
COLUMNS = click.option("--columns", type=click.Choice(sorted(PRESETS)), metavar="PRESET",
                       help="Read the input files' columns by a preset shipped with localpay (mhsds: an MHSDS care "
                       "cluster and cluster tool extract), for each file whose table the ruleset's inputs: block maps "
                       f"no columns for. Presets: {', '.join(sorted(PRESETS))}.")


class TablesCommand(click.Command):
    """A command reading input files: after ``--assessments`` it takes each optional input table
    the plugins declare (``localpay_input_tables``) as ``--<name> FILE``. The options are made
    when the command line is read, so the plugins load then, never at import."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        declared = ctx.ensure_object(App).plugins.input_tables.values()
        options = [click.Option([table.option, table.name], type=click.Path(dir_okay=False, path_type=Path),
                                help=table.help) for table in declared]
        after = next(i for i, p in enumerate(params) if p.name == "assessments") + 1
        return params[:after] + options + params[after:]


def input_files(command):
    """--assessments and the optional input tables the plugins declare, the tables handed to the
    command together as ``tables`` (name -> path or None), --encoding and --columns. The command
    is a ``TablesCommand``."""
    @functools.wraps(command)
    def gathered(*args, **kwargs):
        declared = click.get_current_context().ensure_object(App).plugins.input_tables
        return command(*args, tables={name: kwargs.pop(name, None) for name in declared}, **kwargs)

    return ASSESSMENTS(ENCODING(COLUMNS(gathered)))


def replace_out(command):
    """--replace-out: an --out holding files localpay did not write (or another command's outputs)
    is moved aside whole, beside it, instead of refused; the command then says where it went."""
    @functools.wraps(command)
    def replaced(*args, replace_out: bool, **kwargs):
        with replacing(replace_out) as moved:
            done = command(*args, **kwargs)
        for out, aside, held in moved:
            click.echo(f"--out {str(out)!r} held {held}: the folder was moved, as it was, to {str(aside)!r}")
        return done

    return click.option("--replace-out", is_flag=True,
                        help="Replace an --out holding files localpay did not write, or another command's outputs: "
                        "that folder is moved aside, beside it (OUT.replaced-<UTC time>), never deleted; a folder "
                        "holding a database or this command's inputs is still refused.")(replaced)


FROM = click.option("--from", "from_period", metavar="YYYY-MM", help="First month of the year to date.")
RULES_ENGINE = click.option("--rules-engine", "evaluator", type=click.Choice(["polars", "durable"]), default="polars",
                            show_default=True, help="polars: every rule columnar (Polars expressions and joins over each person's "
                            "history), a sample of people cross-checked in durable-rules; durable: every rule through "
                            "durable-rules.")
NO_PDF = click.option("--no-pdf", is_flag=True, help="Write no PDF (it needs Pango and a font); every other output "
                      "the same.")
TEMPLATES = click.option("--templates", type=click.Path(file_okay=False, path_type=Path),
                         help="Folder of templates overriding the built-in ones by name.")


@click.group(cls=Group)
@click.version_option(__version__, prog_name="localpay")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Local payment arrangements for NHS mental health services: rulesets in, checked payment
    statements out."""
    ctx.obj = App()
    _show_notes()


class _Notes(logging.Handler):
    """What the library notes while it writes outputs (a stopped run's folder removed or kept),
    told on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"localpay: warning: {record.getMessage()}", err=True)


def _show_notes() -> None:
    log = logging.getLogger("localpay.outputs")
    if not any(isinstance(h, _Notes) for h in log.handlers):
        log.addHandler(_Notes())
        log.setLevel(logging.INFO)
        log.propagate = False
