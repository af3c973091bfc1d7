"""Scratch folders for long work (an import's spilled chunks, the writer's staging files).

They live in `FUPIN_HOME/tmp`, on the data disk: the system's /tmp may be a RAM disk, and these folders
hold about as much as the file being imported. Each user removes its own folder when done (`remove`).
A folder whose process was killed is left behind: each folder is locked by its process (an OS lock on
`<folder>.lock` beside it, which dies with the process, however it ends), so `sweep` — run when the
server starts — removes every folder nobody holds, and a new folder clears away unheld ones a day old.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

STALE_SECONDS = 24 * 3600
_held: dict[str, int] = {}  # folder → the descriptor holding its lock (this process)
_held_lock = threading.Lock()


def root() -> Path:
    folder = Path(settings.FUPIN_HOME) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- file locks --------------------------------------------------------------------------------------


def try_lock(path: Path) -> int | None:
    """An exclusive lock on the file `path` (created if missing): its descriptor, or None if another
    holder (another process, or another descriptor of this one) has it. The OS drops the lock when
    the descriptor is closed or its process ends, however it ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def unlock(fd: int) -> None:
    os.close(fd)  # closing the descriptor releases the lock


def remove_lock(path: Path, fd: int) -> None:
    """Remove the lock file `path` this process holds by `fd`, then release it: removed while still held,
    so that nobody takes it meanwhile."""
    path.unlink(missing_ok=True)
    unlock(fd)


# --- folders -----------------------------------------------------------------------------------------


def scratch_dir(prefix: str) -> Path:
    """A new, empty folder in FUPIN_HOME/tmp, locked while this process lives or until `remove`
    (unheld ones older than a day are cleared away first)."""
    base = root()
    sweep(older_than=STALE_SECONDS)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=base))
    fd = try_lock(lock_path(folder))
    if fd is not None:
        with _held_lock:
            _held[str(folder)] = fd
    return folder


def lock_path(folder: Path) -> Path:
    return folder.with_name(f"{folder.name}.lock")


def remove(folder: Path) -> None:
    """Remove a folder made by `scratch_dir`, and release its lock."""
    with _held_lock:
        fd = _held.pop(str(folder), None)
    shutil.rmtree(folder, ignore_errors=True)
    if fd is not None:
        remove_lock(lock_path(folder), fd)


def sweep(older_than: float = 0) -> list[Path]:
    """Remove the scratch folders no process holds (last changed more than `older_than` seconds ago);
    returns them."""
    base = root()
    now = time.time()
    removed = []
    for old in base.iterdir():
        try:
            if (
                not old.is_dir()
                or str(old) in _held
                or (older_than and now - old.stat().st_mtime <= older_than)
            ):
                continue
            fd = try_lock(lock_path(old))
            if fd is None:  # in use
                continue
        except OSError:  # another process removed it meanwhile
            continue
        shutil.rmtree(old, ignore_errors=True)
        remove_lock(lock_path(old), fd)
        removed.append(old)
    return removed
