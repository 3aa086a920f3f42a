"""A ruleset whose numbers are too large for the arithmetic that checks and describes it.

Money has bounds of its own (``localpay.money``); this is the net under every computation made
while a ruleset is loaded and described: an arithmetic failure there (a decimal overflow, a date
a conversion that cannot be exact) is reported against the ruleset's largest
number, with its file, line and key, instead of ending in a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from ..errors import Problem, RulesetError
from .messages import describe_found
from .source import Source


@contextmanager
def named_overflow(source: Source, file: str) -> Iterator[None]:
    """Run the block; an ``ArithmeticError`` in it (``decimal.InvalidOperation``, ``Overflow``,
    ``OverflowError``) becomes a ``RulesetError`` at the value most likely to have caused it."""
    try:
        yield
    except ArithmeticError as error:
        raise RulesetError([_blame(source, file, error)]) from None


def _blame(source: Source, file: str, error: ArithmeticError) -> Problem:
    kind = type(error).__name__
    detail = f": {error.args[0]}" if error.args and isinstance(error.args[0], str) else ""
    what = f"computing with the ruleset's values failed ({kind}{detail})"
    largest = max(_numbers(source.data, ()), key=lambda found: found[0], default=None)
    if largest is None:
        return Problem(file, None, "", what)
    _, path, value = largest
    shown = f"{value:.6E}" if isinstance(value, (int, Decimal)) and _size(value) > 30 else describe_found(value)
    return source.problem(path, f"{what}; its largest value is here, {shown}: write a smaller one", file)


def _numbers(value: object, path: tuple) -> Iterator[tuple[float, tuple, object]]:
    """(size, path, value) of every number in the data, keys included: its size is its number
    of digits before the point."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(key, path + (str(key),))
            yield from _numbers(item, path + (str(key),))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, path + (index,))
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        yield _size(value), path, value
    elif isinstance(value, str) and (number := _as_number(value)) is not None:
        yield _size(number), path, value  # "1.0e400" is text to YAML, a number to validation


def _as_number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip().replace("_", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _size(value: int | Decimal) -> int:
    """About a number's decimal exponent (log10 2 is 0.30103), in whole numbers."""
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100000
    return value.adjusted() if value else 0
