"""A run that its process left "running" (the server stopped mid-run) is failed when a server starts, with
the reason on its page; a run a live process is computing is left alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fupin.reports import run_claims, services
from fupin.reports.models import Run


@pytest.fixture
def interrupted(county):
    """A run created by a process that is gone: running, and claimed by nobody."""
    return Run.objects.create(kind="identify", year=2024, region_code="520526000000", status="running")


def test_a_run_its_process_left_running_is_failed_at_the_start_and_says_why(interrupted, client, approver):
    assert run_claims.recover_interrupted() == [interrupted.pk]
    interrupted.refresh_from_db()
    assert interrupted.status == "failed" and interrupted.finished_at is not None
    assert "中断" in interrupted.error and "interrupted" in interrupted.error
    client.force_login(approver)
    page = client.get(reverse("reports:run_detail", args=[interrupted.pk])).content.decode()
    assert "中断" in page


def test_a_run_being_computed_is_left_alone(county, monkeypatch):
    seen = []
    real = services.execute

    def computing(run, *args, **kwargs):  # another server starts while this run is computed
        seen.append(run_claims.recover_interrupted())
        return real(run, *args, **kwargs)

    monkeypatch.setattr(services, "execute", computing)
    run = services.run_identification(None, 2024, "520526")
    assert seen == [[]] and run.status == "done"
    assert run_claims.recover_interrupted() == []  # done: nothing to recover, and its claim is gone
    assert not list(run_claims.lock_path(run.pk).parent.glob(f"run-{run.pk}.lock"))
