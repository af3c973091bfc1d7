"""Background imports for the upload page: the batch runs in a thread, the page polls the batch row.

On SQLite the save stage is one write transaction, so its progress cannot reach the database before it
commits; `live(batch_id)` gives the in-memory progress of a running batch meanwhile. The batch is claimed
by this process while it waits and runs (claims.py).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections
from django.utils import timezone

from fupin.registry.claims import claim, release
from fupin.registry.models import ImportBatch

log = logging.getLogger(__name__)
_live: dict[int, dict] = {}
_lock = threading.Lock()


def live(batch_id: int) -> dict | None:
    """{'stage', 'done', 'total'} of a batch running in this process, else None."""
    with _lock:
        return dict(_live[batch_id]) if batch_id in _live else None


def run(batch_id: int) -> ImportBatch:
    """Run one queued batch to its end (in the calling thread); failures become status 'failed'."""
    from fupin.registry.importer import run_batch

    batch = ImportBatch.objects.select_related("user", "user__region").get(pk=batch_id)

    def progress(stage: str, done: int, total: int) -> None:
        with _lock:
            _live[batch_id] = {"stage": stage, "done": done, "total": total}

    try:
        return run_batch(batch, progress=progress)
    except Exception as exc:  # the page must show an end state, whatever happened
        log.exception("import batch %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status="failed",
            finished_at=timezone.now(),
            report={"message_zh": f"导入失败：{exc}", "message_en": f"import failed: {exc}", "problems": []},
        )
        return ImportBatch.objects.get(pk=batch_id)
    finally:
        with _lock:
            _live.pop(batch_id, None)


def _thread_main(batch_id: int) -> None:
    close_old_connections()
    try:
        run(batch_id)
    finally:
        release(batch_id)  # the claim of start_import
        connections.close_all()


def start_import(batch_id: int) -> threading.Thread:
    """Start the batch (its upload already stored at batch.path) in a background thread."""
    claim(batch_id)
    try:
        ImportBatch.objects.filter(pk=batch_id).update(status="queued", stage="queued")
        t = threading.Thread(target=_thread_main, args=(batch_id,), name=f"import-{batch_id}", daemon=True)
        t.start()
    except BaseException:
        release(batch_id)
        raise
    return t
