"""The values a ruleset tests file is written in: cells as the text they stand for, dates, months,
pounds and unit prices as written, each refused with what was expected when it is not one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from ..errors import LocalpayError
from ..periods import Month
from ..ruleset.messages import describe_found


def _text(value: object) -> object:
    """A cell or expected value as the text it stands for: 3 -> "3", 2025-06-01 -> "2025-06-01"."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # YAML reads yes, no, on, off, true and false as booleans: the written text is lost
        raise ValueError(f"found {str(value).lower()}, which YAML reads as yes/no; write the text in quotes")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueError(f"expected one value (text, a number or a date), found {describe_found(value)}")


def _date(value: object) -> object:
    # pydantic would read a bare number as seconds since 1970
    if isinstance(value, (int, Decimal)):
        raise ValueError(f"expected a date written YYYY-MM-DD, found {value}")
    return value


def _month(value: object) -> object:
    text = _text(value)
    if not isinstance(text, str) or not text:
        raise ValueError("expected a month written YYYY-MM (e.g. 2025-06), found nothing")
    try:
        return Month.parse(text).label
    except LocalpayError as error:
        raise ValueError(str(error)) from None


def episodes_given(rows: list) -> list:
    if not rows:
        raise ValueError("expected at least one episode row")
    return rows


def rules_list(value: object) -> object:
    return [part for part in value.split(";") if part] if isinstance(value, str) else value


Text = Annotated[str | None, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]
MonthText = Annotated[str, BeforeValidator(_month)]
Pounds = Annotated[Decimal, Field(decimal_places=2, allow_inf_nan=False)]
UnitPrice = Annotated[Decimal, Field(decimal_places=6, allow_inf_nan=False)]
