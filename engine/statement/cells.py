"""The cells of ``statements.xlsx``, each written by its kind: text always as a string (never a
formula, a number or a link, whatever it starts with), money as a number formatted in pounds
from its exact pence, dates as dates, counts as numbers.

pence / 100 is the double nearest the amount, and a number of fewer than 16 significant figures
reads back from the double to its last digit: every amount a run computes (within
``MAX_AMOUNT_PENCE``) is written so; a figure beyond that, which a double cannot hold to the
penny, is written as text, exact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import polars as pl

from ..money import MAX_AMOUNT_PENCE, MICROS_PER_POUND, micros_to_decimal, pence_to_decimal

EXACT = 10**15  # pence or micros below this are exact as a double to their last digit (15 figures)
assert MAX_AMOUNT_PENCE < EXACT < 2**53  # every amount a run may compute is written as an exact number
TEXT_LIMIT = 32_767  # the most characters a cell holds
POUNDS = "£#,##0.00;-£#,##0.00"
PRICE = "£#,##0.00####;-£#,##0.00####"  # a unit price keeps up to six places
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's serial day 0, counting on from March 1900

# money in the lines, exceptions and adjustments: integer pence, or millionths of a pound
PENCE_COLUMNS = ("value", "amount", "was", "now")
MICROS_COLUMNS = ("unit_price", "option_price")


class Formats:
    """The workbook's cell formats."""


    def __init__(self, book: Any) -> None:
        add = book.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.muted = add({"font_color": "#4C6272"})
        self.warning = add({"bold": True, "font_color": "#D5281B"})
        self.heading = add({"bold": True, "font_size": 12, "font_color": "#005EB8"})
        self.header = add({"bold": True, "bg_color": "#F0F4F5", "bottom": 1, "text_wrap": True, "valign": "top"})
        self.header_number = add({"bold": True, "bg_color": "#F0F4F5", "bottom": 1, "text_wrap": True,
                                  "valign": "top", "align": "right"})
        self.money = add({"num_format": POUNDS})
        self.price = add({"num_format": PRICE})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.count = add({"num_format": "#,##0"})
        self.total = add({"bold": True, "top": 1})
        self.total_money = add({"bold": True, "top": 1, "num_format": POUNDS})
        self.total_count = add({"bold": True, "top": 1, "num_format": "#,##0"})
        self.link = add({"font_color": "#005EB8", "underline": 1})


class Rows:
    """A worksheet written a row at a time (``constant_memory`` needs rows in order), each cell
    by its kind: text always as a string, money from exact pence, dates as dates."""

    def __init__(self, sheet: Any, formats: Formats) -> None:
        self.sheet, self.formats, self.row = sheet, formats, 0

    def skip(self, rows: int = 1) -> None:
        self.row += rows

    def text(self, col: int, value: object, fmt: Any = None) -> None:
        if value is None or value == "":
            return
        self.sheet.write_string(self.row, col, cell_text(str(value)), fmt)

    def number(self, col: int, value: int | None, fmt: Any = None) -> None:
        if value is None:
            return
        if abs(value) < 2**53:
            self.sheet.write_number(self.row, col, value, fmt)
        else:  # beyond what a double holds exactly: kept exact as text
            self.sheet.write_string(self.row, col, str(value))

    def pounds(self, col: int, value: Decimal | int | None, fmt: Any = None) -> None:
        """Money: a Decimal in pounds (statements) or integer pence."""
        if value is None:
            return
        pence = value if isinstance(value, int) else _pence_of(value)
        if abs(pence) < EXACT:
            self.sheet.write_number(self.row, col, pence / 100, fmt or self.formats.money)
        else:
            self.sheet.write_string(self.row, col, str(pence_to_decimal(pence)))

    def line(self, cells: Iterable[tuple[str, object]], start: int = 0, total: bool = False) -> None:
        """The rest of the row from column ``start``, each cell (kind, value) of kind ``text``,
        ``count`` or ``money``; then the next row. ``total``: in bold, ruled above."""
        f = self.formats
        for col, (kind, value) in enumerate(cells, start=start):
            if kind == "money":
                self.pounds(col, value, f.total_money if total else f.money)  # type: ignore[arg-type]
            elif kind == "count":
                self.number(col, value, f.total_count if total else f.count)  # type: ignore[arg-type]
            else:
                self.text(col, value, f.total if total else None)
        self.row += 1

    def header(self, titles: list[str], numeric: Iterable[int] = ()) -> int:
        numbers = set(numeric)
        for col, title in enumerate(titles):
            self.sheet.write_string(self.row, col, title,
                                    self.formats.header_number if col in numbers else self.formats.header)
        self.row += 1
        return self.row - 1


def _pence_of(pounds: Decimal) -> int:
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{pounds} is not a whole number of pence")
    return int(pence)


def cell_text(text: str) -> str:
    """Text as a cell holds it: at most 32,767 characters, a longer text cut and marked so (the
    CSV beside the workbook holds it whole)."""
    if len(text) <= TEXT_LIMIT:
        return text
    mark = " [cut: the whole text is in the CSV]"
    return text[:TEXT_LIMIT - len(mark)] + mark


def column_writer(sheet: Any, formats: Formats, name: str, dtype: pl.DataType) -> Callable[[int, int, Any], Any]:
    write_string, write_number = sheet.write_string, sheet.write_number
    if name in PENCE_COLUMNS and dtype.is_integer():
        def pounds(r: int, c: int, pence: int) -> None:
            if abs(pence) < EXACT:
                write_number(r, c, pence / 100, formats.money)
            else:
                write_string(r, c, str(pence_to_decimal(pence)))
        return pounds
    if name in MICROS_COLUMNS and dtype.is_integer():
        def price(r: int, c: int, micros: int) -> None:
            if abs(micros) < EXACT:  # fifteen figures: the double's nearest decimal is the price
                write_number(r, c, micros / MICROS_PER_POUND, formats.price)
            else:
                write_string(r, c, str(micros_to_decimal(micros)))
        return price
    if dtype == pl.Date:
        def date(r: int, c: int, day: dt.date) -> None:
            serial = (day - EXCEL_EPOCH).days
            if serial > 60:
                write_number(r, c, serial, formats.date)
            else:  # before March 1900, where Excel's calendar is not the Gregorian one
                write_string(r, c, day.isoformat())
        return date
    if dtype.is_integer():
        def number(r: int, c: int, value: int) -> None:
            if abs(value) < 2**53:
                write_number(r, c, value)
            else:
                write_string(r, c, str(value))
        return number
    return lambda r, c, value: write_string(r, c, cell_text(str(value))) if value != "" else None
