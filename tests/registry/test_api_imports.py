"""The import endpoints: upload a workbook, follow the batch, download the errors; own batches only."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from factories import api_client, id_number, user

from fupin.registry.models import Household, ImportBatch, Member

BASE = "/api/registry"


@pytest.fixture
def workbook(tree, write_xlsx, tmp_path):
    """Two households of village A; the second has a member with a wrong check digit."""
    good_head = id_number("520526", date(1970, 1, 1), True)
    bad = id_number("520526", date(1972, 1, 1), True)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    households = [
        {
            "household_no": "I0001",
            "region_code": tree.village_a.code,
            "status": "未脱贫",
            "household_type": "贫困户",
            "main_cause": "因病",
            "wage_income": "8,000",
        },
        {"household_no": "I0002", "region_code": tree.village_a.code, "status": "未脱贫"},
    ]
    members = [
        {"household_no": "I0001", "name": "张三", "id_number": good_head, "relation": "户主"},
        {"household_no": "I0002", "name": "李四", "id_number": bad, "relation": "户主"},
    ]
    path = write_xlsx(tmp_path / "households.xlsx", households, members)
    return {"bytes": path.read_bytes(), "good_head": good_head, "bad": bad}


def upload(c: Client, data: bytes, *, query: str = "?wait=true", **form):
    f = SimpleUploadedFile(
        "建档立卡.xlsx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return c.post(f"{BASE}/imports{query}", {"file": f, **form})


def test_rejected_import_saves_nothing_and_reports_problems(tree, workbook):
    op = api_client(user("village_operator", tree.village_a))
    r = upload(op, workbook["bytes"], year="2024")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "rejected" and body["status_label"] == {"zh": "已拒绝", "en": "Rejected"}
    assert body["year"] == 2024 and body["filename"] == "建档立卡.xlsx"
    problem = next(p for p in body["problems"] if p["code"] == "id.checksum")
    assert problem["row"] == 3 and problem["sheet"] == "成员" and problem["household_no"] == "I0002"
    assert problem["field"] == "id_number" and problem["value"] == workbook["bad"]
    assert problem["message"]["zh"].startswith("证件号码校验位错误")
    assert body["report"]["counts"]["households_rejected"] == 1
    assert not Household.objects.filter(household_no__in=["I0001", "I0002"]).exists()
    # the errors workbook holds the rejected row with its reason
    r = op.get(f"{BASE}/imports/{body['id']}/errors.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(BytesIO(b"".join(r.streaming_content)))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert workbook["bad"] in text and "校验位" in text


def test_skip_invalid_saves_the_valid_households(tree, workbook):
    op = api_client(user("village_operator", tree.village_a))
    r = upload(op, workbook["bytes"], year="2024", skip_invalid="true")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "done" and body["done"] == body["total"] > 0
    assert list(Household.objects.values_list("household_no", flat=True)) == ["I0001"]
    assert Member.objects.get(id_number=workbook["good_head"]).household.household_no == "I0001"
    got = op.get(f"{BASE}/households/I0001").json()
    assert got["years"][0]["year"] == 2024 and got["years"][0]["wage_income"] == "8000.00"
    assert op.get(f"{BASE}/imports/{body['id']}").json()["status"] == "done"


def test_import_runs_in_background_by_default(tree, workbook, monkeypatch):
    started = []
    monkeypatch.setattr("fupin.registry.jobs.start_import", started.append)
    op_user = user("village_operator", tree.village_a)
    r = upload(api_client(op_user), workbook["bytes"], query="", year="2024")
    assert r.status_code == 202, r.content
    batch = ImportBatch.objects.get(pk=r.json()["id"])
    assert started == [batch.id]
    assert batch.user == op_user and batch.year == 2024 and batch.path.endswith("建档立卡.xlsx")
    with open(batch.path, "rb") as f:
        assert f.read() == workbook["bytes"]


def test_user_sees_only_own_batches(tree, workbook):
    op_a = user("village_operator", tree.village_a)
    batch_id = upload(api_client(op_a), workbook["bytes"], year="2024").json()["id"]
    other = api_client(user("village_operator", tree.village_a, "another-operator"))
    assert other.get(f"{BASE}/imports/{batch_id}").status_code == 404
    assert other.get(f"{BASE}/imports/{batch_id}/errors.xlsx").status_code == 404
    assert other.get(f"{BASE}/imports").json() == []
    admin = api_client(user("system_admin", None))
    assert admin.get(f"{BASE}/imports/{batch_id}").json()["status"] == "rejected"


def test_read_only_role_cannot_import(tree, workbook):
    sup = api_client(user("supervisor", tree.county))
    r = upload(sup, workbook["bytes"], year="2024")
    assert r.status_code == 403
    assert not ImportBatch.objects.exists()


def test_import_out_of_scope_village_is_rejected(tree, workbook):
    op_b = api_client(user("village_operator", tree.village_b))
    body = upload(op_b, workbook["bytes"], year="2024", skip_invalid="true").json()
    assert {p["code"] for p in body["problems"]} >= {"scope.region"}
    assert not Household.objects.exists()


def test_unreadable_file_is_rejected_with_a_message(tree):
    op = api_client(user("village_operator", tree.village_a))
    body = upload(op, b"not a workbook").json()
    assert body["status"] == "rejected"
    assert body["report"]["bad_file"] is True
    assert body["report"]["message_zh"] and body["report"]["message_en"]
