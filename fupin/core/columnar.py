"""Arrow-native reads of the store (ADBC): whole tables at millions of rows a second, no Python object per value.

`read_sql` (frames.py) goes through the DB-API cursor, ≈ 130,000 rows/s here: fine for a county, not for a
province. These reads take the same SQL and return Arrow columns straight from the database driver:
- PostgreSQL: `adbc-driver-postgresql` in this process (binary COPY), on a connection of its own.
- SQLite: `adbc-driver-sqlite` in a child process. The driver bundles its own SQLite library, and two SQLite
  libraries in one process must never open the same file: POSIX locks belong to the process, so one library
  closing its descriptor drops the locks the other holds (https://sqlite.org/howtocorrupt.html §2.2).

The connection is not Django's, so it sees committed data only: callers inside a transaction must read
through `read_sql`. The queries run in order, each in its own statement; a caller that needs them to agree
reads a version before and after (registry/snapshot.py).

Every query's columns must each have one type: the SQLite driver infers a column's type from its values
(one batch holding every row here, so a column null in its first rows is not mistaken for integers), so the
SQL casts where SQLite's storage classes vary (decimals: CAST … AS REAL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import polars as pl

SQLITE_BATCH_ROWS = str(10**9)  # one batch: types inferred over all rows, not the first 1,024
CHILD_TIMEOUT_SECONDS = 3600


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


def read_frames(queries: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Run each query (no parameters) in order and return its result by name."""
    import pyarrow.feather as feather
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        return _read_postgresql(_postgresql_uri(connection.settings_dict), queries)
    tmp = Path(settings.FUPIN_HOME) / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="columnar-", dir=tmp) as out:
        job = {"path": str(connection.settings_dict["NAME"]), "queries": queries, "out": out}
        done = subprocess.run(
            [sys.executable, "-m", "fupin.core.columnar"],
            input=json.dumps(job).encode(),
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        if done.returncode != 0:
            raise ColumnarReadFailed(done.stderr.decode(errors="replace")[-2000:])
        # Read into memory, not mapped: the folder is removed on leaving this block.
        return {
            name: pl.from_arrow(feather.read_table(Path(out) / f"{i}.arrow", memory_map=False))
            for i, name in enumerate(queries)
        }


def typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame with the schema's types: SQLite gives dates as text and booleans as integers, and a column
    null in every row comes as null-typed."""
    columns = []
    for name in frame.columns:
        want, got = schema.get(name), frame.schema[name]
        col = pl.col(name)
        if want is None or got == want:
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


def _read_postgresql(uri: str, queries: dict[str, str]) -> dict[str, pl.DataFrame]:
    import adbc_driver_postgresql.dbapi as adbc

    try:
        with adbc.connect(uri, autocommit=True) as conn, conn.cursor() as cur:
            out = {}
            for name, sql in queries.items():
                cur.execute(sql)
                out[name] = pl.from_arrow(cur.fetch_arrow_table())
            return out
    except adbc.Error as e:
        raise ColumnarReadFailed(str(e)) from e


def _child() -> None:
    """The SQLite read in its own process: the job as JSON on stdin, one Arrow IPC file per query."""
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow.feather as feather

    job = json.load(sys.stdin)
    # Not autocommit: the queries share one read transaction, one state of the file (WAL).
    with adbc.connect(Path(job["path"]).resolve().as_uri()) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": SQLITE_BATCH_ROWS})
        for i, sql in enumerate(job["queries"].values()):
            cur.execute(sql)
            feather.write_feather(
                cur.fetch_arrow_table(), Path(job["out"]) / f"{i}.arrow", compression="uncompressed"
            )


if __name__ == "__main__":
    _child()
