"""Columnar reads of the store into Polars frames (the engine's input), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import polars as pl
from django.db import connection


def read_sql(sql: str, params: list | tuple = (), schema: dict | None = None) -> pl.DataFrame:
    """Run a query through Django's connection and return a frame (one fetch, no per-row objects)."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    df = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    if schema:
        df = df.with_columns([pl.col(k).cast(t) for k, t in schema.items() if k in df.columns])
    return df


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
