"""Arrow-native reads of the store (ADBC) into Parquet: whole tables at millions of rows a second, no Python
object per value.

`read_sql` (frames.py) goes through the DB-API cursor, ≈ 130,000 rows/s here: fine for a county, not for a
province. `build` reads whole tables straight from the database driver as Arrow columns, assembles them with
Polars and writes Parquet:
- PostgreSQL: `adbc-driver-postgresql` (binary COPY).
- SQLite: `adbc-driver-sqlite`, never in the process of Django's connection: the driver bundles its own
  SQLite library, and two SQLite libraries in one process must never open the same file (POSIX locks belong
  to the process, so one library closing its descriptor drops the locks the other holds:
  https://sqlite.org/howtocorrupt.html §2.2).
Both run in a child process (`build`).

The connections are not Django's: they see committed data only, so callers inside a transaction must read
through `read_sql`. The tables are read in parallel, each on its own connection, between two reads of a
version that every write moves (registry/snapshot.py): equal versions mean no write committed between, and
the tables agree.

What is read and how it is assembled comes from a "source" module named by the caller (Django-free, since
the child does not set Django up): `VERSION_SQL`, `tables(vendor) -> {name: Table}` (each a query over one
table with no WHERE, the types of its columns, the table and its integer key, read a range at a time),
`assemble(raw)` yielding (name, frame) one at a time.

The SQLite driver infers a column's type from its values, one batch at a time: one batch holds a whole
range here, and `typed` brings each range to the table's types (a column null in every row of a range comes
as integers); the sources cast where SQLite's storage classes vary (decimals: CAST … AS REAL).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl

SQLITE_BATCH_ROWS = str(10**9)  # one batch: types inferred over all rows, not the first 1,024
CHUNK_KEYS = 1_000_000  # rows of a table read at a time: a range of its integer key
CHILD_TIMEOUT_SECONDS = 3600
# Uncompressed: reading 10 M members back takes ≈ 0.8 s against ≈ 3 s with zstd (measured here); the
# snapshot is a cache on the data disk, about a tenth of the store's size.
PARQUET = {"compression": "uncompressed", "row_group_size": 100_000, "statistics": True}


class ColumnarReadFailed(RuntimeError):
    """The Arrow-native read did not complete; the caller falls back to the cursor read."""


def available() -> bool:
    """Whether this store can be read this way now: a file or server store, outside any transaction."""
    from django.db import connection

    if connection.in_atomic_block:
        return False
    if connection.vendor == "postgresql":
        return True
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and not (name == ":memory:" or "mode=memory" in name)


def build(source: str, out: Path) -> tuple[str, int] | None:
    """Read the tables of the `source` module from the store, assemble them and write one Parquet file per
    frame into the folder `out`. Returns the (token, version) read, or None if a write committed meanwhile.

    Always in a child process: on SQLite for the locks (above), and on either store because a province's
    build holds several GB at its peak, which the child gives back to the system when it ends."""
    from django.db import connection

    if connection.vendor == "postgresql":
        target = _postgresql_uri(connection.settings_dict)
    else:
        target = Path(connection.settings_dict["NAME"]).resolve().as_uri()
    job = {"vendor": connection.vendor, "target": target, "source": source, "out": str(out)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fupin.core.columnar"],
            input=json.dumps(job).encode(),  # on stdin: the URI may hold a password
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise ColumnarReadFailed(str(e)) from e
    if done.returncode != 0:
        raise ColumnarReadFailed(done.stderr.decode(errors="replace")[-2000:])
    read = json.loads(done.stdout)
    return None if read is None else (read[0], int(read[1]))


def _build(source: str, vendor: str, connect: Callable[[], Any], out: Path) -> tuple[str, int] | None:
    spec = importlib.import_module(source)
    tables = spec.tables(vendor)

    def read(sql: str) -> pl.DataFrame:
        with connect() as conn, conn.cursor() as cur:
            if vendor == "sqlite":
                cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": SQLITE_BATCH_ROWS})
            cur.execute(sql)
            return pl.from_arrow(cur.fetch_arrow_table())  # type: ignore[return-value]

    before = read(spec.VERSION_SQL)
    # Each table in ranges of its key, typed as they come: the driver's arrays for one range at a time
    # (a whole table at once took 12 GB for a province), and both cores busy to the end.
    chunks = []
    for name, t in tables.items():
        low, high = read(f"SELECT MIN({t.key}), MAX({t.key}) FROM {t.table}").row(0)
        for start in range(low or 0, (high or -1) + 1, CHUNK_KEYS):
            where = f" WHERE {t.key} >= {start} AND {t.key} < {start + CHUNK_KEYS}"
            chunks.append((name, t.sql + where))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(pool.map(lambda c: typed(read(c[1]), tables[c[0]].schema), chunks))
    after = read(spec.VERSION_SQL)
    if before.height != 1 or not before.equals(after):
        return None
    raw = {
        name: pl.concat(
            [p for (n, _), p in zip(chunks, parts, strict=True) if n == name] or [_empty(t.schema)]
        )
        for name, t in tables.items()
    }
    del parts
    for name, frame in spec.assemble(raw):
        frame.write_parquet(out / f"{name}.parquet", **PARQUET)
        del frame
    token, version = before.row(0)
    return str(token), int(version)


def _empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame with the schema's types (and its columns): SQLite gives dates as text and booleans as
    integers, and a column null in every row comes as null-typed."""
    columns = []
    for name in schema:
        want, got = schema[name], frame.schema[name]
        col = pl.col(name)
        if got == want:
            columns.append(col)
        elif want == pl.Date and got == pl.String:
            columns.append(col.str.to_date("%Y-%m-%d"))
        else:
            columns.append(col.cast(want))
    return frame.select(columns)


def _postgresql_uri(s: dict) -> str:
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = s.get("HOST") or "", s.get("PORT") or ""
    options = {k: v for k, v in (s.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
    if host.startswith("/"):  # a Unix socket folder goes in the query string
        options["host"] = host
        host = ""
    location = f"{host}:{port}" if host and port else host
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in options.items())
    return f"postgresql://{auth}{location}/{quote(s['NAME'], safe='')}" + (f"?{query}" if query else "")


def _child() -> None:
    """The build in its own process: the job as JSON on stdin, the version read as JSON on stdout."""
    job = json.load(sys.stdin)
    if job["vendor"] == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc_pg

        def connect() -> Any:
            return adbc_pg.connect(job["target"], autocommit=True)
    else:
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        def connect() -> Any:
            return adbc_sqlite.connect(job["target"])

    print(json.dumps(_build(job["source"], job["vendor"], connect, Path(job["out"]))))


if __name__ == "__main__":
    _child()
