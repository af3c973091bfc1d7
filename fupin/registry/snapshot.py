"""A columnar snapshot of the registry (Parquet in `FUPIN_HOME/snapshots/registry`), never stale.

The engine's frames for a province (3 M households, 10 M members) take minutes through the DB-API cursor and
seconds from Parquet. The snapshot holds the engine's two frames for the whole store, in the folder
`<token>-<version>`:
- `version` is the registry's change version, moved by database triggers on every write to households,
  household years, members and memberships (migration 0002), so a snapshot of version v holds exactly the
  committed registry at v;
- `token` names the store (drawn anew when a backup replaces it), so a snapshot of another store, or of this
  store before a restore, never matches.
A read whose version has no snapshot builds one (Arrow-native, core/columnar.py), under a lock so that
concurrent requests build it once, and removes the older ones.

Used only outside transactions (a transaction may hold writes no other connection sees) and for a store
in a file or on a server; otherwise, and whenever building fails, the caller reads through the cursor.
Deleting the folder is always safe.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError

from fupin.core import columnar, scratch
from fupin.registry.models import RegistryVersion

log = logging.getLogger(__name__)

ATTEMPTS = 3  # a write committed during the build: read again
LOCK_POLL_SECONDS = 0.1


def folder() -> Path:
    return Path(settings.FUPIN_HOME) / "snapshots" / "registry"


def enabled() -> bool:
    return settings.FUPIN_REGISTRY_SNAPSHOT and columnar.available()


def current() -> tuple[str, int]:
    """The store's token and committed registry version (the row is made again if it was removed, with a
    new token: test databases are flushed, and nothing cached before can then match)."""
    row = RegistryVersion.objects.filter(id=1).values_list("token", "version").first()
    if row is None:
        try:
            RegistryVersion.objects.create(id=1, token=uuid.uuid4().hex, version=0)
        except IntegrityError:
            pass  # made meanwhile by another request
        row = RegistryVersion.objects.filter(id=1).values_list("token", "version").get()
    return row[0], row[1]


def renew_token() -> None:
    """A backup has replaced the store: no snapshot of the store before may match it."""
    RegistryVersion.objects.filter(id=1).update(token=uuid.uuid4().hex)
    shutil.rmtree(folder(), ignore_errors=True)


SOURCE = "fupin.registry.snapshot_source"  # what the snapshot holds (Django-free: built in a child on SQLite)
FRAMES = ("household_years", "members")


def frames(
    prefix: str,
    *,
    only: tuple[str, ...] = FRAMES,
    where: dict[str, pl.Expr] | None = None,
    without: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, pl.DataFrame] | None:
    """The snapshot's frames (`only` some) for the subtree `prefix`, each filtered by its `where`, the columns
    of its `without` null (never read from the file), from the snapshot of the current version (built if
    missing); None if the snapshot cannot be used."""
    if not enabled():
        return None
    try:
        path = _ready()
        if path is None:
            return None
        return {
            name: _load(
                path / f"{name}.parquet", prefix, (where or {}).get(name), (without or {}).get(name, ())
            )
            for name in only
        }
    except (OSError, columnar.ColumnarReadFailed, pl.exceptions.PolarsError) as e:
        log.warning("registry snapshot not used, reading through the cursor: %s", e)
        return None


def _ready() -> Path | None:
    token, version = current()
    path = folder() / f"{token}-{version}"
    if path.is_dir():
        return path
    folder().mkdir(parents=True, exist_ok=True)
    fd = _wait_lock(folder() / "build.lock")
    try:
        if path.is_dir():  # built by another request while this one waited
            return path
        return _build(token)
    finally:
        scratch.unlock(fd)


def _wait_lock(path: Path) -> int:
    while (fd := scratch.try_lock(path)) is None:  # another request is building
        time.sleep(LOCK_POLL_SECONDS)
    return fd


def _build(token: str) -> Path | None:
    for _ in range(ATTEMPTS):
        tmp = folder() / f".build-{uuid.uuid4().hex}"
        tmp.mkdir(mode=0o700)  # names and ID numbers: as private as the store
        try:
            read = columnar.build(SOURCE, tmp)
            if read is None:
                continue  # a write committed during the read: read again
            if read[0] != token:
                return None  # the store was replaced meanwhile
            path = folder() / f"{token}-{read[1]}"
            tmp.rename(path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for old in folder().iterdir():
            if old.is_dir() and old != path:
                shutil.rmtree(old, ignore_errors=True)
        return path
    return None


def _load(path: Path, prefix: str, where: pl.Expr | None, without: tuple[str, ...] = ()) -> pl.DataFrame:
    lf = pl.scan_parquet(path, glob=False)  # a file, even under a FUPIN_HOME named 县[2024]
    if prefix:
        # A range as well as the prefix: Parquet's row-group statistics can skip on a range.
        v = pl.col("village")
        lf = lf.filter((v >= prefix) & (v < prefix + ":") & v.str.starts_with(prefix))
    if where is not None:
        lf = lf.filter(where)
    if without:  # nulls in their place, of their type: the file's columns are not read
        types = lf.collect_schema()
        lf = lf.with_columns(pl.lit(None, types[c]).alias(c) for c in without)
    return lf.collect()
