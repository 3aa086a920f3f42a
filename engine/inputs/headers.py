"""A column header as localpay matches it: without a byte order mark, trimmed, in lower case.

One rule for every reader (CSV, Parquet, a workbook's sheet, a column mapping), so that a
repeated header, a mapped one and a required one are found alike in every kind of file.
"""

from __future__ import annotations


def tidy(header: str) -> str:
    """The header as matched (see the module)."""
    return header.replace("\ufeff", "").strip().lower()


def as_written(header: str) -> str:
    """The header as the file writes it, for messages: without a byte order mark, trimmed."""
    return header.replace("\ufeff", "").strip()
