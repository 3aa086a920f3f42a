"""Pydantic's validation errors in words a contract manager can act on: what was expected, what
was found, and (for a misspelt key) what was probably meant."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel


LONGEST_FOUND = 80  # characters of a value quoted in a message: a megabyte of text is not echoed


def describe_found(value: object) -> str:
    text = _found(value)
    if len(text) > LONGEST_FOUND:
        return f"{text[:LONGEST_FOUND - 20]}...{text[-10:]} ({len(text):,} characters)"
    return text


def _found(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping of keys"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        return f"a whole number of about {int(value.bit_length() * 0.30103)} digits"  # str() stops at 4,300
    return repr(value) if isinstance(value, str) else str(value)


def translate(error: Mapping[str, typing.Any], model: type[BaseModel],
              keys: typing.Callable[[tuple, list[str]], list[str]] | None = None) -> str:
    """``error`` in a contract manager's words. ``keys(loc, known)``, if given, says which keys
    are allowed where the model's fields are not the whole story."""
    kind, loc, found = error["type"], error["loc"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        known = allowed_keys(model, loc[:-1])
        known = keys(tuple(loc[:-1]), known) if keys else known
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        message = f"unknown key {str(loc[-1])!r}"
        if hint:
            return f"{message}; did you mean {hint[0]!r}?"
        return f"{message}; expected one of: {', '.join(known)}" if known else message
    if kind == "invalid_key":
        known = allowed_keys(model, loc[:-1])
        known = keys(tuple(loc[:-1]), known) if keys else known
        message = f"unknown key {found!r} (a key here is a name)"
        return f"{message}; expected one of: {', '.join(known)}" if known else message
    if kind == "missing":
        return f"the key {str(loc[-1])!r} is required here"
    found_text = describe_found(found)
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, found {found_text}"
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return f"expected a date written YYYY-MM-DD, found {found_text}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = "at least" if kind == "greater_than_equal" else "more than"
        limit = ctx.get("ge", ctx.get("gt"))
        return f"expected a number {bound} {limit}, found {found_text}"
    if kind in ("less_than_equal", "less_than"):
        bound = "at most" if kind == "less_than_equal" else "less than"
        return f"expected a number {bound} {ctx.get('le', ctx.get('lt'))}, found {found_text}"
    if kind == "decimal_max_places":
        return f"expected at most {ctx.get('decimal_places')} decimal places, found {found_text}"
    if kind == "int_parsing_size" or (isinstance(found, str) and len(found) > 4300 and found.isdigit()):
        return f"expected a whole number of at most 4,300 digits, found {found_text}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, found {found_text}"
    if kind in ("decimal_parsing", "decimal_type"):
        return f"expected a number, found {found_text}"
    if kind == "string_type":
        return f"expected text, found {found_text}"
    if kind == "string_pattern_mismatch":
        return f"expected {_pattern_words(ctx.get('pattern', ''))}, found {found_text}"
    if kind in ("too_short", "too_long"):
        return f"{error['msg'].lower()}, found {found_text}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, found {found_text}"
    if kind == "list_type":
        return f"expected a list, found {found_text}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg']}, found {found_text}"


def _pattern_words(pattern: str) -> str:
    words = {
        r"^[A-Za-z0-9]{2,12}$": "an organisation code of 2 to 12 letters and digits (e.g. RT2, 01W)",
        r"^[a-z0-9][a-z0-9_-]{0,63}$": "an id of lower-case letters, digits, '-' and '_' (e.g. cluster-tariff)",
    }
    return words.get(pattern, f"text matching {pattern}")


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model accepts at ``loc`` (field aliases as a user writes them)."""
    current: object = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or name for name, f in current.model_fields.items())
    return []


def _step(annotation: object, part: object) -> object:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _unwrap(annotation: object) -> object:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            arg = _unwrap(arg)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return annotation
