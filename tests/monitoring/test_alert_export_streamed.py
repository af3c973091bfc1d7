"""A large alerts export is sent from a file in FUPIN_HOME/tmp, written a batch at a time, then removed."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.core import exports as core_exports
from fupin.monitoring import services
from fupin.policy.models import Parameter

pytestmark = pytest.mark.django_db


def _rows(body: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_streamed_alert_export_has_the_rows_of_the_small_one(client, monkeypatch):
    t = region_tree()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    for i in range(5):
        household(t.village_a, f"A{i:04d}", members=2, wage="4000")
    household(t.village_b, "B0001", members=2, wage="4000")
    services.run_batch(None, 2024)
    client.force_login(user("village_operator", t.village_a))
    small = client.get("/monitoring/alerts/export/")
    assert not small.streaming
    monkeypatch.setattr(core_exports, "INLINE_MAX_BYTES", 0)
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    big = client.get("/monitoring/alerts/export/")
    assert big.streaming and big["Content-Disposition"] == 'attachment; filename="alerts.xlsx"'
    rows = _rows(b"".join(big.streaming_content))
    assert rows == _rows(small.content)
    assert len(rows) == 6 and {r[3] for r in rows[1:]} == {f"A{i:04d}" for i in range(5)}
    assert rows[0][-1] == "说明 label" and all(r[-1] for r in rows[1:])
    assert [log.rows for log in ExportLog.objects.order_by("id")] == [5, 5]
    assert list((settings.FUPIN_HOME / "tmp").glob("export-*")) == []
