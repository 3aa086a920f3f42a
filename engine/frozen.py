"""The read-only copy of a document that templates are given.

A statement's JSON and the run's manifest are written from the statement itself; templates
render from a deep copy made of immutable parts only (mappings that refuse every change, tuples,
strings, numbers, dates), so nothing a template does can reach the figures the JSON and the
manifest hold, whatever the sandbox lets through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import NoReturn

from markupsafe import Markup

_AS_IS = (type(None), bool, int, float, Decimal, str, bytes, Markup, dt.date, dt.datetime, dt.time, dt.timedelta)


class FrozenDict(dict):
    """A mapping built once, by ``freeze``: every method that would change it raises."""

    def _refuse(self, *args, **kwargs) -> NoReturn:
        raise TypeError("a template's data is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse


# as a template's error names it: "'read-only dict object' has no attribute 'nothing'"
FrozenDict.__module__ = "builtins"
FrozenDict.__name__ = FrozenDict.__qualname__ = "read-only dict"


def freeze(value: object) -> object:
    """A deep, immutable copy of plain data (what ``render.to_json`` writes): mappings become
    ``FrozenDict``, lists and tuples tuples, sets frozensets, paths strings. Anything else is
    refused: a template is never handed an object whose methods could change something."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is FrozenDict:  # made by freeze, so already frozen all the way down
        return value
    if isinstance(value, Mapping):
        return FrozenDict((key if type(key) in _AS_IS else freeze(key), freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(item) for item in value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Enum):
        return freeze(value.value)
    if isinstance(value, bool):
        return bool(value)
    for plain in (str, int, float, Decimal):
        if isinstance(value, plain):  # a subclass of a plain type, with whatever methods it adds: its plain value
            return plain(value)
    raise TypeError(f"a template is given plain data only, not {kind.__name__}")
