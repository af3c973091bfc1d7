"""Imports a killed server left behind: at the next start their batches are failed (zh/en) and their scratch
folders removed; batches and folders of processes still alive are left alone."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from django.urls import reverse
from factories import user
from test_import_households import good_rows

from fupin.core import scratch
from fupin.registry import claims
from fupin.registry.importer import import_households
from fupin.registry.models import ImportBatch

pytestmark = pytest.mark.django_db


def hold(path):
    """Another live process holding the lock file `path` (until killed)."""
    p = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout.readline().strip() == "held"
    return p


def test_start_up_fails_the_batches_of_a_killed_process_and_removes_its_scratch_folders(client, tree):
    operator = user("village_operator", tree.village_a)
    running = ImportBatch.objects.create(
        user=operator, filename="big.xlsx", status="running", stage="validate", done_rows=250, total_rows=1000
    )
    queued = ImportBatch.objects.create(user=operator, filename="next.xlsx", status="queued", stage="queued")
    done = ImportBatch.objects.create(user=operator, filename="old.xlsx", status="done")
    elsewhere = ImportBatch.objects.create(user=operator, filename="cli.xlsx", status="running")
    left = scratch.scratch_dir("import")
    (left / "000001.arrow").write_bytes(b"x" * 1000)
    scratch.unlock(scratch._held.pop(str(left)))  # its process is gone, and its lock with it
    other = hold(claims._lock_path(elsewhere.pk))  # `fupin import` running in another process
    try:
        claims.recover_at_start()
    finally:
        other.kill()
        other.wait()
        claims._lock_path(elsewhere.pk).unlink()  # what that process does when its import ends
    for b in (running, queued, done, elsewhere):
        b.refresh_from_db()
    assert (running.status, queued.status, done.status, elsewhere.status) == (
        "failed",
        "failed",
        "done",
        "running",
    )
    assert running.finished_at is not None and running.report["interrupted"] is True
    assert "中断" in running.report["message_zh"] and "interrupted" in running.report["message_en"]
    assert not left.exists()
    client.force_login(operator)
    html = client.get(reverse("registry:import_status", args=[running.pk])).content.decode()
    assert "导入被中断" in html and 'data-status="failed"' in html and "hx-trigger" not in html


def test_a_batch_running_in_this_process_is_not_failed(tree, tmp_path, write_xlsx, monkeypatch):
    from fupin.registry import importer

    path = write_xlsx(tmp_path / "up.xlsx", *good_rows())
    seen = {}
    real = importer._import

    def during(*args, batch, **kwargs):  # the server restarts its sweep while this import runs
        seen["failed"] = claims.recover_interrupted()
        seen["scratch"] = [p for p in scratch.root().iterdir() if p.is_dir()]
        return real(*args, batch=batch, **kwargs)

    monkeypatch.setattr(importer, "_import", during)
    batch = import_households(path)
    assert seen["failed"] == [] and batch.status == "done"
    assert not claims._lock_path(batch.pk).exists() and claims._claims == {}


def test_an_import_that_crashes_does_not_stay_running(tree, tmp_path, write_xlsx, monkeypatch):
    from fupin.registry import importer

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_import", broken)
    with pytest.raises(RuntimeError):
        import_households(write_xlsx(tmp_path / "up.xlsx", *good_rows()))
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "disk full" in batch.report["message_en"]


def test_loading_the_wsgi_application_runs_the_recovery(monkeypatch):
    from fupin.reports import run_claims

    calls = []
    monkeypatch.setattr(claims, "recover_at_start", lambda: calls.append("imports"))
    monkeypatch.setattr(run_claims, "recover_at_start", lambda: calls.append("runs"))
    import fupin.wsgi

    calls.clear()
    importlib.reload(fupin.wsgi)
    assert calls == ["imports", "runs"]


def test_the_recovery_waits_for_a_store_that_is_not_set_up(monkeypatch, caplog):
    from django.db import OperationalError

    def no_table():
        raise OperationalError("no such table: registry_importbatch")

    monkeypatch.setattr(claims, "recover_interrupted", no_table)
    claims.recover_at_start()  # no exception: `fupin serve` before `fupin init` still starts
    assert "not checked" in caplog.text
