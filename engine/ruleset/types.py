"""Field types shared by the ruleset models and by every option's parameter model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar, Union, cast

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints,
                      Tag, WithJsonSchema)

from ..clusters import parse_cluster
from ..money import stated_money


class StrictModel(BaseModel):
    """Every ruleset block: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _code(value: object) -> object:
    # ODS codes such as 123 are read by YAML as numbers; a code is text
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Code = Annotated[
    str,
    BeforeValidator(_code),
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{2,12}$"),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\s*[A-Za-z0-9]{2,12}\s*$"},
                              {"type": "integer", "minimum": 0}],
                    "description": "An organisation code (ODS), 2 to 12 letters and digits, e.g. RT2 or 01W."}),
]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
ClusterCode = Annotated[int, BeforeValidator(parse_cluster),
                        WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0, "maximum": 21},
                                                  {"type": "string", "pattern": r"^\s*\d{1,2}\s*$"}],
                                        "description": "A care cluster, 0 to 21 (9 is never used); 3 and 03 alike."})]
# a ruleset's dates lie in a sane calendar: 0001-01-01 or 9999-12-31 is a slip, and a period
# running to the end of the calendar cannot be counted in days past it
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _in_calendar(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"expected a date from {FIRST_DAY} to {LAST_DAY}, found {day}")
    return day


Day = Annotated[dt.date, AfterValidator(_in_calendar)]
# any sum of money a ruleset states (a price, a budget, an annual value): at most MAX_STATED
Price = Annotated[Decimal, Field(ge=0, decimal_places=6, allow_inf_nan=False), AfterValidator(stated_money),
                  WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0},
                                            {"type": "string",
                                             "pattern": r"^\s*\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"}],
                                  "description": "An amount in pounds, e.g. 3.10 (up to 6 decimal places)."})]


def _pounds_and_pence(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"an amount in pounds and pence is expected; {value} has more than two decimal places")
    return value


# money paid as written (an annual value, a cap): a price, but to the penny
Pence = Annotated[Price, AfterValidator(_pounds_and_pence)]
OverdueMode = Literal["pay", "suspend", "hold"]

T = TypeVar("T")

# Names pydantic puts in an error's location for the two forms of a dated value; the loader
# drops them, so an error points at the key the user wrote.
UNION_TAGS = ("dated values", "one value")


def _dated_form(value: object) -> str:
    return UNION_TAGS[0] if isinstance(value, dict) else UNION_TAGS[1]


# A value that may change during the year: either one value for the whole period, or values
# keyed by the date each takes effect (like OpenFisca parameters). Which form is chosen by the
# shape of the input, so an error is reported once, against that form.
Dated = Annotated[
    Union[Annotated[dict[dt.date, T], Tag(UNION_TAGS[0])], Annotated[T, Tag(UNION_TAGS[1])]],
    Discriminator(_dated_form),
]


def dated_items(value: dict[dt.date, T] | T, period_start: dt.date) -> list[tuple[dt.date, T]]:
    """A ``Dated`` value as (effective from, value) pairs in date order."""
    if isinstance(value, dict):
        return sorted(value.items())
    return [(period_start, value)]


def _percent(value: object) -> object:
    """"30%" or 30 -> Decimal("0.30"): a share is written as a percentage, held as a fraction."""
    from decimal import InvalidOperation

    written = value
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"expected a percentage such as 30%, found {written!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"expected a percentage such as 30%, found {written!r}")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number < 0 or number > 100:
        raise ValueError(f"expected a percentage from 0% to 100%, found {written}")
    # finite (checked above), so the exponent is a number, not NaN's or infinity's letter
    if cast(int, number.as_tuple().exponent) < -4:
        raise ValueError(f"a percentage has at most 4 decimal places, found {written}")
    return number / 100


# A percentage as written in a ruleset ("30%", or 30), held as the fraction 0.30. YAML reads
# 1.25 as a float: it is converted through its text, so no binary fraction reaches the money.
Percent = Annotated[Decimal, BeforeValidator(_percent),
                    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 100},
                                              {"type": "string", "pattern": r"^\s*\+?\d+(\.\d{0,4})?\s*%?\s*$"}],
                                    "description": "A percentage, e.g. 30% (or 30), 0% to 100%."})]


def percent_text(fraction: Decimal) -> str:
    """0.3 -> "30%", 0.0125 -> "1.25%"."""
    number = (Decimal(fraction) * 100).normalize()
    return f"{number:f}%"


def one_code_each(mapping: object) -> object:
    """"3" and "03" are one cluster: listing both would let one silently replace the other."""
    if isinstance(mapping, dict):
        seen: dict[int, object] = {}
        for key in mapping:
            try:
                code = parse_cluster(key)
            except ValueError:
                continue  # reported by the key's own validation, with its line
            if code in seen:
                raise ValueError(f"cluster {code} is given twice (as {seen[code]!r} and {key!r})")
            seen[code] = key
    return mapping
