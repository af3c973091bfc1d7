"""The data-quality API: run, list, summary, patch — 404 outside scope, 403 for read-only roles, 422 shape."""

from datetime import date

import pytest
from factories import api_client, household, region_tree, user

from fupin.policy.services import load_defaults
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import Member

pytestmark = pytest.mark.django_db
BASE = "/api/quality"


@pytest.fixture
def setup():
    t = region_tree()
    load_defaults()
    for village, no in ((t.village_a, "A0001"), (t.village_b, "B0001")):
        hh = household(village, no)
        child = hh.members.order_by("id")[2]
        child.birth_date, child.labour = date(2016, 3, 1), "ordinary"
        child.save()
    Member.objects.filter(household__household_no="A0001", relation="spouse").update(
        id_number="52052619720302123"
    )
    op_a = user("village_operator", t.village_a)
    return {"tree": t, "op_a": op_a, "a": api_client(op_a)}


def test_run_then_list_and_summary(setup):
    a = setup["a"]
    r = a.post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert body["counts"]["DQ-C4"] == 1 and body["created"] == body["findings"] > 0
    assert (
        body["region_code"] == setup["tree"].village_a.code
        and body["user"] == "village_operator-520526001201"
    )
    assert [x["id"] for x in a.get(f"{BASE}/runs").json()] == [body["id"]]
    page = a.get(f"{BASE}/findings", {"year": 2024, "rule": "DQ-C4"}).json()
    assert page["count"] == 1 and page["items"][0]["household_no"] == "A0001"
    item = page["items"][0]
    assert (
        item["value"] == "ordinary"
        and item["message"]["en"].startswith("under 16")
        and item["status"] == "open"
    )
    summary = a.get(f"{BASE}/summary", {"year": 2024}).json()
    assert summary["total"] == body["findings"] == summary["by_status"]["open"]
    assert next(x for x in summary["rules"] if x["rule_id"] == "DQ-C4")["count"] == 1


def test_village_operator_of_a_never_sees_b(setup):
    op_b = user("village_operator", setup["tree"].village_b)
    api_client(op_b).post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    a = setup["a"]
    a.post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    b_finding = Finding.objects.filter(household__household_no="B0001").first()
    items = a.get(f"{BASE}/findings", {"year": 2024}).json()["items"]
    assert {i["household_no"] for i in items} == {"A0001"}
    missing = a.get(f"{BASE}/findings/999999").json()
    for r in (
        a.get(f"{BASE}/findings/{b_finding.pk}"),
        a.patch(f"{BASE}/findings/{b_finding.pk}", {"status": "fixed"}, content_type="application/json"),
        a.get(f"{BASE}/findings", {"region": setup["tree"].village_b.code}),
        a.get(f"{BASE}/summary", {"region": setup["tree"].village_b.code}),
        a.post(
            f"{BASE}/runs",
            {"year": 2024, "region": setup["tree"].village_b.code},
            content_type="application/json",
        ),
    ):
        assert r.status_code == 404 and r.json() == missing
    assert Finding.objects.get(pk=b_finding.pk).status == "open"
    assert a.get(f"{BASE}/runs").json()[0]["region_code"] == setup["tree"].village_a.code
    assert len(a.get(f"{BASE}/runs").json()) == 1


def test_patch_status_assignee_note(setup):
    a, op = setup["a"], setup["op_a"]
    a.post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    f = Finding.objects.get(rule_id="DQ-C4", household__household_no="A0001")
    r = a.patch(f"{BASE}/findings/{f.pk}", {"status": "explained"}, content_type="application/json")
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert (item["field"], item["code"]) == ("note", "quality.note_required")
    assert item["message"]["zh"] and item["message"]["en"] and "row" in item
    r = a.patch(
        f"{BASE}/findings/{f.pk}",
        {"status": "explained", "note": "在家务农", "assignee": op.pk},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["note"], r.json()["assignee"]) == (
        "explained",
        "在家务农",
        op.username,
    )
    r = a.patch(f"{BASE}/findings/{f.pk}", {"status": "resolved"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "quality.status"
    r = a.patch(f"{BASE}/findings/{f.pk}", {"assignee": None}, content_type="application/json")
    assert r.json()["assignee"] is None and r.json()["status"] == "explained"


def test_read_only_roles_read_but_get_403_acting(setup):
    setup["a"].post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    f = Finding.objects.get(rule_id="DQ-C4", household__household_no="A0001")
    for role in ("supervisor", "auditor", "department_officer"):
        c = api_client(user(role, setup["tree"].county))
        assert c.get(f"{BASE}/findings", {"year": 2024}).json()["count"] > 0
        r = c.post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
        assert r.status_code == 403 and r.json()["detail"][0]["code"] == "forbidden"
        r = c.patch(f"{BASE}/findings/{f.pk}", {"status": "fixed"}, content_type="application/json")
        assert r.status_code == 403
    assert QualityRun.objects.count() == 1 and Finding.objects.get(pk=f.pk).status == "open"


def test_id_numbers_masked_for_roles_without_them(setup):
    setup["a"].post(f"{BASE}/runs", {"year": 2024}, content_type="application/json")
    sup = api_client(user("supervisor", setup["tree"].county))
    item = sup.get(f"{BASE}/findings", {"year": 2024, "rule": "DQ-A1"}).json()["items"][0]
    assert item["id_number"] == item["value"] == "520526*******2123"
    item = setup["a"].get(f"{BASE}/findings", {"year": 2024, "rule": "DQ-A1"}).json()["items"][0]
    assert item["id_number"] == "52052619720302123"


def test_bad_input_is_422(setup):
    a = setup["a"]
    r = a.post(f"{BASE}/runs", {"year": 1800}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "year"
    r = a.post(f"{BASE}/runs", {"year": 2024, "region": "52x"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed"
