"""The episode fields a rule can test, with their types.

Built-in fields are the episode columns every input has; an area declares any extra column its
rules use under ``inputs: {episodes: ...}`` with a type, so a misspelt field or a value of the
wrong type is a load error with its line rather than a rule that silently never matches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

import polars as pl

from ..clusters import CLUSTERS, parse_cluster
from .pattern import durable_text

FieldType = Literal["text", "code", "cluster", "number", "date"]
TYPE_WORDS = {
    "text": "text", "code": "a party code", "cluster": "a cluster number (0-8, 10-21)",
    "number": "a number", "date": "a date (YYYY-MM-DD)",
}
ORDERED = ("cluster", "number", "date")  # the types with an order: comparisons and ranges
MICROS = Decimal(1_000_000)
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    values: tuple | None = None  # the values it can take, when known (for the lint)
    declared: bool = False  # an extra input column declared by the ruleset


def builtin_fields(providers: list[str], commissioners: list[str]) -> dict[str, Field]:
    return {f.name: f for f in (
        Field("episode_id", "text"),
        Field("patient_id", "text"),
        Field("provider", "code", tuple(providers)),
        Field("commissioner", "code", tuple(commissioners)),
        Field("cluster", "cluster", tuple(CLUSTERS)),
        Field("start_date", "date"),
        Field("end_date", "date"),
        Field("setting", "text", ("community", "inpatient")),
        Field("service", "text"),
    )}


def parse_value(field: Field, value: object) -> object:
    """A value written in a rule, as the field's type; ValueError says what was expected."""
    kind = field.type
    if kind == "cluster":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(_expected(field, value))
        try:
            return parse_cluster(value)
        except ValueError:
            raise ValueError(_expected(field, value)) from None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise ValueError(_expected(field, value))
        number = Decimal(value)
        # the ruleset's reader keeps inf and nan as text, so the number is finite and its
        # exponent a number, not a letter
        if cast(int, number.as_tuple().exponent) < -6:
            raise ValueError(f"{field.name} is compared to at most 6 decimal places; found {value}")
        return number
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(_expected(field, value))
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        # codes such as 01W or 123 are text; a number written for a text field is accepted as
        # its text only for codes (YAML reads an unquoted 123 as a number)
        if isinstance(value, int) and kind == "text":
            raise ValueError(_expected(field, value) + f"; write '{value}' in quotes if it is text")
        # the setting is read in lower case from the input, so a rule's value is too
        return str(value).lower() if field.name == "setting" else str(value)
    raise ValueError(_expected(field, value))


def _expected(field: Field, value: object) -> str:
    found = f"{type(value).__name__} {value!r}" if not isinstance(value, str) else f"'{value}'"
    return f"{field.name} is {TYPE_WORDS[field.type]}; found {found}"


def encode(field: Field, value: object) -> object:
    """A parsed value as both evaluators hold it: dates as days since 1970-01-01 and numbers as
    integer millionths, so comparisons are exact in Polars and in durable-rules alike (which
    accepts neither dates nor Decimals)."""
    if field.type == "date":
        assert isinstance(value, dt.date)  # parse_value made it one
        return (value - EPOCH).days
    if field.type == "number":
        assert isinstance(value, Decimal)  # parse_value made it one
        return int(value * MICROS)
    return value


def durable_value(field: Field, value: object) -> object:
    """A parsed value as durable-rules is given it: ``encode``'s, with text encoded as the facts'
    text is (``pattern.durable_text``), so that the two compare exactly."""
    if field.type in ("text", "code") and isinstance(value, str):
        return durable_text(value)
    return encode(field, value)


def polars_type(field: Field) -> type[pl.DataType]:
    return {"cluster": pl.Int8, "number": pl.Int64, "date": pl.Date}.get(field.type, pl.String)


def polars_literal(field: Field, value: object) -> pl.Expr:
    if field.type == "date":
        return pl.lit(value, pl.Date)
    return pl.lit(encode(field, value), polars_type(field))
