"""No ID number leaks to a role that may not see it, and no region learns of another region's people:
nested history, pages, URLs, log lines, search and the refusal messages of a save."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from factories import api_client, household, id_number, user

from fupin.core.log_privacy import MaskIdNumbers, mask_ids_in
from fupin.core.privacy import mask_id
from fupin.registry.models import Household, Member

BASE = "/api/registry"


def created_with_members(client, tree, no="N0001") -> tuple[str, str]:
    head, spouse = id_number("520526", date(1975, 6, 1), True), id_number("520526", date(1977, 2, 3), False)
    body = {
        "household_no": no,
        "year": 2024,
        "region_code": tree.village_a.code,
        "household_type": "poor",
        "status": "poor",
        "main_cause": "illness",
        "phone": "13912345678",
        "members": [
            {"name": "王大", "id_number": head, "relation": "head"},
            {"name": "李二", "id_number": spouse, "relation": "spouse"},
        ],
    }
    r = client.post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 201, r.content
    return head, spouse


@pytest.mark.parametrize("role", ["supervisor", "auditor", "department_officer", "assistance_cadre"])
def test_history_masks_ids_nested_in_a_created_household(tree, role):
    writer = api_client(user("village_operator", tree.village_a))
    head, spouse = created_with_members(writer, tree)
    reader = api_client(user(role, tree.county if role != "assistance_cadre" else tree.village_a))
    r = reader.get(f"{BASE}/households/N0001/history")
    assert r.status_code == 200
    created = next(i for i in r.json()["items"] if i["action"] == "create")
    ids = [m["id_number"] for m in created["after"]["members"]]
    assert ids == [mask_id(head), mask_id(spouse)]
    assert head not in r.content.decode() and spouse not in r.content.decode()
    # the writer still sees the numbers
    mine = writer.get(f"{BASE}/households/N0001/history").json()["items"]
    assert {m["id_number"] for i in mine if i["action"] == "create" for m in i["after"]["members"]} == {
        head,
        spouse,
    }


def test_household_page_masks_disability_certificate_in_history(client, tree):
    hh = household(tree.village_a, "A0001")
    m = hh.members.get(relation="spouse")
    writer = api_client(user("village_operator", tree.village_a))
    cert = m.id_number + "42"
    r = writer.patch(
        f"{BASE}/members/{m.pk}", {"health": "disabled", "reason": "残疾证"}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    Member.objects.filter(pk=m.pk).update(disability_cert=cert)
    from fupin.registry.models import Change

    Change.objects.create(
        action="update",
        entity="member",
        entity_id=str(m.pk),
        household=hh,
        before={"disability_cert": ""},
        after={"disability_cert": cert},
        reason="证号",
    )
    sup = user("supervisor", tree.county)
    client.force_login(sup)
    page = client.get(reverse("registry:household_detail", args=["A0001"])).content.decode()
    assert cert not in page and m.id_number not in page
    assert mask_id(cert) in page


def test_member_urls_name_the_member_id_not_the_id_number(tree):
    doc = Client().get("/api/openapi.json").json()
    assert not [p for p in doc["paths"] if "id_number" in p]
    assert {
        "/api/registry/members/{member_id}",
        "/api/registry/members/{member_id}/leave",
        "/api/registry/members/{member_id}/move",
    } <= set(doc["paths"])
    hh = household(tree.village_a, "A0001")
    a = api_client(user("village_operator", tree.village_a))
    members = a.get(f"{BASE}/households/A0001/members").json()
    assert sorted(m["id"] for m in members) == sorted(hh.members.values_list("pk", flat=True))
    # the old form of the URL, with an ID number, is not a route any more
    m = hh.members.get(relation="spouse")
    r = a.patch(
        f"{BASE}/members/{m.id_number}", {"health": "chronic", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code in (404, 422)
    assert Member.objects.get(pk=m.pk).health == "healthy"


def test_household_page_links_member_changes_by_id(client, tree):
    hh = household(tree.village_a, "A0001")
    op = user("village_operator", tree.village_a)
    client.force_login(op)
    for url in (
        reverse("registry:household_detail", args=["A0001"]),
        reverse("registry:household_edit", args=["A0001"]),
    ):
        page = client.get(url).content.decode()
        for m in hh.members.all():
            assert f"/members/{m.pk}/change/" in page
            assert f"/members/{m.id_number}/" not in page


@pytest.mark.parametrize("value", ["520526198001010013", "52052619800101001X", "520526800101001"])
def test_log_lines_mask_id_numbers(value):
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/api/registry/households?q={value}",),
        None,
    )
    assert MaskIdNumbers().filter(record) is True
    assert value not in record.getMessage() and mask_id(value) in record.getMessage()
    # other numbers are left alone: a 12-digit region code, a 20-digit disability certificate body
    assert (
        mask_ids_in("region 520526001201 and 12345678901234567890")
        == "region 520526001201 and 12345678901234567890"
    )


def test_request_log_through_settings_masks_id_numbers(tree, caplog):
    from django.conf import settings

    assert "mask_ids" in settings.LOGGING["handlers"]["console"]["filters"]
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskIdNumbers) for f in h.filters)
    )
    value = id_number("520526", date(1980, 1, 1), True)
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: /x/%s/", (value,), None
    )
    for f in handler.filters:
        f.filter(record)
    assert handler.format(record).endswith(f"/x/{mask_id(value)}/")


def test_masked_role_cannot_search_by_full_id_number(tree):
    hh = household(tree.village_a, "A0001")
    wanted = hh.members.get(relation="spouse")
    sup = api_client(user("supervisor", tree.county))
    r = sup.get(f"{BASE}/households", {"year": 2024, "q": wanted.id_number})
    assert r.status_code == 200 and r.json()["count"] == 0
    # by name it still finds the household
    assert sup.get(f"{BASE}/households", {"year": 2024, "q": wanted.name}).json()["count"] == 1
    writer = api_client(user("township_reviewer", tree.town_a))
    assert writer.get(f"{BASE}/households", {"year": 2024, "q": wanted.id_number}).json()["count"] == 1


def test_creating_with_a_person_of_another_region_does_not_name_their_household(tree):
    other = household(tree.village_b, "B0001")
    foreign = other.members.get(relation="spouse").id_number
    a = api_client(user("village_operator", tree.village_a))
    body = {
        "household_no": "N0009",
        "year": 2024,
        "region_code": tree.village_a.code,
        "household_type": "poor",
        "status": "poor",
        "main_cause": "illness",
        "members": [{"name": "张三", "id_number": foreign, "relation": "head"}],
    }
    r = a.post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 422
    problem = next(p for p in r.json()["detail"] if p["code"] == "member.other_household")
    text = r.content.decode()
    assert "B0001" not in text
    assert "管辖范围以外" in problem["message"]["zh"] and "outside your region" in problem["message"]["en"]
    assert not Household.objects.filter(household_no="N0009").exists()
    # inside the region the number is named, so the operator can find the household
    household(tree.village_a, "A0002")
    inside = Member.objects.get(household__household_no="A0002", relation="spouse").id_number
    body["members"][0]["id_number"] = inside
    r = a.post(f"{BASE}/households", body, content_type="application/json")
    assert (
        "A0002"
        in next(p for p in r.json()["detail"] if p["code"] == "member.other_household")["message"]["en"]
    )


def test_person_who_left_a_household_elsewhere_cannot_be_moved_in(tree):
    from fupin.registry import services

    other = household(tree.village_b, "B0001")
    leaver = other.members.get(relation="son")
    services.end_membership(None, leaver.id_number, reason_code="marriage", on_date=date(2024, 3, 1))
    household(tree.village_a, "A0001")
    a = api_client(user("village_operator", tree.village_a))
    r = a.post(
        f"{BASE}/members/{leaver.pk}/move",
        {"to_household_no": "A0001", "relation": "son", "reason_code": "marriage", "date": "2024-05-01"},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert leaver.name not in r.content.decode()
    assert Member.objects.get(pk=leaver.pk).household_id is None
    # the region the person left may move them on
    b = api_client(user("village_operator", tree.village_b))
    household(tree.village_b, "B0002")
    r = b.post(
        f"{BASE}/members/{leaver.pk}/move",
        {"to_household_no": "B0002", "relation": "son", "reason_code": "marriage", "date": "2024-05-01"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
