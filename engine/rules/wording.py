"""Rules in plain English, for the explanation, the lint and the contract schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .fields import Field

LABELS = {"start_date": "the start date", "end_date": "the end date", "cluster": "the cluster",
          "episode_id": "the episode id", "patient_id": "the patient id"}
COMPARISONS = {
    "date": {"gt": "after", "gte": "on or after", "lt": "before", "lte": "on or before"},
    None: {"gt": "more than", "gte": "at least", "lt": "less than", "lte": "at most"},
}


def label(name: str) -> str:
    return LABELS.get(name, name)


def value(field: Field, v) -> str:
    if isinstance(v, dt.date):
        return f"{v.day} {v:%B %Y}"
    if field.type in ("text", "code"):
        return f"'{v}'"
    return str(v)


def one_of(field: Field, values) -> str:
    words = [value(field, v) for v in values]
    return words[0] if len(words) == 1 else f"one of {', '.join(words[:-1])} or {words[-1]}"


def comparison(op: str, field: Field) -> str:
    return COMPARISONS["date" if field.type == "date" else None][op]


def percent(v: Decimal) -> str:
    text = format(v.normalize(), "f") if v == v.to_integral() else format(v.normalize(), "f")
    return f"{text}%"


def days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"
