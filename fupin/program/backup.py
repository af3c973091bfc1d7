"""`fupin backup OUT` and `fupin restore FILE`: the whole store in one file, and back again.

A backup is a zip file, mode 0600 (it holds every ID number), with two members:

- the database: `database.sqlite3`, a copy of the SQLite store made with SQLite's online backup API (a
  consistent snapshot even while the server writes), deflated; or `database.pgdump`, PostgreSQL's
  `pg_dump` custom format (compressed already, stored as is), taken in the snapshot the rows were counted in;
- `manifest.json`: format, fupin version, database vendor, creation time, the applied migrations, rows
  per table, and the size and SHA-256 of the database member.

`restore` checks the file before it touches the store: a damaged file, a backup of the other vendor or
one of a newer fupin is refused. It refuses a store that holds data unless --replace, and then backs that
store up first into FUPIN_HOME/backups/. Loading is all or nothing: SQLite through the same backup API
into the live database, PostgreSQL through `pg_restore --clean --single-transaction` (only tables the
backup does not have, a newer fupin's, are dropped before that transaction). Then the rows are checked
against the manifest and migrations run forward, so that a backup of an older version comes up to date.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

import fupin
from fupin.accounts.cli import user_from_arg
from fupin.core.cli_support import Rejected, UsageError

FORMAT, FORMAT_VERSION, MANIFEST = "fupin-backup", 1, "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# What a store holds before anyone entered anything: Django's bookkeeping and the reference data that
# `fupin init` loads. A store with rows in any other table "holds data" and is only replaced on --replace.
BOOKKEEPING_APPS = {"contenttypes", "sessions", "axes"}
REFERENCE_MODELS = {
    "auth.permission",
    "regions.region",
    "policy.parameter",
    "assistance.measuretype",
    "assistance.causemeasure",
}


def _damaged(path: Path, detail: str) -> Rejected:
    return Rejected(
        f"备份文件已损坏或不完整，未做任何更改 / the backup file is damaged or incomplete, nothing was "
        f"changed: {path} ({detail})"
    )


class _Bar:
    """A progress bar on a terminal (stderr), one stage at a time; nothing when not on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console, self.task = Console(stderr=True), None
        self.bar = (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            if console.is_terminal
            else None
        )

    def __enter__(self) -> _Bar:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()

    def stage(self, label: str, total: int | None = None) -> None:
        if self.bar:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self.bar and self.task is not None:
            self.bar.advance(self.task, n)


# ------------------------------------------------------------------------------------------ the store


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def _count(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for t in tables:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(t)}")
        counts[t] = cursor.fetchone()[0]
    return counts


def data_rows() -> dict[str, int]:
    """Rows per table of the tables that hold entered data (not bookkeeping, not `fupin init`'s reference
    data); empty tables left out. An empty answer means the store may be replaced without --replace."""
    existing = set(_tables())
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label not in BOOKKEEPING_APPS
        and m._meta.label_lower not in REFERENCE_MODELS
        and m._meta.db_table in existing
    ]
    with connection.cursor() as c:
        return {t: n for t, n in _count(c, sorted(set(tables))).items() if n}


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program: from PATH, else Debian's PostgreSQL 15 folder, else the newest other one."""
    if found := shutil.which(name):
        return found
    others = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        reverse=True,
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in [Path("/usr/lib/postgresql/15/bin"), *others]:
        if os.access(folder / name, os.X_OK):
            return str(folder / name)
    raise UsageError(
        f"找不到 PostgreSQL 客户端程序 {name}，请安装 postgresql-client（版本不低于服务器）/ "
        f"PostgreSQL client program {name} not found: install postgresql-client (the server's "
        f"version or newer) or put it on PATH"
    )


def _pg_env() -> dict[str, str]:
    """libpq's environment for the database Django is connected to (the password never on a command line)."""
    s, opts = connection.settings_dict, connection.settings_dict.get("OPTIONS") or {}
    pairs = {
        "PGDATABASE": s.get("NAME"),
        "PGUSER": s.get("USER"),
        "PGPASSWORD": s.get("PASSWORD"),
        "PGHOST": s.get("HOST"),
        "PGPORT": s.get("PORT"),
        "PGSSLMODE": opts.get("sslmode"),
        "PGSSLROOTCERT": opts.get("sslrootcert"),
        "PGSSLCERT": opts.get("sslcert"),
        "PGSSLKEY": opts.get("sslkey"),
        "PGPASSFILE": opts.get("passfile"),
        "PGSERVICE": opts.get("service"),
    }
    return {**os.environ, **{k: str(v) for k, v in pairs.items() if v}}


