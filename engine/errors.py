"""Errors that come from a user's own input.

Everything raised as a ``LocalpayError`` reaches the user as a clear message and exit code 2,
never as a traceback: the CLI catches the base class.
"""

from __future__ import annotations

from dataclasses import dataclass


class LocalpayError(Exception):
    """A mistake in the user's input: a file, a ruleset, an option on the command line."""


class InputError(LocalpayError):
    """An input file cannot be read at all (missing, unreadable, required columns absent)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a ruleset, located to the file and line that hold it."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


class RulesetError(LocalpayError):
    """A ruleset is invalid. Carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.key, p.message))
        count = len(self.problems)
        head = f"the ruleset has {count} problem{'s' if count != 1 else ''}; no money was computed"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class MoneyError(LocalpayError):
    """A figure beyond the bounds money is computed within: the run stops before anything is
    written, rather than store a figure an integer could not hold (see ``localpay.money``)."""


class OutputError(LocalpayError):
    """An output file or folder cannot be used or written (named, with the reason)."""


class PluginError(LocalpayError):
    """Installed plugins cannot be composed (two plugins declare one option, a bad declaration)."""
