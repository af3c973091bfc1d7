"""A large export-log download is sent from a file in FUPIN_HOME/tmp, then removed; itself logged."""

import pytest
from django.conf import settings
from factories import region_tree, user

from fupin.accounts.models import ExportLog
from fupin.core import exports as core_exports

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_streamed_export_log_download(client, monkeypatch, fmt):
    t = region_tree()
    approver = user("county_approver", t.county)
    for i in range(5):
        ExportLog.objects.create(
            user=approver, kind="households.xlsx", channel="web", filters={"i": i}, rows=i
        )
    client.force_login(approver)
    small = client.get(f"/accounts/exports/export_log.{fmt}")
    assert small.status_code == 200 and not small.streaming
    monkeypatch.setattr(core_exports, "INLINE_MAX_BYTES", 0)
    big = client.get(f"/accounts/exports/export_log.{fmt}")
    assert big.streaming and big["Content-Disposition"] == f'attachment; filename="export_log.{fmt}"'
    body = b"".join(big.streaming_content)
    if fmt == "csv":
        # the second download lists the first one too
        assert body.startswith("\ufeff".encode()) and body.decode("utf-8-sig").count("\n") == 1 + 6
    logs = ExportLog.objects.filter(kind=f"accounts.export_log.{fmt}").order_by("id")
    assert [log.rows for log in logs] == [5, 6]
    assert list((settings.FUPIN_HOME / "tmp").glob("export-*")) == []