def _read_lines(stream, marker: str, bar: _Bar, notes: list[str]) -> None:
    """The --verbose output of pg_dump or pg_restore: one step of the bar per table; errors kept."""
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip()
        if marker in line:
            bar.advance()
        elif "error" in line.lower() or not line.startswith(("pg_dump: ", "pg_restore: ")):
            notes.append(line)


def _failed(zh_en: str, program: str, code: int, notes: list[str]) -> Rejected:
    return Rejected(f"{zh_en} ({program}, exit {code}):\n" + "\n".join(notes[-20:]))


# ------------------------------------------------------------------------------------------- backing up


def _sqlite_dump(payload: Path, bar: _Bar) -> dict[str, int]:
    bar.stage("复制数据库 / copying the database")
    connection.ensure_connection()
    target = sqlite3.connect(payload)
    try:
        connection.connection.backup(target)  # one step: a consistent snapshot, never restarted by writers
        target.execute("PRAGMA journal_mode=DELETE")  # a self-contained file (no -wal beside it)
        tables = [
            r[0]
            for r in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
        return _count(target.cursor(), tables)
    finally:
        target.close()


def _pg_dump(payload: Path, bar: _Bar) -> dict[str, int]:
    """pg_dump in the snapshot of a read-only transaction that counts the rows: counts and dump agree."""
    tables = _tables()
    bar.stage("导出数据库 / dumping the database", total=len(tables))
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        c.execute("SELECT pg_export_snapshot()")
        snapshot = c.fetchone()[0]
        counts = _count(c, tables)
        proc = subprocess.Popen(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--verbose",
                f"--snapshot={snapshot}",
                f"--file={payload}",
            ],
            env=_pg_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        notes: list[str] = []
        _read_lines(proc.stderr, "dumping contents of table", bar, notes)
        if proc.wait():
            raise _failed("备份失败 / backup failed", "pg_dump", proc.returncode, notes)
    return counts


def _pack(target: Path, payload: Path, manifest: dict, bar: _Bar) -> None:
    """The zip: the database member (hashed on the way in), then the manifest with its size and hash."""
    size = payload.stat().st_size
    bar.stage("写入备份文件 / writing the backup file", total=size)
    info = zipfile.ZipInfo(payload.name, time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if payload.suffix == ".sqlite3" else zipfile.ZIP_STORED
    info.file_size = size  # lets zipfile choose ZIP64 for a database over 2 GiB
    digest = hashlib.sha256()
    with (
        os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f,
        zipfile.ZipFile(f, "w") as zf,
    ):
        with payload.open("rb") as src, zf.open(info, "w") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
                bar.advance(len(chunk))
        manifest.update(size=size, sha256=digest.hexdigest())
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    os.chmod(target, 0o600)


def write_backup(out: Path, bar: _Bar, *, force: bool = False) -> dict:
    """The whole store into `out` (refused if it exists, unless `force`); returns the manifest."""
    vendor = connection.vendor
    if vendor not in PAYLOADS:
        raise UsageError(f"不支持备份该数据库 / cannot back up a {vendor} database")
    if out.is_dir() or not out.parent.is_dir():
        raise UsageError(f"不是可写入的文件路径 / not a file path that can be written: {out}")
    if out.exists() and not force:
        raise UsageError(
            f"文件已存在，未覆盖（加 --force 可覆盖）/ {out} exists and was not overwritten "
            f"(add --force to overwrite it)"
        )
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".fupin-backup-") as work:
        payload = Path(work) / PAYLOADS[vendor]
        counts = _sqlite_dump(payload, bar) if vendor == "sqlite" else _pg_dump(payload, bar)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "fupin_version": fupin.__version__,
            "vendor": vendor,
            "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "migrations": _applied_migrations(),
            "tables": counts,
            "payload": payload.name,
        }
        try:
            _pack(partial, payload, manifest, bar)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# -------------------------------------------------------------------------------------------- restoring


