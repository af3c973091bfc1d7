"""A large findings export is sent from a file in FUPIN_HOME/tmp, written a batch at a time, then removed."""

import io
from datetime import date

import openpyxl
import pytest
from django.conf import settings
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.core import exports as core_exports
from fupin.policy.services import load_defaults
from fupin.quality import exports, services
from fupin.registry.models import Member

pytestmark = pytest.mark.django_db


def _sheets(body: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(body))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_streamed_findings_export_is_the_small_one_masked_and_logged(client, monkeypatch):
    t = region_tree()
    load_defaults()
    for i in range(4):
        hh = household(t.village_a, f"A{i:04d}")
        Member.objects.filter(pk=hh.members.order_by("id")[2].pk).update(
            birth_date=date(2016, 3, 1), labour="ordinary"
        )
    services.run_quality(None, 2024)
    client.force_login(user("supervisor", t.county))
    small = client.get("/quality/export/", {"year": 2024})
    assert not small.streaming
    monkeypatch.setattr(core_exports, "INLINE_MAX_BYTES", 0)
    monkeypatch.setattr(exports, "BATCH_ROWS", 1)
    big = client.get("/quality/export/", {"year": 2024})
    assert big.streaming and big["Content-Disposition"].startswith('attachment; filename="quality-2024-')
    sheets = _sheets(b"".join(big.streaming_content))
    assert sheets == _sheets(small.content)
    findings = [dict(zip(sheets["问题清单"][0], r, strict=True)) for r in sheets["问题清单"][1:]]
    assert len(findings) >= 4 and {f["户编号"] for f in findings} == {f"A{i:04d}" for i in range(4)}
    assert all("*" in f["证件号码"] for f in findings if f["证件号码"])  # a supervisor sees them masked
    logs = list(ExportLog.objects.order_by("id"))
    assert [log.rows for log in logs] == [len(findings)] * 2 and all(log.masked for log in logs)
    assert list((settings.FUPIN_HOME / "tmp").glob("export-*")) == []
