"""Import batches claimed by their process, and the recovery of the ones a killed process left behind.

A queued or running batch is claimed by its process: an OS lock on `FUPIN_HOME/tmp/batch-<id>.lock`
(`claim`), which the OS drops when the process ends, however it ends. A process killed mid-import
(out of memory, power cut) leaves its batch "running" for ever; `recover_interrupted`, run when the
server starts (fupin/wsgi.py), marks every queued/running batch that nobody claims as failed and removes
the scratch folders nobody holds. Nothing of such a batch was saved: its save is one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError
from django.utils import timezone

from fupin.core import scratch
from fupin.registry.models import ImportBatch

log = logging.getLogger(__name__)
_lock = threading.Lock()
_claims: dict[int, list[int]] = {}  # batch id → [lock descriptor, claims held in this process]
INTERRUPTED = (
    "导入被中断（服务器在导入期间停止），未保存任何数据，请重新导入",
    "the import was interrupted (the server stopped while it ran); nothing was saved, import the file again",
)


def _lock_path(batch_id: int):
    return scratch.root() / f"batch-{batch_id}.lock"


def claim(batch_id: int) -> None:
    """Mark the batch as this process's (counted: claims nest; `release` each)."""
    with _lock:
        held = _claims.get(batch_id)
        if held is not None:
            held[1] += 1
            return
        fd = scratch.try_lock(_lock_path(batch_id))
        if fd is None:  # another process has it; this one runs it anyway and leaves the lock alone
            log.warning("import batch %s is claimed by another process", batch_id)
        _claims[batch_id] = [fd, 1]


def release(batch_id: int) -> None:
    with _lock:
        held = _claims.get(batch_id)
        if held is None:
            return
        held[1] -= 1
        if held[1] > 0:
            return
        del _claims[batch_id]
        if held[0] is not None:
            scratch.remove_lock(_lock_path(batch_id), held[0])


@contextmanager
def claimed(batch_id: int) -> Iterator[None]:
    claim(batch_id)
    try:
        yield
    finally:
        release(batch_id)


def recover_interrupted() -> list[int]:
    """Fail the queued/running batches no live process claims, remove the scratch folders nobody holds;
    returns the ids of the batches failed. Safe while other processes import: theirs are claimed."""
    failed = []
    for batch_id in ImportBatch.objects.filter(status__in=("queued", "running")).values_list("id", flat=True):
        with _lock:
            if batch_id in _claims:
                continue
            fd = scratch.try_lock(_lock_path(batch_id))
        if fd is None:
            continue  # a live process runs it
        try:
            n = ImportBatch.objects.filter(pk=batch_id, status__in=("queued", "running")).update(
                status="failed",
                finished_at=timezone.now(),
                report={
                    "interrupted": True,
                    "message_zh": INTERRUPTED[0],
                    "message_en": INTERRUPTED[1],
                    "problems": [],
                },
            )
            if n:
                failed.append(batch_id)
                log.warning("import batch %s was interrupted: marked failed", batch_id)
        finally:
            scratch.remove_lock(_lock_path(batch_id), fd)
    scratch.sweep()
    return failed


def recover_at_start() -> None:
    """`recover_interrupted` for the server's start: a store not yet set up (`fupin init`) is no error."""
    try:
        recover_interrupted()
    except DatabaseError as exc:
        log.warning("interrupted imports not checked: %s", exc)
