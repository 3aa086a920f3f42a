"""A workbook cell's value as the text Excel shows for it, and Excel's serial dates.

Text as written; ``TRUE``/``FALSE``; a whole number without ``.0``; any other number to 15
significant digits, Excel's own precision, so that a formula's float noise
(``102.00000000000001``) reads as Excel shows it (``102``), never with an exponent; a date as
``YYYY-MM-DD``, with ``HH:MM:SS`` when it holds a time of day (to the nearest second).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

EPOCH_1900, EPOCH_1904 = dt.date(1899, 12, 30), dt.date(1904, 1, 1)


def text_of(value: object) -> str:
    """A cell's value as the text Excel shows for it (see the module)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        whole = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)  # to the nearest second
        return whole.date().isoformat() if whole.time() == dt.time() else whole.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value)


def number_text(value: float) -> str:
    """A number to 15 significant digits, without an exponent or trailing zeros. A workbook stores
    every number as a binary double: this is only its text as Excel shows it, made through
    ``Decimal``; money is read from that text into integer pence like a CSV's, never computed here."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(f"{value:.15g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def serial_date(value: float, epoch: dt.date = EPOCH_1900) -> str | None:
    """A whole-number Excel serial date as ``YYYY-MM-DD``: in the 1900 system day 1 is
    1900-01-01 and day 60 the 1900-02-29 that Excel counts but that never was (read as that
    text, so that it is reported as a bad date); None for a number that is not a whole day."""
    if not float(value).is_integer() or value < 1 or value > 2_958_465:  # 9999-12-31
        return None
    days = int(value)
    if epoch == EPOCH_1904:
        return (epoch + dt.timedelta(days=days)).isoformat()
    if days == 60:
        return "1900-02-29"
    return (EPOCH_1900 + dt.timedelta(days=days + (1 if days < 60 else 0))).isoformat()
