"""A large household export is sent from a file in FUPIN_HOME/tmp (read a batch at a time, written in
constant memory) and that file is removed after: the same workbook, masking and log as a small one."""

import io

import polars as pl
import pytest
from django.conf import settings
from factories import household, user

from fupin.accounts.models import ExportLog
from fupin.core import exports as core_exports
from fupin.registry import exports


@pytest.fixture
def households(tree):
    return [household(tree.village_a, f"A{i:03d}", status="poor", members=3) for i in range(7)] + [
        household(tree.village_b, "B001", status="exited_policy")
    ]


def _body(r) -> bytes:
    # the test client closes the response (as a server does) once its streamed body has been read
    return b"".join(r.streaming_content) if r.streaming else r.content


def _leftovers() -> list:
    return list((settings.FUPIN_HOME / "tmp").glob("export-*"))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_streamed_export_is_the_small_export_sent_from_a_removed_file(
    tree, client, households, monkeypatch, fmt
):
    client.force_login(user("county_approver", tree.county))
    small = client.get("/registry/export/", {"format": fmt})
    assert not small.streaming
    monkeypatch.setattr(core_exports, "INLINE_MAX_BYTES", 0)
    monkeypatch.setattr(exports, "BATCH_ROWS", 3)  # several batches for 8 households and 24 members
    big = client.get("/registry/export/", {"format": fmt})
    assert big.streaming and big["Content-Disposition"].startswith('attachment; filename="households-2024-')
    a, b = _body(small), _body(big)
    if fmt == "csv":
        assert a == b and a.startswith("\ufeff".encode())
    else:
        sa = pl.read_excel(io.BytesIO(a), sheet_id=0, infer_schema_length=0)
        sb = pl.read_excel(io.BytesIO(b), sheet_id=0, infer_schema_length=0)
        assert list(sb) == ["户", "成员"] and sb["户"].height == 8 and sb["成员"].height == 24
        for name in ("户", "成员"):
            assert sb[name].sort(sb[name].columns).equals(sa[name].sort(sa[name].columns))
    assert _leftovers() == []
    assert [log.rows for log in ExportLog.objects.order_by("id")] == [8, 8]


def test_streamed_export_is_masked_for_a_supervisor(tree, client, households, monkeypatch):
    monkeypatch.setattr(core_exports, "INLINE_MAX_BYTES", 0)
    client.force_login(user("supervisor", tree.county))
    r = client.get("/registry/export/")
    assert r.streaming
    sheets = pl.read_excel(io.BytesIO(_body(r)), sheet_id=0, infer_schema_length=0)
    ids = sheets["成员"]["证件号码"].to_list()
    assert len(ids) == 24 and all(i[6:14] == "********" for i in ids)
    assert set(sheets["户"]["联系电话"].to_list()) == {"138****8000"}
    assert ExportLog.objects.get().masked is True
    assert _leftovers() == []


def test_an_export_that_fails_leaves_no_file_and_no_log(tree, client, households, monkeypatch):
    def broken(rows, size=10):
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "member_frames", broken)
    client.force_login(user("county_approver", tree.county))
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.get("/registry/export/")
    assert _leftovers() == [] and not ExportLog.objects.exists()
