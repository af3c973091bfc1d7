"""The registry's write lock: one writer at a time checks the registry and writes to it.

The validator's rules that span households (one head per household, an ID number in one household only,
a household number used once) are checked against what is stored, then the rows are written. Two writers
that check at the same time both see the store before the other's rows and both pass: two imports of the
same new households once left thousands of households with two heads. So an import holds this lock from
its first check to its commit, and a single-household edit holds it for its check and write.

PostgreSQL: an advisory lock (several application servers share it), held by the connection's session, or
by its transaction when taken inside one. SQLite: an
OS lock on `FUPIN_HOME/registry.lock` (every process on the machine that holds the file), dropped by the
OS when its process ends, however it ends. Re-entrant within a thread (an edit calls the save it wraps).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

from fupin.core import scratch
from fupin.core.errors import InputRejected, Problem

ADVISORY_KEY = 0x66757069  # "fupi": the registry's key among PostgreSQL advisory locks
POLL_SECONDS = 0.05
EDIT_WAIT_SECONDS = 60.0  # an edit waits this long for a running import before it is refused

_held = threading.local()  # depth of this thread's hold and, on SQLite, the lock file's descriptor


class RegistryBusy(InputRejected):
    """Another writer held the registry longer than this writer may wait (the API answers 409)."""

    status = 409
    ZH = "另一项导入或修改正在保存，请稍后重试"
    EN = "another import or edit is being saved; try again in a moment"

    def __init__(self) -> None:
        super().__init__(Problem(None, "registry.busy", self.ZH, self.EN), text=self.EN)


def lock_file() -> Path:
    return Path(settings.FUPIN_HOME) / "registry.lock"


def _try_acquire() -> int | str | bool:
    """Take the lock without waiting: the SQLite lock file's descriptor; on PostgreSQL "session" or
    "transaction" (the lock's extent); False if another writer holds it.

    Inside a transaction PostgreSQL's lock belongs to that transaction and ends with it, committed or rolled
    back: a lock of the session could not be released once an error has aborted the transaction."""
    if connection.vendor == "postgresql":
        extent = "transaction" if connection.in_atomic_block else "session"
        function = "pg_try_advisory_xact_lock" if extent == "transaction" else "pg_try_advisory_lock"
        with connection.cursor() as cur:
            cur.execute(f"SELECT {function}(%s)", [ADVISORY_KEY])
            return extent if cur.fetchone()[0] else False
    fd = scratch.try_lock(lock_file())
    return False if fd is None else fd


def _release(token: int | str) -> None:
    if token == "transaction":
        return  # ends with the transaction
    if token == "session":
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        except DatabaseError:  # the connection failed (its error is on the way up): the lock goes with it
            connection.close()
        return
    scratch.unlock(token)


@contextmanager
def registry_write(*, forever: bool = False, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the registry's write lock. Waits at most EDIT_WAIT_SECONDS (`forever`: as long as it takes: an
    import), calling `on_wait` once if it has to wait; then raises RegistryBusy."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    deadline = None if forever else time.monotonic() + EDIT_WAIT_SECONDS
    token = _try_acquire()
    if token is False and on_wait is not None:
        on_wait()
    while token is False:
        if deadline is not None and time.monotonic() >= deadline:
            raise RegistryBusy()
        time.sleep(POLL_SECONDS)
        token = _try_acquire()
    _held.depth, _held.token = 1, token
    try:
        yield
    finally:
        _held.depth = 0
        _release(token)
