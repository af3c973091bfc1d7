"""The fast writer of validated registry frames: upsert households, yearly records and members.

`save(validated, ...)` takes the typed frames of `validation.validate` (already filtered to the
households to save) and writes them in ONE transaction with raw multi-row statements in chunks:
`executemany` on SQLite, `COPY` (inserts) and `executemany` (updates) on PostgreSQL. No per-row ORM
save, no per-row query: every comparison is a Polars join.

Semantics (the same as the single-household path of `services.py`, which calls this module too):
- Household by `household_no`, HouseholdYear by (household, year), Member by `id_number`;
- a row whose stored values equal the file's is not written at all (re-importing changes nothing);
  changed fields are updated, new rows created; members in the store but not in the file stay;
- a new member gets a Membership (start_reason "registered"); a member moved to another household
  gets its open Membership closed ("move") and a new one opened ("move");
- Household.head_name/.size (current non-deleted members) and HouseholdYear.size/net_income/
  net_income_per_capita are derived here, so they are always right;
- history: a created household gets ONE Change row whose `after` holds the household's fields plus
  "years" (its yearly records) and "members" (its members); a yearly record or member created in an
  existing household gets its own "create" Change (the whole record in `after`); every updated entity
  gets one "update" Change whose before/after hold the changed fields.

Values are compared in one canonical form (`canonical_*`): text "" for blank, amounts as integer
cents, booleans as 0/1/null, dates as ISO strings.
"""

from __future__ import annotations

import contextvars
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership

CHUNK = 10_000
CHANGE_ROW = ("action", "entity", "entity_id", "household_id", "before", "after")  # + at/user/reason/batch
SQLITE_CACHE_KB = 256 * 1024
SQLITE_ROWS_PER_INSERT = 200
# SQLite fast path: frames of at least this many rows are staged by ADBC (Arrow → SQLite in C) into a
# temporary file attached to Django's connection and copied with INSERT … SELECT / UPDATE … FROM.
STAGE_MIN_ROWS = 2_000
STAGE_MAX_ATTACHED = 8  # SQLite allows 10 attached databases by default; leave two to others

HOUSEHOLD_FIELDS = ("village_id", "phone")
HOUSEHOLD_DERIVED = ("head_name", "size")
YEAR_FIELDS = (
    "household_type", "status", "poverty_type", "standard", "main_cause", "other_causes",
    "identified_year", "exit_year", "housing_grade", "water_safe",
    "wage_income", "business_income", "property_income", "transfer_income", "business_cost", "out_of_pocket",
)
YEAR_DERIVED = ("size", "net_income", "net_income_per_capita")
MEMBER_FIELDS = (
    "name", "sex", "birth_date", "relation", "health", "labour", "education", "school", "work_status",
    "work_months", "medical_insurance", "pension_insurance", "dibao", "tekun", "disability_cert",
)
AMOUNTS = {"wage_income", "business_income", "property_income", "transfer_income", "business_cost",
           "out_of_pocket", "net_income", "net_income_per_capita"}
INTS = {"identified_year", "exit_year", "work_months", "size", "year"}
BOOLS = {"water_safe", "medical_insurance", "pension_insurance", "dibao", "tekun"}
DATES = {"birth_date"}
INCOME = ("wage_income", "business_income", "property_income", "transfer_income")
COSTS = ("business_cost",)

Progress = Callable[[str, int, int], None]


# --- canonical form ----------------------------------------------------------------------------

def _cents(name: str, dtype: pl.DataType) -> pl.Expr:
    c = pl.col(name)
    if dtype == pl.String:
        c = c.str.replace_all(",", "").cast(pl.Float64, strict=False)
    if isinstance(dtype, pl.Decimal):
        return (c * 100).cast(pl.Int64)
    return (c.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def _canonical(frame: pl.DataFrame, names: Sequence[str], keep: Sequence[str]) -> pl.DataFrame:
    """`keep` columns as they are + `names` in canonical types (absent columns → blank/null)."""
    exprs: list[pl.Expr] = [pl.col(k) for k in keep]
    schema = frame.schema
    for n in names:
        if n not in schema:
            if n in AMOUNTS:
                exprs.append(pl.lit(0, pl.Int64).alias(n))
            elif n in INTS:
                exprs.append(pl.lit(None, pl.Int64).alias(n))
            elif n in BOOLS:
                exprs.append(pl.lit(None, pl.Int8).alias(n))
            else:
                exprs.append(pl.lit("", pl.String).alias(n))
            continue
        dtype = schema[n]
        if n in AMOUNTS:
            exprs.append(_cents(n, dtype).fill_null(0).alias(n))
        elif n in INTS:
            exprs.append(pl.col(n).cast(pl.Int64, strict=False).alias(n))
        elif n in BOOLS:
            e = pl.col(n)
            if dtype == pl.String:
                e = pl.col(n).replace_strict({"1": 1, "0": 0, "true": 1, "false": 0}, default=None,
                                             return_dtype=pl.Int8)
            exprs.append(e.cast(pl.Int8).alias(n))
        elif n in DATES:
            exprs.append(pl.col(n).cast(pl.String).alias(n))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(n).list.join(",").fill_null("").alias(n))
        else:
            exprs.append(pl.col(n).cast(pl.String).fill_null("").alias(n))
    return frame.select(exprs)


