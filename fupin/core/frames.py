"""Columnar reads of the store into Polars frames (the engine's input), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import polars as pl
from django.db import connection


def read_sql(sql: str, params: list | tuple = (), schema: dict | None = None) -> pl.DataFrame:
    """Run a query through Django's connection and return a frame (one fetch, no per-row objects).

    Built column by column, each with its dtype from `schema` when given: faster than from rows."""
    schema = schema or {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame(
        [
            pl.Series(n, list(c), dtype=schema.get(n), strict=False)
            for n, c in zip(names, columns, strict=True)
        ]
    )


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
