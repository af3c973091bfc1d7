"""Runs claimed by their process, and the recovery of the ones a stopped process left "running".

A run is claimed from its creation to the end of its computation by an OS lock on
`FUPIN_HOME/tmp/run-<id>.lock`, which the OS drops when the process ends, however it ends. A server stopped
mid-run (a restart, a power cut) used to leave the run "running" for ever, its page waiting for ever;
`recover_interrupted`, run when a server starts (fupin/wsgi.py), fails every running run that no live
process claims and says why. A run saves its result in one step at its end: nothing half-done remains.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.db import DatabaseError
from django.utils import timezone

from fupin.core import scratch
from fupin.reports.models import Run

log = logging.getLogger(__name__)
INTERRUPTED = (
    "运行被中断（服务器在运行期间停止），请重新运行 / "
    "the run was interrupted (the server stopped while it ran); start it again"
)
_lock = threading.Lock()
_held: dict[int, int] = {}  # run id → lock descriptor, for the runs of this process


def lock_path(run_id: int) -> Path:
    return scratch.root() / f"run-{run_id}.lock"


def claim(run_id: int) -> None:
    fd = scratch.try_lock(lock_path(run_id))
    if fd is None:  # another process has it (never, for a new run): it runs anyway, the lock left alone
        log.warning("run %s is claimed by another process", run_id)
        return
    with _lock:
        _held[run_id] = fd


def release(run_id: int) -> None:
    with _lock:
        fd = _held.pop(run_id, None)
    if fd is not None:
        scratch.remove_lock(lock_path(run_id), fd)


def recover_interrupted() -> list[int]:
    """Fail the running runs no live process claims; returns their ids. Safe while other processes run."""
    failed = []
    for run_id in Run.objects.filter(status="running").values_list("id", flat=True):
        with _lock:
            if run_id in _held:
                continue
        fd = scratch.try_lock(lock_path(run_id))
        if fd is None:
            continue  # a live process computes it
        try:
            if Run.objects.filter(pk=run_id, status="running").update(
                status="failed", error=INTERRUPTED, finished_at=timezone.now()
            ):
                failed.append(run_id)
                log.warning("run %s was interrupted: marked failed", run_id)
        finally:
            scratch.remove_lock(lock_path(run_id), fd)
    return failed


def recover_at_start() -> None:
    """`recover_interrupted` for the server's start: a store not yet set up (`fupin init`) is no error."""
    try:
        recover_interrupted()
    except DatabaseError as exc:
        log.warning("interrupted runs not checked: %s", exc)
