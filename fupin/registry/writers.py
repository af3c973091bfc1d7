"""How the bulk writer (`bulk.py`) reaches the store: reads in canonical form, ids, and two ways to write.

`open_writer()` opens ONE transaction and yields a writer; everything a save writes goes through it:
- `BoundWriter` writes each statement at once on Django's connection: rows bound as parameters on SQLite
  (many rows per statement), `COPY` on PostgreSQL. Used for small saves and inside a caller's transaction.
- `PipelinedWriter` (PostgreSQL, large saves): the calling thread compares and renders a part (CSV for
  COPY, JSON history) while a sending thread copies the part before it in, on Django's connection and in
  its transaction; the server takes a part in more slowly than the client renders one.
- `StagedWriter` (SQLite, large saves): rows go through ADBC (Arrow → SQLite in C, no value binding in
  Python) into scratch files, one per part; each file is then attached to Django's connection and copied
  with one `INSERT … SELECT` / `UPDATE … FROM` per table, in the order the tables were first written,
  inside the same transaction. The two overlap: a staging thread stages part k+1 (Polars and ADBC, no
  store access) while the main thread copies part k in (SQLite releases the GIL), so the save uses both
  cores; all reads of the store and every copy stay on the main thread and its one connection.
  SQLite refuses to DETACH a database the transaction has read and attaches at most 10, so the files are
  detached after the transaction and the parts after the first STAGE_FILES - 1 share the last file, copied
  at the end: the staged writer needs a transaction of its own (no atomic block around it). Because
  copies lag behind staging, the rows a part reads must not depend on rows an earlier part wrote: the
  importer's parts hold disjoint households.
  ADBC only ever opens the scratch files: the driver carries its own copy of SQLite, and two copies of
  SQLite in one process must never open the same database (their POSIX locks do not see each other).

New households, yearly records and members get their ids from `Writer.insert_new`. On SQLite the ids are
allocated before the rows are written, from the largest id ever used (the IMMEDIATE transaction holds the
write lock), so that a part's rows are complete — members carry their household's id — when they are
staged. On PostgreSQL they are taken from the table's sequence before the rows are sent (other sessions
may take numbers too: the sequence hands each out once), for the same reason and so that nothing is read
back.

Canonical form of values (what reads return and comparisons use): text "" for blank, amounts as integer
cents, booleans as 0/1/null, dates as ISO strings.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import polars as pl
from django.db import connection, connections, transaction

from fupin.core.scratch import remove, scratch_dir

CHUNK = 10_000
SQLITE_CACHE_KB = 64 * 1024  # index pages stay in memory during the big transaction (256 MB: no faster)
SQLITE_ROWS_PER_INSERT = 200
STAGE_MIN_ROWS = 2_000  # a save of fewer rows is bound: staging costs a file and an ATTACH
STAGE_FILES = 8  # SQLite attaches at most 10 databases; leave two to others

AMOUNTS = {
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_cost",
    "out_of_pocket",
    "net_income",
    "net_income_per_capita",
}
INTS = {"identified_year", "exit_year", "work_months", "size", "year"}
BOOLS = {"water_safe", "medical_insurance", "pension_insurance", "dibao", "tekun"}
DATES = {"birth_date"}

Progress = Callable[[int], None]


def _noop(n: int) -> None:
    pass


# --- SQL text -----------------------------------------------------------------------------------------


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def col(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def sql_literal(value) -> str:
    """A constant as an SQLite literal (% doubled: the statement goes through Django's %s formatting)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("'", "''").replace("%", "%%")
    return f"'{text}'"


def _select_sql(model, names: Sequence[str]) -> str:
    """Select expressions giving the canonical form straight from the store."""
    parts = []
    for n in names:
        c = col(model, n)
        if n in AMOUNTS:
            parts.append(f"CAST(ROUND({c} * 100) AS BIGINT)")
        elif n in BOOLS:
            parts.append(f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN 1 ELSE 0 END")
        elif n in DATES:
            parts.append(f"CAST({c} AS TEXT)")
        else:
            parts.append(c)
    return ", ".join(parts)


def _schema(names: Sequence[str], strings: Iterable[str] = ()) -> dict[str, pl.DataType]:
    out: dict[str, pl.DataType] = {}
    for n in names:
        if n in AMOUNTS or n in INTS or n == "id" or n.endswith("_id") and n != "village_id":
            out[n] = pl.Int64
        elif n in BOOLS:
            out[n] = pl.Int8
        else:
            out[n] = pl.String
    for n in strings:
        out[n] = pl.String
    return out


def _sqlite_max_vars() -> int:
    import sqlite3

    return 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def _chunks(frame: pl.DataFrame, names: Sequence[str], prepare, progress: Progress) -> Iterator[pl.DataFrame]:
    """`frame` in CHUNK-row slices as DB-ready columns `names` (`prepare` runs per slice, so that a DB-ready
    copy — JSON history, say — never exists for the whole frame)."""
    for i in range(0, frame.height, CHUNK):
        part = frame.slice(i, CHUNK)
        yield (prepare(part) if prepare else part).select(names)
        progress(part.height)


def _copy_sql(model, names: Sequence[str], constants: dict) -> str:
    cols = ", ".join(col(model, n) for n in (*names, *constants))
    return f"COPY {table(model)} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')"


def _csv_blocks(frame: pl.DataFrame, names, prepare, constants: dict, progress: Progress) -> Iterator[bytes]:
    """The rows as COPY's CSV, a chunk at a time (`_chunks`), constants appended."""
    for part in _chunks(frame, names, prepare, progress):
        out = io.BytesIO()
        part.with_columns(pl.lit(v).alias(n) for n, v in constants.items()).write_csv(
            out, include_header=False, null_value="\\N", datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z"
        )
        yield out.getvalue()


def _update_sql(model, names: Sequence[str], key: str, where: str) -> str:
    sets = ", ".join(f"{col(model, n)} = %s" for n in names)
    return f"UPDATE {table(model)} SET {sets} WHERE {col(model, key)} = %s{where}"


def _take_ids(cur, model, n: int) -> pl.Series:
    """`n` numbers from the id sequence of `model`, through the psycopg cursor `cur` (one COPY out: no
    Python object per id)."""
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
    seq = cur.fetchone()[0].replace("'", "''")
    sql = f"COPY (SELECT nextval('{seq}'::regclass) FROM generate_series(1, {int(n)})) TO STDOUT"
    data = io.BytesIO()
    with cur.copy(sql) as copy:
        for block in copy:
            data.write(block)
    data.seek(0)
    ids = pl.read_csv(data, has_header=False, schema={"id": pl.Int64})["id"].sort()
    if ids.len() != n:  # not expected: COPY gives every row or raises
        raise RuntimeError(f"{model._meta.db_table}: {ids.len()} ids for {n} rows")
    return ids


# --- the writers ---------------------------------------------------------------------------------------


class Writer:
    """Reads and id allocation (shared); `insert`/`update` are each writer's own."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._last_id: dict[type, int] = {}
        self._was_empty: dict[type, bool] = {}

    def fetch_in(
        self,
        model,
        names: Sequence[str],
        key: str,
        values: Sequence,
        *,
        where: str = "",
        params: Sequence = (),
        strings: Iterable[str] = (),
    ) -> pl.DataFrame:
        """Rows of `model` whose `key` is in `values` (chunked IN lists), in canonical form; `where` adds a
        condition (with `params`)."""
        schema = _schema(names, strings)
        if not values or self._empty(model):
            return pl.DataFrame(schema=schema)
        frames = []
        sql_cols = _select_sql(model, names)
        pg = self.vendor == "postgresql"
        step = CHUNK * 10 if pg else CHUNK
        with connection.cursor() as cur:
            for i in range(0, len(values), step):
                chunk = list(values[i : i + step])
                # PostgreSQL: one array parameter (a list of parameters costs more to bind and plan than to run)
                test = "= ANY(%s)" if pg else f"IN ({', '.join(['%s'] * len(chunk))})"
                cur.execute(
                    f"SELECT {sql_cols} FROM {table(model)} WHERE {col(model, key)} {test}{where}",
                    [chunk, *params] if pg else [*chunk, *params],
                )
                rows = cur.fetchall()
                if rows:
                    frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
        return pl.concat(frames) if frames else pl.DataFrame(schema=schema)

    def _empty(self, model) -> bool:
        """Whether `model` had no row when the save began (then every look-up finds nothing: the first import
        into an empty registry, the largest a county makes, asks nothing). Parts never read each other's rows,
        so what the save itself writes does not change the answer for the rows it asks about."""
        if model not in self._was_empty:
            with connection.cursor() as cur:
                cur.execute(f"SELECT 1 FROM {table(model)} LIMIT 1")
                self._was_empty[model] = cur.fetchone() is None
        return self._was_empty[model]

    def insert_new(
        self,
        model,
        names: Sequence[str],
        frame: pl.DataFrame,
        *,
        prepare=None,
        constants: dict | None = None,
        progress: Progress = _noop,
    ) -> pl.DataFrame:
        """Insert new rows of `model` (`names`, without the id); returns `frame` with the `id` of each."""
        if frame.is_empty():
            return frame.with_columns(pl.lit(None, pl.Int64).alias("id"))
        if self.vendor == "postgresql":
            frame = frame.with_columns(self._next_ids(model, frame.height))
        else:
            if model not in self._last_id:
                self.prime(model)
            start = self._last_id[model] + 1
            self._last_id[model] += frame.height
            frame = frame.with_columns(
                pl.int_range(start, start + frame.height, dtype=pl.Int64, eager=True).alias("id")
            )
        with_id = (lambda part: prepare(part).with_columns(part["id"])) if prepare else None
        self.insert(model, ["id", *names], frame, prepare=with_id, constants=constants, progress=progress)
        return frame

    def _next_ids(self, model, n: int) -> pl.Series:
        """PostgreSQL: `n` new ids of `model` from its sequence, ascending (what COPY would have given the
        rows, taken before they are sent: the rows are complete, and no statement reads them back by key).
        Other sessions may take numbers in between; a rolled-back save leaves a gap, as an INSERT does."""
        with self._id_cursor() as cur:
            return _take_ids(cur, model, n)

    @contextmanager
    def _id_cursor(self):
        """A psycopg cursor to take ids with (Django's connection)."""
        with connection.cursor() as cur:
            yield cur.cursor

    def prime(self, *models) -> None:
        """SQLite: read the largest id used of each model, so that `insert_new` needs the store no more."""
        if self.vendor == "postgresql":
            return
        with connection.cursor() as cur:
            for model in models:  # AUTOINCREMENT never reuses an id: look at sqlite_sequence too
                cur.execute(
                    f"SELECT MAX(m) FROM (SELECT MAX({col(model, 'id')}) AS m FROM {table(model)} "
                    "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
                    [model._meta.db_table],
                )
                self._last_id[model] = int(cur.fetchone()[0] or 0)

    def submit(self, write: Callable[[], None]) -> None:
        """Run a part's writes (`write` calls insert/update and nothing that reads the store)."""
        write()

    def drain(self) -> None:
        """Called inside the transaction, after the last part: everything submitted is in the store."""

    def insert(
        self,
        model,
        names: Sequence[str],
        frame: pl.DataFrame,
        *,
        prepare=None,
        constants: dict | None = None,
        progress: Progress = _noop,
    ) -> None:
        raise NotImplementedError

    def update(
        self,
        model,
        names: Sequence[str],
        frame: pl.DataFrame,
        *,
        key: str = "id",
        where: str = "",
        progress: Progress = _noop,
    ) -> None:
        """UPDATE model SET names… WHERE key = frame[key] [AND where]."""
        raise NotImplementedError

    def abort(self) -> None:
        """Called inside the transaction when the save fails, before it is rolled back: nothing of the save
        may reach the store after that."""

    def close(self) -> None:
        """Called after the transaction, committed or not."""


class BoundWriter(Writer):
    """Every statement at once on Django's connection."""

    def insert(self, model, names, frame, *, prepare=None, constants=None, progress=_noop) -> None:
        if frame.is_empty():
            return
        constants = constants or {}
        if self.vendor == "postgresql":
            # ONE COPY in CSV written by Polars (in Rust): no Python object per row or per value, and the
            # server takes in a chunk while the next one is prepared.
            with connection.cursor() as cur, cur.cursor.copy(_copy_sql(model, names, constants)) as copy:
                for block in _csv_blocks(frame, names, prepare, constants, progress):
                    copy.write(block)
            return
        # SQLite: multi-row VALUES (many rows per statement) costs about half of one row per statement.
        cols = ", ".join(col(model, n) for n in (*names, *constants))
        per = max(1, min(SQLITE_ROWS_PER_INSERT, _sqlite_max_vars() // len(names)))
        one = "(" + ", ".join(["%s"] * len(names) + [sql_literal(v) for v in constants.values()]) + ")"
        head = f"INSERT INTO {table(model)} ({cols}) VALUES "
        full_sql = head + ", ".join([one] * per)
        with connection.cursor() as cur:
            for part in _chunks(frame, names, prepare, progress):
                rows = part.rows()
                whole = len(rows) // per * per
                if whole:
                    cur.executemany(
                        full_sql, (list(chain.from_iterable(rows[j : j + per])) for j in range(0, whole, per))
                    )
                if whole < len(rows):
                    rest = rows[whole:]
                    cur.execute(head + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))

    def update(self, model, names, frame, *, key="id", where="", progress=_noop) -> None:
        if frame.is_empty():
            return
        sql = _update_sql(model, names, key, where)
        with connection.cursor() as cur:
            for part in _chunks(frame, [*names, key], None, progress):
                cur.executemany(sql, part.iter_rows())


class PipelinedWriter(Writer):
    """PostgreSQL, large saves: the calling thread compares a part and renders its rows (Polars: the CSV of
    each COPY, the JSON history) while a second thread sends what is rendered, in order, on Django's
    connection and so in its transaction. The server spends longer taking a part in (indexes, foreign-key
    checks, JSON) than the client takes to render one, so rendering part k+1 while part k goes in hides
    the client's work; at most two rendered parts are held. Ids come from the sequences through a second,
    autocommit connection (a sequence is outside transactions anyway), so rendering never waits for the
    server; a read of the store waits until everything sent before it is in."""

    def __init__(self) -> None:
        super().__init__()
        self._django = connections[connection.alias]  # this thread's wrapper, for the sending thread
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-copy")
        self._sent: list[Future] = []  # every statement handed to the sender, in order
        self._parts: list[int] = []  # where each part's statements begin in `_sent`
        self._ids_conn = None

    def _send(self, run: Callable) -> None:
        django = self._django
        django.ensure_connection()
        raw = django.connection

        def send() -> None:
            with django.wrap_database_errors, raw.cursor() as cur:
                run(cur)

        self._sent.append(self._sender.submit(send))

    def _wait(self, upto: int) -> None:
        """Until the first `upto` statements are in (the first error among them is raised)."""
        for sent in self._sent[:upto]:
            sent.result()

    def insert(self, model, names, frame, *, prepare=None, constants=None, progress=_noop) -> None:
        if frame.is_empty():
            return
        constants = constants or {}
        sql = _copy_sql(model, names, constants)
        blocks = list(_csv_blocks(frame, names, prepare, constants, progress))

        def copy_in(cur) -> None:
            with cur.copy(sql) as copy:
                for block in blocks:
                    copy.write(block)

        self._send(copy_in)

    def update(self, model, names, frame, *, key="id", where="", progress=_noop) -> None:
        if frame.is_empty():
            return
        sql = _update_sql(model, names, key, where)
        rows = [list(part.iter_rows()) for part in _chunks(frame, [*names, key], None, progress)]

        def update(cur) -> None:
            for chunk in rows:
                cur.executemany(sql, chunk)

        self._send(update)

    def fetch_in(self, model, names, key, values, **kw) -> pl.DataFrame:
        if values and not self._empty(model):
            self._wait(len(self._sent))  # a read sees every row sent before it
        return super().fetch_in(model, names, key, values, **kw)

    @contextmanager
    def _id_cursor(self):
        if self._ids_conn is None:
            import psycopg

            self._ids_conn = psycopg.connect(**self._django.get_connection_params(), autocommit=True)
        with self._ids_conn.cursor() as cur:
            yield cur

    def submit(self, write: Callable[[], None]) -> None:
        self._parts.append(len(self._sent))
        if len(self._parts) > 2:  # the part before the previous one is in: two rendered parts at most
            self._wait(self._parts[-2])
        write()

    def drain(self) -> None:
        self._wait(len(self._sent))

    def abort(self) -> None:
        self._sender.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._sender.shutdown(wait=True, cancel_futures=True)
        if self._ids_conn is not None:
            self._ids_conn.close()


class _StageFile:
    """One scratch SQLite file written through ADBC: tables appended to, then attached and copied."""

    def __init__(self, path: Path) -> None:
        import adbc_driver_manager as adbc
        import adbc_driver_sqlite

        self.adbc, self.path = adbc, path
        self.db = adbc_driver_sqlite.connect(str(path))
        self.conn = adbc.AdbcConnection(self.db)
        self._run("PRAGMA journal_mode = OFF")  # a scratch file: no journal, no fsync
        self._run("PRAGMA synchronous = OFF")
        self.conn.set_autocommit(False)
        self.tables: dict[tuple, str] = {}  # what a table holds → its name, in first-write order

    def _run(self, sql: str) -> None:
        st = self.adbc.AdbcStatement(self.conn)
        try:
            st.set_sql_query(sql)
            st.execute_update()
        finally:
            st.close()

    def append(self, what: tuple, parts: Iterator[pl.DataFrame]) -> None:
        adbc = self.adbc
        new = what not in self.tables
        name = self.tables.setdefault(what, f"t{len(self.tables)}")
        for part in parts:
            part = part.with_columns(pl.col(pl.Null).cast(pl.String))  # Arrow has no SQLite type for Null
            st = adbc.AdbcStatement(self.conn)
            try:
                st.set_options(
                    **{
                        adbc.StatementOptions.INGEST_TARGET_TABLE.value: name,
                        adbc.StatementOptions.INGEST_MODE.value: adbc.INGEST_OPTION_MODE_CREATE
                        if new
                        else adbc.INGEST_OPTION_MODE_APPEND,
                    }
                )
                st.bind_stream(part.__arrow_c_stream__())
                st.execute_update()
            finally:
                st.close()
            new = False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.commit()
            self.conn.close()
            self.db.close()
            self.conn = self.db = None

    def copy_into_store(self, schema: str) -> None:
        """Attach as `schema` and copy every table into the store (on Django's connection)."""
        qn = connection.ops.quote_name
        with connection.cursor() as cur:
            cur.execute(f"ATTACH DATABASE %s AS {schema}", [str(self.path)])
            for what, name in self.tables.items():
                op, model, names = what[:3]
                src = f"{schema}.{name}"
                if op == "insert":
                    constants = dict(what[3])
                    cols = ", ".join(col(model, n) for n in (*names, *constants))
                    values = ", ".join(
                        [*(qn(n) for n in names), *(sql_literal(v) for v in constants.values())]
                    )
                    sql = f"INSERT INTO {table(model)} ({cols}) SELECT {values} FROM {src} ORDER BY rowid"
                else:
                    key, where = what[3], what[4]
                    sets = ", ".join(f"{col(model, n)} = s.{qn(n)}" for n in names)
                    sql = (
                        f"UPDATE {table(model)} SET {sets} FROM {src} AS s "
                        f"WHERE {table(model)}.{col(model, key)} = s.{qn(key)}{where}"
                    )
                cur.execute(sql, [])  # params=[]: the '%%' of literals become '%'


class StagedWriter(Writer):
    """SQLite: parts staged in a thread into scratch files, copied into the store by the main thread."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = scratch_dir("stage")
        self._files: list[_StageFile] = []
        self._copied = 0  # files copied into the store (and attached)
        self._staging: Future | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-stage")

    def _file(self) -> _StageFile:
        """The file the part being staged goes to (in the staging thread)."""
        return self._files[-1]

    def insert(self, model, names, frame, *, prepare=None, constants=None, progress=_noop) -> None:
        if not frame.is_empty():
            constants = tuple((constants or {}).items())
            self._file().append(
                ("insert", model, tuple(names), constants), _chunks(frame, names, prepare, progress)
            )

    def update(self, model, names, frame, *, key="id", where="", progress=_noop) -> None:
        if not frame.is_empty():
            self._file().append(
                ("update", model, tuple(names), key, where), _chunks(frame, [*names, key], None, progress)
            )

    def submit(self, write: Callable[[], None]) -> None:
        from fupin.registry.models import Household, HouseholdYear, Member

        if not self._last_id:
            self.prime(Household, HouseholdYear, Member)  # the staging thread never reads the store
        self._wait()
        if len(self._files) < STAGE_FILES:
            self._files.append(_StageFile(self.dir / f"part-{len(self._files)}.sqlite3"))
        self._staging = self._thread.submit(self._stage, write, last=len(self._files) == STAGE_FILES)
        # copy in what is staged (every file but the last, shared by the parts that come after it)
        while self._copied < len(self._files) - 1:
            self._copy(self._files[self._copied])

    def _stage(self, write: Callable[[], None], last: bool) -> None:
        write()
        if not last:
            self._file().close()

    def _wait(self) -> None:
        if self._staging is not None:
            staging, self._staging = self._staging, None
            staging.result()  # an error of the staging thread is raised here

    def _copy(self, file: _StageFile) -> None:
        file.copy_into_store(f"fupin_stage_{self._copied}")
        self._copied += 1

    def drain(self) -> None:
        self._wait()
        for file in self._files[self._copied :]:
            file.close()
            self._copy(file)

    def close(self) -> None:
        try:
            self._thread.shutdown(wait=True)  # a part still staging after an error ends first
            for file in self._files:
                if file.conn is not None:
                    file.conn.close()
                    file.db.close()
                    file.conn = file.db = None
            with connection.cursor() as cur:
                for i in range(self._copied):
                    cur.execute(f"DETACH DATABASE fupin_stage_{i}")
        finally:
            remove(self.dir)


def _adbc_sqlite() -> bool:
    try:
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def open_writer(rows: int) -> Iterator[Writer]:
    """One transaction and the writer for a save of about `rows` rows (see the module doc)."""
    sqlite = connection.vendor == "sqlite"
    own = connection.get_autocommit() and not connection.in_atomic_block  # the transaction is ours
    big = own and rows >= STAGE_MIN_ROWS
    if sqlite:
        writer: Writer = StagedWriter() if big and _adbc_sqlite() else BoundWriter()
    else:
        writer = PipelinedWriter() if big else BoundWriter()
    if sqlite:
        with connection.cursor() as cur:  # index pages stay in memory during the big transaction
            cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        with transaction.atomic():
            if own and connection.vendor == "postgresql":
                # Django's foreign keys are deferred: checked all at once at COMMIT, after the client is done.
                # Checked as each row arrives, the server does the same work while the client prepares more
                # (the writer inserts parents before children).
                with connection.cursor() as cur:
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                yield writer
                writer.drain()
            except BaseException:
                writer.abort()
                raise
    finally:
        writer.close()
        if sqlite:
            with connection.cursor() as cur:
                cur.execute("PRAGMA cache_size = -2000")  # SQLite's default: give the memory back
