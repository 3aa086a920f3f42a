"""Frames in and out of the ledger's tables, fast on both backends: PostgreSQL takes rows by
COPY, SQLite by one prepared statement run over every row; reads come back as typed frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def bulk_insert(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    """Every row of ``frame`` (columns named as the table's) into ``table``, in the transaction."""
    if frame.is_empty():
        return
    columns = frame.columns
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in frame.iter_rows():
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', list(frame.iter_rows()))


def read_frame(conn: Connection, table: sa.Table, schema: Mapping[str, Any],
               where: sa.ColumnElement[bool] | None = None, order: list[str] | None = None) -> pl.DataFrame:
    """The table's rows (those ``where`` picks), its columns named in ``schema``, as a frame."""
    query = sa.select(*(table.c[name] for name in schema))
    if where is not None:
        query = query.where(where)
    if order:
        query = query.order_by(*(table.c[name] for name in order))
    rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
