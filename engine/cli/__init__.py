"""The ``localpay`` command: a thin shell over ``localpay.api``, one module per command, each
parsing its arguments, calling the library and printing what it returns. Mistakes in a user's
input end with a clear message and exit code 2, never a traceback (``app``)."""

from .app import cli
from .demo import demo_command
from .diff import diff_command
from .explain import explain_command
from .ledger import ledger_group
from .plugins import plugins_command
from .run import run_command
from .schedule import schedule_command
from .schema import schema_command
from .synth import synth_command
from .test import test_command
from .validate import validate_command

cli.add_command(validate_command)
cli.add_command(run_command)
cli.add_command(explain_command)
cli.add_command(synth_command)
cli.add_command(schedule_command)
cli.add_command(diff_command)
cli.add_command(demo_command)
cli.add_command(plugins_command)
cli.add_command(test_command)
cli.add_command(schema_command)
cli.add_command(ledger_group)


def main() -> None:
    cli(prog_name="localpay")