def _check_manifest(path: Path, manifest, names: list[str]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Rejected(f"不是 fupin 备份文件 / not a fupin backup file: {path}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise Rejected(
            f"备份格式版本 {manifest.get('format_version')} 不受支持，请升级 fupin / backup format "
            f"version {manifest.get('format_version')} is not supported: upgrade fupin"
        )
    vendor, here = manifest.get("vendor"), connection.vendor
    if vendor != here:
        theirs, ours = VENDORS.get(vendor, vendor), VENDORS.get(here, here)
        raise Rejected(
            f"该备份来自 {theirs} 数据库，当前存储是 {ours}，不能恢复 / this is a backup of a {theirs} "
            f"store and the current store is {ours}: it cannot be restored here"
        )
    tables, applied = manifest.get("tables"), manifest.get("migrations")
    if (
        manifest.get("payload") != PAYLOADS[vendor]
        or PAYLOADS[vendor] not in names
        or not isinstance(tables, dict)
        or not all(isinstance(t, str) and type(n) is int for t, n in tables.items())
        or not isinstance(applied, list)
        or not all(isinstance(m, str) for m in applied)
    ):
        raise _damaged(path, MANIFEST)
    from django.db.migrations.loader import MigrationLoader

    known = {
        f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    }
    if newer := sorted(set(applied) - known):  # a newer fupin's migrations
        raise Rejected(
            f"该备份来自更新版本的 fupin（{manifest.get('fupin_version')}），请先升级 / this backup "
            f"comes from a newer fupin ({manifest.get('fupin_version')}, unknown migrations: "
            f"{', '.join(newer[:5])}): upgrade fupin first"
        )


def read_backup(path: Path, work: Path, bar: _Bar) -> tuple[dict, Path]:
    """Check a backup file through and through, unpacking its database into `work`; Rejected if it will not do."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST)) if MANIFEST in zf.namelist() else None
            _check_manifest(path, manifest, zf.namelist())
            name = manifest["payload"]
            target, digest = work / name, hashlib.sha256()
            bar.stage("检查备份文件 / checking the backup file", total=zf.getinfo(name).file_size)
            with zf.open(name) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
                    bar.advance(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
        raise _damaged(path, str(e) or type(e).__name__) from None
    if digest.hexdigest() != manifest.get("sha256") or target.stat().st_size != manifest.get("size"):
        raise _damaged(path, "SHA-256")
    return manifest, target


def _sqlite_load(payload: Path, bar: _Bar) -> None:
    """The backup API again, from the checked file into the live database: all or nothing."""
    bar.stage("恢复数据库 / restoring the database")
    connection.ensure_connection()
    source = sqlite3.connect(payload)
    try:
        if (check := source.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
            raise sqlite3.DatabaseError(check)
        source.backup(connection.connection)
    except sqlite3.Error as e:
        raise Rejected(f"恢复失败，当前数据未改变 / restore failed, the store is unchanged: {e}") from None
    finally:
        source.close()


def _pg_load(payload: Path, tables: list[str], bar: _Bar) -> None:
    """pg_restore in one transaction that stops at the first error: all or nothing. Its --clean drops what
    the backup holds before creating it; tables the backup does not have (a newer fupin's) are dropped first."""
    if extra := [t for t in _tables() if t not in tables]:
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {', '.join(map(connection.ops.quote_name, extra))} CASCADE")
    pg_restore, env = _pg_tool("pg_restore"), _pg_env()
    connection.close()  # hold no lock on what is about to be dropped
    bar.stage("恢复数据库 / restoring the database", total=len(tables))
    proc = subprocess.Popen(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--verbose",
            f"--dbname={env.get('PGDATABASE', '')}",
            str(payload),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    notes: list[str] = []
    _read_lines(proc.stderr, "processing data for table", bar, notes)
    if proc.wait():
        raise _failed(
            "恢复失败，当前数据未改变 / restore failed, the store is unchanged"
            if not extra
            else f"恢复失败；已删除备份中没有的表（{', '.join(extra)}），其余数据未改变 / restore failed; the "
            f"tables the backup lacks were dropped ({', '.join(extra)}), the rest is unchanged",
            "pg_restore",
            proc.returncode,
            notes,
        )


def restore_backup(path: Path, bar: _Bar, *, replace: bool = False, say=print) -> dict[str, int]:
    """Replace the store with the backup at `path`, then migrate forward; returns the rows per table."""
    if not path.is_file():
        raise UsageError(f"找不到备份文件 / no such backup file: {path}")
    with tempfile.TemporaryDirectory(dir=settings.FUPIN_HOME, prefix="restore-") as work:
        manifest, payload = read_backup(path, Path(work), bar)
        if (held := data_rows()) and not replace:
            listed = ", ".join(f"{t} {n:,}" for t, n in sorted(held.items(), key=lambda x: -x[1])[:5])
            raise Rejected(
                f"当前存储已有数据（{listed} …），恢复会替换全部数据，未做任何更改；确需替换请加 --replace"
                f"（会先自动备份当前数据）/ the store already holds data ({listed} …) and a restore "
                f"replaces all of it; nothing was changed. Add --replace to replace it (the current "
                f"data is backed up first)"
            )
        if replace and _tables():
            folder = settings.FUPIN_HOME / "backups"
            folder.mkdir(mode=0o700, exist_ok=True)
            safety = folder / f"before-restore-{datetime.now():%Y%m%d-%H%M%S-%f}.zip"
            write_backup(safety, bar)
            say(f"已先自动备份当前数据 / the current store was backed up first: {safety}")
        if connection.vendor == "sqlite":
            _sqlite_load(payload, bar)
        else:
            _pg_load(payload, sorted(manifest["tables"]), bar)
    connection.close()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    ContentType.objects.clear_cache()
    with connection.cursor() as c:
        found = _count(c, sorted(manifest["tables"]))
    if wrong := {t: f"{n} ≠ {found[t]}" for t, n in manifest["tables"].items() if found[t] != n}:
        raise Rejected(
            f"恢复后的行数与备份清单不符 / the rows after the restore differ from the manifest: {wrong}"
        )
    bar.stage("升级数据库结构 / migrating forward")
    call_command("migrate", interactive=False, verbosity=0)
    from fupin.registry import snapshot

    snapshot.renew_token()  # the backup may be of this very store, at a version its snapshots also had
    with connection.cursor() as c:
        return _count(c, _tables())


# ------------------------------------------------------------------------------------------ the commands


def _acting_user(username: str | None):
    if username and "accounts_user" not in _tables():  # a store not set up yet has no accounts
        raise UsageError(f"没有该用户 / no such active user: {username}")
    user = user_from_arg(username)
    if user is not None and not user.can("backs_up_store"):
        raise UsageError(
            f"该用户无权备份或恢复整个存储（仅系统管理员）/ user {user.username} may not back up or "
            f"restore the store (system administrators only)"
        )
    return user


def backup_command(args) -> int:
    from fupin.accounts.export_log import log_export

    user = _acting_user(args.user)
    out = Path(args.out).expanduser().absolute()
    with _Bar() as bar:
        manifest = write_backup(out, bar, force=args.force)
    rows = sum(manifest["tables"].values())
    log_export(
        user,
        "core.backup",
        channel="cli",
        rows=rows,
        filters={"out": out, "vendor": manifest["vendor"], "tables": len(manifest["tables"])},
    )
    print(out)
    print(
        f"已备份 / backed up: {len(manifest['tables'])} 张表 / tables, {rows:,} 行 / rows "
        f"({VENDORS[manifest['vendor']]}, sha256 {manifest['sha256'][:16]}…)"
    )
    return 0


def restore_command(args) -> int:
    from rich.console import Console
    from rich.table import Column, Table

    _acting_user(args.user)
    with _Bar() as bar:
        counts = restore_backup(Path(args.file).expanduser(), bar, replace=args.replace)
    t = Table("表 / table", Column("行数 / rows", justify="right"), title=f"已恢复 / restored: {args.file}")
    for table, n in counts.items():
        t.add_row(table, f"{n:,}")
    Console(soft_wrap=True).print(t)
    return 0