def canonical_households(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated household rows → household_no, village_id, phone, year + YEAR_FIELDS (canonical)."""
    frame = frame.rename({"region_code": "village_id"}) if "region_code" in frame.columns else frame
    out = _canonical(frame, (*HOUSEHOLD_FIELDS, *YEAR_FIELDS), ("household_no",))
    return out.with_columns(frame["year"].cast(pl.Int64).alias("year"))


def canonical_members(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated member rows → household_no, id_number + MEMBER_FIELDS (canonical)."""
    return _canonical(frame, MEMBER_FIELDS, ("household_no", "id_number"))


def derive_households(members: pl.DataFrame) -> pl.DataFrame:
    """Current members (household_no, name, relation) → household_no, size, head_name."""
    return members.group_by("household_no").agg(
        pl.len().cast(pl.Int64).alias("size"),
        pl.col("name").filter(pl.col("relation") == "head").first().fill_null("").alias("head_name"),
    )


def derive_years(years: pl.DataFrame) -> pl.DataFrame:
    """Add net_income (cents) and net_income_per_capita (cents, half-up; null when size is 0)."""
    net = pl.sum_horizontal(INCOME) - pl.sum_horizontal(COSTS)
    size = pl.col("size")
    per = ((pl.col("net_income").abs() * 2 + size) // (2 * size)) * pl.col("net_income").sign()
    return years.with_columns(net.cast(pl.Int64).alias("net_income")).with_columns(
        pl.when(size > 0).then(per).otherwise(None).cast(pl.Int64).alias("net_income_per_capita")
    )


# --- SQL helpers -------------------------------------------------------------------------------

def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _col(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _select_sql(model, names: Sequence[str]) -> str:
    """Select expressions giving the canonical form straight from the store."""
    parts = []
    for n in names:
        c = _col(model, n)
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
        if n in AMOUNTS or n in INTS or n in ("id",) or n.endswith("_id") and n != "village_id":
            out[n] = pl.Int64
        elif n in BOOLS:
            out[n] = pl.Int8
        else:
            out[n] = pl.String
    for n in strings:
        out[n] = pl.String
    return out


def _fetch_in(model, names: Sequence[str], key: str, values: Sequence, *, extra: str = "",
              extra_params: Sequence = (), strings: Iterable[str] = ()) -> pl.DataFrame:
    """Rows of `model` whose `key` is in `values` (chunked IN lists), in canonical form."""
    schema = _schema(names, strings)
    frames = []
    sql_cols = _select_sql(model, names)
    with connection.cursor() as cur:
        for i in range(0, len(values), CHUNK):
            chunk = list(values[i:i + CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT {sql_cols} FROM {_table(model)} WHERE {_col(model, key)} IN ({marks}){extra}",
                        [*chunk, *extra_params])
            rows = cur.fetchall()
            if rows:
                frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _max_id(model) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX({_col(model, 'id')}), 0) FROM {_table(model)}")
        return int(cur.fetchone()[0])


def _fetch_new_ids(model, since: int, key: str) -> pl.DataFrame:
    """(id, key) of the rows inserted after `since` (we hold the write lock on SQLite; on PostgreSQL the
    caller joins on the unique key, so rows of concurrent writers never match)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT {_col(model, 'id')}, {_col(model, key)} FROM {_table(model)} "
                    f"WHERE {_col(model, 'id')} > %s", [since])
        rows = cur.fetchall()
    dtype = pl.Int64 if key.endswith("_id") else pl.String
    return pl.DataFrame(rows, schema={"id": pl.Int64, key: dtype}, orient="row")


def _db_values(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Canonical columns → values the database accepts (amounts as '12.34' strings, bools as bool)."""
    exprs = []
    for n in names:
        if n in AMOUNTS:
            c = pl.col(n)
            exprs.append(
                pl.when(c.is_null()).then(None).otherwise(pl.format(
                    "{}{}.{}", pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                    c.abs() // 100, (c.abs() % 100).cast(pl.String).str.zfill(2))).alias(n))
        elif n in BOOLS:
            exprs.append(pl.col(n).cast(pl.Boolean).alias(n))
        else:
            exprs.append(pl.col(n))
    return frame.select(exprs)


# --- SQLite staging (the fast path) -------------------------------------------------------------

class _Stage:
    """Temporary SQLite files written by ADBC (Arrow → SQLite in C) and attached to Django's connection.

    Python's `sqlite3` binds every value separately (≈10 µs a row); here a frame goes to a file of its
    own through `adbc_ingest`, and ONE `INSERT … SELECT` (or `UPDATE … FROM`) copies it inside SQLite.
    SQLite accepts ATTACH inside a transaction but refuses to DETACH a database that the transaction
    has read, so every table gets its own file and they are all detached after the transaction ends:
    `save()` stages only when it owns the transaction (no atomic block around it)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fupin-stage-"))
        self.tables: list[_StageTable] = []
        self.attached: list[str] = []

    @property
    def full(self) -> bool:
        return len(self.tables) >= STAGE_MAX_ATTACHED

    def table(self) -> _StageTable:
        self.tables.append(_StageTable(self, len(self.tables)))
        return self.tables[-1]

    def put(self, parts: Iterable[pl.DataFrame]) -> str | None:
        """Write the frames (same columns) as one table and attach it: 'schema.t' (None if no rows)."""
        t = self.table()
        for part in parts:
            t.append(part)
        return t.attach()

    def close(self) -> None:
        for t in self.tables:  # a table left open by an error
            if t.conn is not None:
                t.conn.close()
                t.db.close()
                t.conn = t.db = None
        try:
            with connection.cursor() as cur:
                for name in self.attached:
                    cur.execute(f"DETACH DATABASE {name}")
        finally:
            self.attached.clear()
            shutil.rmtree(self.dir, ignore_errors=True)


class _StageTable:
    """One staged table: append frames (an ADBC connection to its own file), then `attach()`."""

    def __init__(self, stage: _Stage, n: int) -> None:
        self.stage, self.name = stage, f"fupin_stage_{n}"
        self.path = stage.dir / f"{self.name}.sqlite3"
        self.db = self.conn = None
        self.rows = 0

    def append(self, part: pl.DataFrame) -> None:
        if part.is_empty():
            return
        import adbc_driver_manager as adbc

        if self.conn is None:
            import adbc_driver_sqlite

            self.db = adbc_driver_sqlite.connect(str(self.path))
            self.conn = adbc.AdbcConnection(self.db)
            self._run("PRAGMA journal_mode = OFF")  # a scratch file: no journal, no fsync
            self._run("PRAGMA synchronous = OFF")
            self.conn.set_autocommit(False)
        # Arrow has no SQLite mapping for an all-null column without a type.
        part = part.with_columns(pl.col(pl.Null).cast(pl.String))
        st = adbc.AdbcStatement(self.conn)
        try:
            st.set_options(**{adbc.StatementOptions.INGEST_TARGET_TABLE.value: "t",
                              adbc.StatementOptions.INGEST_MODE.value:
                                  adbc.INGEST_OPTION_MODE_APPEND if self.rows else adbc.INGEST_OPTION_MODE_CREATE})
            st.bind_stream(part.__arrow_c_stream__())
            st.execute_update()
        finally:
            st.close()
        self.rows += part.height

    def _run(self, sql: str) -> None:
        import adbc_driver_manager as adbc

        st = adbc.AdbcStatement(self.conn)
        try:
            st.set_sql_query(sql)
            st.execute_update()
        finally:
            st.close()

    def attach(self) -> str | None:
        if self.conn is None:
            return None
        self.conn.commit()
        self.conn.close()
        self.db.close()
        self.conn = self.db = None
        with connection.cursor() as cur:
            cur.execute(f"ATTACH DATABASE %s AS {self.name}", [str(self.path)])
        self.stage.attached.append(self.name)
        return f"{self.name}.t"


_STAGE: contextvars.ContextVar[_Stage | None] = contextvars.ContextVar("fupin_bulk_stage", default=None)


def _adbc_sqlite() -> bool:
    try:
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return False
    return True


def _stage_for(frame: pl.DataFrame) -> _Stage | None:
    """The active stage when this frame is worth staging (SQLite fast path), else None."""
    stage = _STAGE.get()
    if stage is None or frame.height < STAGE_MIN_ROWS or stage.full:
        return None
    return stage


def _select_staged(names: Sequence[str], constants: dict) -> str:
    qn = connection.ops.quote_name
    return ", ".join([*(qn(n) for n in names), *(_sql_literal(v) for v in constants.values())])


def _insert(model, names: Sequence[str], frame: pl.DataFrame, progress: Callable[[int], None],
            prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None, constants: dict | None = None) -> None:
    """Insert `frame` in chunks; `prepare(chunk)` turns a chunk into the DB-ready columns `names`
    (done per chunk so that the DB-ready copy, e.g. JSON history, never exists for the whole file).
    `constants` (column → value, the same for every row, e.g. created_at) are written as SQL literals on
    SQLite, so they cost no parameter binding."""
    if frame.is_empty():
        return
    constants = constants or {}

    def chunks():
        for i in range(0, frame.height, CHUNK):
            part = frame.slice(i, CHUNK)
            yield (prepare(part) if prepare else part).select(names)

    stage = _stage_for(frame)
    if stage is not None:
        def staged() -> Iterator[pl.DataFrame]:
            for part in chunks():
                yield part
                progress(part.height)

        src = stage.put(staged())
        cols = ", ".join(_col(model, n) for n in (*names, *constants))
        with connection.cursor() as cur:  # params=[]: the '%%' of literals become '%'
            cur.execute(f"INSERT INTO {_table(model)} ({cols}) SELECT {_select_staged(names, constants)} "
                        f"FROM {src} ORDER BY rowid", [])
        return
    if _is_pg():
        # COPY in CSV written by Polars (in Rust): no Python object per row or per value.
        part_cols = [*names, *constants]
        cols = ", ".join(_col(model, n) for n in part_cols)
        sql = f"COPY {_table(model)} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')"
        with connection.cursor() as cur:
            for part in chunks():
                part = part.with_columns(pl.lit(v).alias(n) for n, v in constants.items())
                with cur.cursor.copy(sql) as copy:
                    copy.write(part.write_csv(include_header=False, null_value="\\N",
                                              datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z"))
                progress(part.height)
        return
    # SQLite: multi-row VALUES (many rows per statement) costs about half of one row per statement.
    cols = ", ".join(_col(model, n) for n in (*names, *constants))
    per = max(1, min(SQLITE_ROWS_PER_INSERT, _sqlite_max_vars() // len(names)))
    one = "(" + ", ".join(["%s"] * len(names) + [_sql_literal(v) for v in constants.values()]) + ")"
    head = f"INSERT INTO {_table(model)} ({cols}) VALUES "
    full_sql = head + ", ".join([one] * per)
    with connection.cursor() as cur:
        for part in chunks():
            rows = part.rows()
            whole = len(rows) // per * per
            if whole:
                cur.executemany(full_sql, (list(chain.from_iterable(rows[j:j + per]))
                                           for j in range(0, whole, per)))
            if whole < len(rows):
                rest = rows[whole:]
                cur.execute(head + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))
            progress(part.height)


def _sql_literal(value) -> str:
    """A constant as an SQLite literal (% doubled: the statement goes through Django's %s formatting)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("'", "''").replace("%", "%%")
    return f"'{text}'"


def _sqlite_max_vars() -> int:
    import sqlite3

    return 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def _update(model, names: Sequence[str], frame: pl.DataFrame, progress: Callable[[int], None]) -> None:
    """UPDATE model SET names... WHERE id = frame.id, in chunks of executemany."""
    if frame.is_empty():
        return
    frame = frame.select([*names, "id"])
    stage = _stage_for(frame)
    if stage is not None:
        def staged() -> Iterator[pl.DataFrame]:
            for i in range(0, frame.height, CHUNK):
                part = frame.slice(i, CHUNK)
                yield part
                progress(part.height)

        src = stage.put(staged())
        qn = connection.ops.quote_name
        sets = ", ".join(f"{_col(model, n)} = s.{qn(n)}" for n in names)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {_table(model)} SET {sets} FROM {src} AS s "
                        f"WHERE {_table(model)}.{_col(model, 'id')} = s.{qn('id')}", [])
        return
    sets = ", ".join(f"{_col(model, n)} = %s" for n in names)
    sql = f"UPDATE {_table(model)} SET {sets} WHERE {_col(model, 'id')} = %s"
    with connection.cursor() as cur:
        for i in range(0, frame.height, CHUNK):
            part = frame.slice(i, CHUNK)
            cur.executemany(sql, part.iter_rows())
            progress(part.height)


# --- change records ----------------------------------------------------------------------------

def _json_value(n: str, field: str | None = None) -> pl.Expr:
    """A canonical column (holding `field`, default `n`) as the JSON-safe value of Change.before/after."""
    c = pl.col(n)
    field = field or n
    if field in AMOUNTS:
        return pl.when(c.is_null()).then(None).otherwise(
            pl.format("{}{}.{}", pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                      c.abs() // 100, (c.abs() % 100).cast(pl.String).str.zfill(2))).alias(n)
    if field in BOOLS:
        return c.cast(pl.Boolean).alias(n)
    return c.alias(n)


def _json_record(names: Sequence[str]) -> pl.Expr:
    return pl.struct([_json_value(n) for n in names]).struct.json_encode()


def _json_changed(names: Sequence[str], suffix: str) -> pl.Expr:
    """{"field": value, ...} over the fields that changed (column `_chg_<field>` true)."""
    pieces = [
        pl.when(pl.col(f"_chg_{n}")).then(
            pl.struct(_json_value(f"{n}{suffix}", n).alias(n)).struct.json_encode()
            .str.strip_prefix("{").str.strip_suffix("}"))
        for n in names
    ]
    return pl.concat_str([pl.lit("{"), pl.concat_str(pieces, separator=",", ignore_nulls=True), pl.lit("}")])


def _differs(a: str, b: str) -> pl.Expr:
    return pl.col(a).ne_missing(pl.col(b))


def _change_rows(frame: pl.DataFrame, action: str, entity: str, names: Sequence[str], *,
                 created: bool) -> pl.DataFrame:
    """Change rows for created (`after` = whole record) or updated (changed fields) entities.

    `frame` has id, household_id, the new values under `names` and, for updates, the old values
    under `<name>_old` and `_chg_<name>` flags."""
    if frame.is_empty():
        return pl.DataFrame()
    if created:
        before = pl.lit(None, pl.String)
        after = _json_record(names)
    else:
        before = _json_changed(names, "_old")
        after = _json_changed(names, "")
    return frame.select(
        pl.lit(action).alias("action"), pl.lit(entity).alias("entity"),
        pl.col("id").cast(pl.String).alias("entity_id"), pl.col("household_id"),
        before.alias("before"), after.alias("after"),
    )


# --- the writer --------------------------------------------------------------------------------

def _compare(new: pl.DataFrame, old: pl.DataFrame, on: list[str], names: Sequence[str]):
    """Split `new` into created / updated (with _old columns and _chg_ flags) / unchanged counts."""
    joined = new.join(old, on=on, how="left", suffix="_old", coalesce=True, maintain_order="left")
    created = joined.filter(pl.col("id").is_null()).select(new.columns)
    existing = joined.filter(pl.col("id").is_not_null()).with_columns(
        _differs(n, f"{n}_old").alias(f"_chg_{n}") for n in names
    )
    changed = existing.filter(pl.any_horizontal(f"_chg_{n}" for n in names))
    return created, changed, existing.height - changed.height


def save(households: pl.DataFrame, members: pl.DataFrame, *, user=None, batch=None, reason: str = "",
         progress: Progress | None = None, today: date | None = None) -> dict[str, int]:
    """Upsert validated households (+ their years) and members; returns the counts for the report.

    `households`: one row per (household_no, year) with the HouseholdYear field names + household_no,
    region_code, phone. `members`: Member field names + household_no. Both typed as `validate` gives
    them (strings/decimals/floats/dates are all accepted)."""
    today = today or timezone.localdate()
    hh = canonical_households(households)
    mm = canonical_members(members)
    del households, members  # the importer hands its frames over: keep only the canonical copies
    total = hh.height + mm.height
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("save", min(done, total), total)

    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cur:  # index pages stay in memory during the big transaction
            cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    # The fast path needs a transaction of our own (see _Stage); inside a caller's, rows are bound.
    stage = (_Stage() if sqlite and connection.get_autocommit() and not connection.in_atomic_block
             and _adbc_sqlite() else None)
    token = _STAGE.set(stage)
    try:
        with transaction.atomic():
            counts = _save(hh, mm, user=user, batch=batch, reason=reason, step=step, today=today)
    finally:
        _STAGE.reset(token)
        if stage is not None:
            stage.close()
        if sqlite:
            with connection.cursor() as cur:
                cur.execute("PRAGMA cache_size = -2000")  # SQLite's default: give the memory back
    if progress:
        progress("save", total, total)
    return counts


def _save(hh: pl.DataFrame, mm: pl.DataFrame, *, user, batch, reason: str, step, today: date) -> dict[str, int]:
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    today_s = today.isoformat()
    noop = lambda n: None  # noqa: E731
    counts: dict[str, int] = {"changes": 0}
    stamp = {"at": now, "user_id": getattr(user, "pk", None), "reason": reason[:500],
             "batch_id": getattr(batch, "pk", None)}
    sqlite = connection.vendor == "sqlite"

    # On the SQLite fast path every Change row goes to ONE staged table, copied at the end (same order).
    stage = _STAGE.get()
    changes = stage.table() if stage is not None and not stage.full else None

    def log(frame: pl.DataFrame, action: str, entity: str, names: Sequence[str], created: bool,
            rows: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> None:
        """Write the Change rows of these entities (built chunk by chunk)."""
        rows = rows or (lambda part: _change_rows(part, action, entity, names, created=created))
        if changes is None:
            _insert(Change, CHANGE_ROW, frame, noop, rows, constants=stamp)
        else:
            for i in range(0, frame.height, CHUNK):
                changes.append(rows(frame.slice(i, CHUNK)).select(CHANGE_ROW))
        counts["changes"] += frame.height

    # --- the state of the store for what the file touches
    file_hh = hh.unique("household_no", keep="last", maintain_order=True).select("household_no", *HOUSEHOLD_FIELDS)
    hh_nos = file_hh["household_no"].to_list()
    old_hh = _fetch_in(Household, ["id", "household_no", *HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED],
                       "household_no", hh_nos)
    old_mm = _fetch_in(Member, ["id", "id_number", "household_id", *MEMBER_FIELDS], "id_number",
                       mm["id_number"].to_list())
    # Households whose membership changes: those in the file + those a moved member leaves.
    leaving = old_mm.join(old_hh.select(pl.col("id").alias("household_id"), "household_no"),
                          on="household_id", how="left").filter(pl.col("household_no").is_null())
    extra_ids = leaving["household_id"].drop_nulls().unique().to_list()
    extra_hh = _fetch_in(Household, ["id", "household_no", *HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED], "id",
                         extra_ids) if extra_ids else old_hh.clear()
    all_old_hh = pl.concat([old_hh, extra_hh])
    # Current members of those households, in the store.
    stay = _fetch_in(Member, ["id_number", "household_id", "name", "relation"], "household_id",
                     all_old_hh["id"].to_list(), extra=f" AND {_col(Member, 'is_deleted')} = %s",
                     extra_params=[False])
    stay = stay.join(all_old_hh.select(pl.col("id").alias("household_id"), "household_no"), on="household_id")
    stay = stay.filter(~pl.col("id_number").is_in(mm["id_number"].implode()))

    # --- households: derived head/size from the members they will have after the import
    current = pl.concat([stay.select("household_no", "name", "relation"),
                         mm.select("household_no", "name", "relation")])
    derived = derive_households(current)
    new_hh = (pl.concat([file_hh, extra_hh.select("household_no", *HOUSEHOLD_FIELDS)])
              .join(derived, on="household_no", how="left", maintain_order="left")
              .with_columns(pl.col("size").fill_null(0), pl.col("head_name").fill_null("")))
    hnames = (*HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED)
    created, changed, same = _compare(new_hh, all_old_hh, ["household_no"], hnames)
    counts.update(households_created=created.height, households_updated=changed.height,
                  households_unchanged=same)
    since = _max_id(Household)
    stamps = {"created_at": now, "updated_at": now, "is_deleted": False}
    _insert(Household, ["household_no", *hnames], created, noop, constants=stamps)
    created = _with_new_ids(Household, since, created, ["household_no"],
                            lambda: _fetch_new_ids(Household, since, "household_no"))
    new_ids = created.select("id", "household_no")
    _update(Household, [*hnames, "updated_at"], changed.with_columns(pl.lit(now).alias("updated_at")), noop)
    log(changed.with_columns(pl.col("id").alias("household_id")), "update", "household", hnames, False)
    ids = pl.concat([all_old_hh.select("id", "household_no"), new_ids])
    # A created household gets ONE Change (its fields, yearly records and members), written at the end.
    created_hh = created.select("id", "household_no", *hnames)
    is_new_hh = pl.col("household_id").is_in(created_hh["id"].implode())

    # --- yearly records
    sizes = new_hh.select("household_no", "size")
    years = derive_years(hh.unique(["household_no", "year"], keep="last", maintain_order=True)
                         .join(sizes, on="household_no", how="left", maintain_order="left")
                         .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left"))
    ynames = (*YEAR_FIELDS, *YEAR_DERIVED)
    old_years = _fetch_in(HouseholdYear, ["id", "household_id", "year", *ynames], "household_id",
                          all_old_hh["id"].to_list())
    created, changed, same = _compare(years, old_years, ["household_id", "year"], ynames)
    counts.update(years_created=created.height, years_updated=changed.height, years_unchanged=same)
    since = _max_id(HouseholdYear)
    cols = ["household_id", "year", *ynames]
    _insert(HouseholdYear, cols, created, step, lambda part: _db_values(part, cols), constants=stamps)
    created = _with_new_ids(HouseholdYear, since, created, ["household_id", "year"], lambda: _fetch_year_ids(since))
    _update(HouseholdYear, [*ynames, "updated_at"],
            _db_values(changed, [*ynames, "id"]).with_columns(pl.lit(now).alias("updated_at")), step)
    log(created.filter(~is_new_hh), "create", "household_year", ("year", *ynames), True)
    log(changed, "update", "household_year", ynames, False)
    new_years = years.filter(is_new_hh).select("household_id", "year", *ynames).sort("household_id", "year")
    del years, old_years

    # --- members
    members = (mm.with_row_index("_order").unique("id_number", keep="last", maintain_order=True)
               .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left"))
    mnames = ("household_id", *MEMBER_FIELDS)
    created, changed, same = _compare(members, old_mm, ["id_number"], mnames)
    counts.update(members_created=created.height, members_updated=changed.height, members_unchanged=same)
    since = _max_id(Member)
    _insert(Member, ["id_number", *mnames], created, step, lambda part: _db_values(part, ["id_number", *mnames]),
            constants=stamps)
    created = _with_new_ids(Member, since, created, ["id_number"], lambda: _fetch_new_ids(Member, since, "id_number"))
    _update(Member, [*mnames, "updated_at"],
            _db_values(changed, [*mnames, "id"]).with_columns(pl.lit(now).alias("updated_at")), step)
    log(created.filter(~is_new_hh), "create", "member", ("id_number", *mnames), True)
    log(changed, "update", "member", mnames, False)
    new_members = (members.filter(is_new_hh).sort("household_id", "_order")
                   .select("household_id", "id_number", *MEMBER_FIELDS))
    del members, old_mm

    # --- memberships: a period for every new member; moved members close one and open one
    moved = changed.filter(pl.col("_chg_household_id"))
    if not moved.is_empty():
        _end_memberships(moved["id"].to_list(), today_s)
    period = ["member_id", "household_id", "relation"]
    if sqlite and not created.is_empty():
        # We hold SQLite's write lock: the members with an id above `since` are exactly the ones created
        # above, so their periods are copied inside SQLite (no row goes through Python).
        ms, m = Membership, Member
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {_table(ms)} ({', '.join(_col(ms, n) for n in period)}, "
                        f"{_col(ms, 'start_date')}, {_col(ms, 'start_reason')}, {_col(ms, 'end_reason')}) "
                        f"SELECT {_col(m, 'id')}, {_col(m, 'household')}, {_col(m, 'relation')}, %s, %s, %s "
                        f"FROM {_table(m)} WHERE {_col(m, 'id')} > %s ORDER BY {_col(m, 'id')}",
                        [today_s, "registered", "", since])
    else:
        _insert(Membership, period, created.select(pl.col("id").alias("member_id"), "household_id", "relation"),
                noop, constants={"start_date": today_s, "start_reason": "registered", "end_reason": ""})
    _insert(Membership, period, moved.select(pl.col("id").alias("member_id"), "household_id", "relation"), noop,
            constants={"start_date": today_s, "start_reason": "move", "end_reason": ""})
    counts["memberships_created"] = created.height + moved.height
    counts["members_moved"] = moved.height
    del created, changed

    # --- one Change per created household: after = its fields + "years" + "members"
    log(created_hh, "create", "household", hnames, True,
        rows=lambda part: _household_created_rows(part, new_years, new_members, hnames))
    if changes is not None and (src := changes.attach()) is not None:
        cols = ", ".join(_col(Change, n) for n in (*CHANGE_ROW, *stamp))
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {_table(Change)} ({cols}) SELECT {_select_staged(CHANGE_ROW, stamp)} "
                        f"FROM {src} ORDER BY rowid", [])
    return counts


def _json_list(frame: pl.DataFrame, names: Sequence[str], alias: str) -> pl.DataFrame:
    """household_id → '[{...},{...}]' of the rows of `frame` (in their order)."""
    return (frame.select("household_id", _json_record(names).alias(alias))
            .group_by("household_id", maintain_order=True)
            .agg(pl.concat_str(pl.lit("["), pl.col(alias).str.join(","), pl.lit("]")).alias(alias)))


def _household_created_rows(part: pl.DataFrame, years: pl.DataFrame, members: pl.DataFrame,
                            hnames: Sequence[str]) -> pl.DataFrame:
    """The Change rows of these created households (id, household_no + `hnames`): `after` holds the
    household's fields, "years" (its yearly records) and "members" (its members), as JSON."""
    ids = part["id"].implode()
    lo, hi = part["id"].min(), part["id"].max()

    def of_part(frame: pl.DataFrame) -> pl.DataFrame:  # frame is sorted by household_id: cut, then filter
        start = frame["household_id"].search_sorted(lo, side="left")
        end = frame["household_id"].search_sorted(hi, side="right")
        return frame.slice(start, end - start).filter(pl.col("household_id").is_in(ids))

    ynames = ("year", *YEAR_FIELDS, *YEAR_DERIVED)
    y = _json_list(of_part(years), ynames, "_years")
    m = _json_list(of_part(members), ("id_number", *MEMBER_FIELDS), "_members")
    fields = _json_record(("household_no", *hnames)).str.strip_suffix("}")
    return (part.join(y, left_on="id", right_on="household_id", how="left")
            .join(m, left_on="id", right_on="household_id", how="left")
            .select(pl.lit("create").alias("action"), pl.lit("household").alias("entity"),
                    pl.col("id").cast(pl.String).alias("entity_id"), pl.col("id").alias("household_id"),
                    pl.lit(None, pl.String).alias("before"),
                    pl.concat_str(fields, pl.lit(',"years":'), pl.col("_years").fill_null("[]"),
                                  pl.lit(',"members":'), pl.col("_members").fill_null("[]"), pl.lit("}"))
                    .alias("after")))


def _with_new_ids(model, since: int, created: pl.DataFrame, key: list[str],
                  fetch: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """`created` (just inserted, in this order) with the new `id` of each row.

    On SQLite we hold the write lock and both insert paths write the rows in frame order, so when the ids
    above `since` are exactly `created.height` consecutive numbers, they are the frame's, in order (no
    fetch). Otherwise (PostgreSQL, or gaps) the new rows are fetched and joined on their natural key."""
    if connection.vendor == "sqlite" and created.height:
        with connection.cursor() as cur:
            cur.execute(f"SELECT MIN({_col(model, 'id')}), MAX({_col(model, 'id')}), COUNT(*) "
                        f"FROM {_table(model)} WHERE {_col(model, 'id')} > %s", [since])
            lo, hi, n = cur.fetchone()
        if n == created.height and hi - lo + 1 == n:
            return created.with_columns(pl.int_range(lo, hi + 1, dtype=pl.Int64, eager=True).alias("id"))
    return created.join(fetch(), on=key, maintain_order="left")


def _fetch_year_ids(since: int) -> pl.DataFrame:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {_col(HouseholdYear, 'id')}, {_col(HouseholdYear, 'household')}, "
                    f"{_col(HouseholdYear, 'year')} FROM {_table(HouseholdYear)} "
                    f"WHERE {_col(HouseholdYear, 'id')} > %s", [since])
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema={"id": pl.Int64, "household_id": pl.Int64, "year": pl.Int64}, orient="row")


def _end_memberships(member_ids: list[int], day: str) -> None:
    m = Membership
    sql = (f"UPDATE {_table(m)} SET {_col(m, 'end_date')} = %s, {_col(m, 'end_reason')} = %s "
           f"WHERE {_col(m, 'member')} = %s AND {_col(m, 'end_date')} IS NULL")
    with connection.cursor() as cur:
        for i in range(0, len(member_ids), CHUNK):
            cur.executemany(sql, [(day, "move", mid) for mid in member_ids[i:i + CHUNK]])


def save_validated(validated, *, user=None, batch=None, reason: str = "", progress: Progress | None = None,
                   today: date | None = None) -> dict[str, int]:
    """Save the households of a `Validated` that have no error (the single-household path uses this too)."""
    hh, mm = accepted(validated)
    return save(hh, mm, user=user, batch=batch, reason=reason, progress=progress, today=today)


def accepted(validated) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typed household and member rows of the households without an error."""
    keep = pl.col("household_no").is_not_null()
    if validated.rejected:
        keep = keep & ~pl.col("household_no").is_in(list(validated.rejected))
    return validated.households.filter(keep), validated.members.filter(keep)


def json_safe(value):
    """A Python value as stored in Change.before/after: amounts as '1200.50', dates ISO, the rest as is."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
