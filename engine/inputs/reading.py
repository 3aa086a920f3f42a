"""How a run reads its input files.

A run reads every input file (episodes, assessments and each plugin's input tables) with the
same options: the years a date may fall in (the ruleset's ``settings.data_years``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    """``years``: the first and last year a date in the data may fall in."""

    years: tuple[int, int] = (1900, 2100)


_OPTIONS: ContextVar[ReadOptions] = ContextVar("localpay_read_options", default=ReadOptions())


def options() -> ReadOptions:
    """The options of the reading in progress (the defaults outside one)."""
    return _OPTIONS.get()


@contextmanager
def reading(given: ReadOptions) -> Iterator[ReadOptions]:
    """Read input files with these options while the block runs."""
    token = _OPTIONS.set(given)
    try:
        yield given
    finally:
        _OPTIONS.reset(token)
