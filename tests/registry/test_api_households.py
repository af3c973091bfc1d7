"""The registry API over households: scope (404 = missing or outside), roles (403), validation (422),
masking, the list, and the whole create → read → update → history → delete → restore cycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from factories import api_client, household, id_number, user

from fupin.registry.models import Change, Household, HouseholdYear

BASE = "/api/registry"


@pytest.fixture
def setup(tree):
    op_a = user("village_operator", tree.village_a)
    op_b = user("village_operator", tree.village_b)
    hh_a = household(tree.village_a, "A0001", members=3)
    hh_b = household(tree.village_b, "B0001", members=2)
    return {"tree": tree, "op_a": op_a, "op_b": op_b, "hh_a": hh_a, "hh_b": hh_b, "a": api_client(op_a)}


def error_codes(response) -> list[str]:
    return [e["code"] for e in response.json()["detail"]]


# --- scope -------------------------------------------------------------------------------------------


def test_village_operator_gets_404_for_other_village_household(setup):
    a = setup["a"]
    for url in (
        f"{BASE}/households/B0001",
        f"{BASE}/households/B0001/members",
        f"{BASE}/households/B0001/history",
        f"{BASE}/households/B0001/years",
    ):
        r = a.get(url)
        assert r.status_code == 404, url
        assert r.json() == a.get(f"{BASE}/households/NO-SUCH").json()  # identical: leaks nothing
    body = a.get(f"{BASE}/households/B0001").json()
    assert body["detail"][0]["code"] == "not_found"
    assert body["detail"][0]["message"]["zh"] and body["detail"][0]["message"]["en"]


def test_other_village_household_never_in_listing_or_search(setup):
    a = setup["a"]
    r = a.get(f"{BASE}/households", {"year": 2024})
    assert r.status_code == 200
    assert [i["household_no"] for i in r.json()["items"]] == ["A0001"]
    assert r.json()["count"] == 1
    b_id = setup["hh_b"].members.first().id_number
    assert a.get(f"{BASE}/households", {"q": b_id}).json()["items"] == []
    assert a.get(f"{BASE}/households", {"q": "B0001"}).json()["count"] == 0
    # the owner finds it by the same ID number
    b = api_client(setup["op_b"])
    assert [i["household_no"] for i in b.get(f"{BASE}/households", {"q": b_id}).json()["items"]] == ["B0001"]


def test_region_filter_cannot_widen_scope(setup):
    assert setup["a"].get(f"{BASE}/households", {"region": setup["tree"].county.code}).status_code == 404
    r = setup["a"].get(f"{BASE}/households", {"region": setup["tree"].village_a.code})
    assert [i["household_no"] for i in r.json()["items"]] == ["A0001"]
    r = setup["a"].get(f"{BASE}/households", {"region": setup["tree"].village_b.code})
    assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found"
    r = setup["a"].get(f"{BASE}/households", {"region": "999"})
    assert r.status_code == 422 and error_codes(r) == ["region.malformed"]


def test_operator_cannot_write_other_village_household(setup):
    a = setup["a"]
    r = a.patch(
        f"{BASE}/households/B0001",
        {"status": "exited_policy", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert a.delete(f"{BASE}/households/B0001?reason=x").status_code == 404
    assert HouseholdYear.objects.get(household=setup["hh_b"]).status == "poor"
    assert not Household.objects.get(household_no="B0001").is_deleted


# --- roles and masking --------------------------------------------------------------------------------


def test_supervisor_put_is_403_and_changes_nothing(setup):
    sup = api_client(user("supervisor", setup["tree"].county))
    r = sup.put(
        f"{BASE}/households/A0001",
        {"year": 2024, "status": "exited_policy", "reason": "check"},
        content_type="application/json",
    )
    assert r.status_code == 403
    detail = r.json()["detail"][0]
    assert detail["code"] == "forbidden"
    assert detail["message"]["zh"] == "您的角色无此权限"
    assert detail["message"]["en"].startswith("your role may not do this")
    assert HouseholdYear.objects.get(household=setup["hh_a"]).status == "poor"
    assert not Change.objects.exists()
    assert sup.delete(f"{BASE}/households/A0001?reason=x").status_code == 403
    assert not Household.objects.get(household_no="A0001").is_deleted


def test_supervisor_sees_masked_id_and_phone_numbers(setup):
    sup = api_client(user("supervisor", setup["tree"].county))
    real_id = setup["hh_a"].members.get(relation="head").id_number
    detail = sup.get(f"{BASE}/households/A0001").json()
    head = next(m for m in detail["members"] if m["relation"] == "head")
    assert head["id_number"] == real_id[:6] + "********" + real_id[-4:]
    assert detail["phone"] == "138****8000"
    listing = sup.get(f"{BASE}/households").json()
    assert {i["phone"] for i in listing["items"]} == {"138****8000"}
    assert real_id not in sup.get(f"{BASE}/households/A0001/members").content.decode()
    # the operator of the village sees them whole
    full = setup["a"].get(f"{BASE}/households/A0001").json()
    assert real_id in [m["id_number"] for m in full["members"]]
    assert full["phone"] == "13800138000"


# --- reads ----------------------------------------------------------------------------------------------


def test_detail_has_members_years_and_labels(setup):
    d = setup["a"].get(f"{BASE}/households/A0001").json()
    assert d["village"] == {"code": "520526001201", "name": "石板村"}
    assert len(d["members"]) == 3
    assert [y["year"] for y in d["years"]] == [2024]
    y = d["years"][0]
    assert y["status"] == "poor" and y["status_label"] == {"zh": "未脱贫", "en": "Not yet out of poverty"}
    assert y["main_cause_label"] == {"zh": "因病", "en": "Illness"}
    assert Decimal(y["net_income_per_capita"]) == Decimal("2000.00")
    head = next(m for m in d["members"] if m["relation"] == "head")
    assert head["relation_label"] == {"zh": "户主", "en": "Head"}


def test_list_filters_order_and_pages(setup, tree):
    household(tree.village_a2, "A0002", status="exited_policy", main_cause="disability")
    household(tree.village_a, "A0003", status="poor", main_cause="schooling")
    county = api_client(user("county_approver", tree.county))
    got = county.get(f"{BASE}/households", {"status": "poor"}).json()
    assert [i["household_no"] for i in got["items"]] == ["A0001", "A0003", "B0001"]
    got = county.get(f"{BASE}/households", {"status": "未脱贫", "order": "-household_no"}).json()
    assert [i["household_no"] for i in got["items"]] == ["B0001", "A0003", "A0001"]
    got = county.get(f"{BASE}/households", {"cause": "disability"}).json()
    assert [i["household_no"] for i in got["items"]] == ["A0002"]
    got = county.get(f"{BASE}/households", {"page": 2, "page_size": 2}).json()
    assert (
        got["count"] == 4
        and got["page"] == 2
        and [i["household_no"] for i in got["items"]] == ["A0003", "B0001"]
    )
    r = county.get(f"{BASE}/households", {"status": "rich"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "status"
    assert county.get(f"{BASE}/households", {"order": "password"}).status_code == 422


def test_listing_a_page_does_not_query_per_row(setup, tree, django_assert_max_num_queries):
    for i in range(30):
        household(tree.village_a, f"A1{i:03d}", members=2)
    a = setup["a"]
    with django_assert_max_num_queries(6):  # auth (2) + latest year + page + count
        r = a.get(f"{BASE}/households", {"page_size": 100})
    assert len(r.json()["items"]) == 31
    with django_assert_max_num_queries(6):  # auth (2) + household + members + years
        a.get(f"{BASE}/households/A1000")


# --- writes --------------------------------------------------------------------------------------------


def new_household(tree, no="N0001") -> dict:
    return {
        "household_no": no,
        "year": 2024,
        "region_code": tree.village_a.code,
        "household_type": "poor",
        "status": "poor",
        "main_cause": "因病",
        "other_causes": ["no_skill"],
        "wage_income": "9000",
        "transfer_income": 1200.5,
        "phone": "13912345678",
        "water_safe": True,
        "members": [
            {
                "name": "王大",
                "id_number": id_number("520526", date(1975, 6, 1), True),
                "relation": "head",
                "health": "healthy",
                "labour": "ordinary",
                "medical_insurance": True,
            },
            {"name": "李二", "id_number": id_number("520526", date(1977, 2, 3), False), "relation": "配偶"},
        ],
    }


def test_create_get_update_history_delete_restore(setup):
    a, tree = setup["a"], setup["tree"]
    body = new_household(tree)
    r = a.post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["head_name"] == "王大" and d["size"] == 2
    assert d["years"][0]["main_cause"] == "illness" and d["years"][0]["other_causes"] == ["no_skill"]
    assert Decimal(d["years"][0]["net_income"]) == Decimal("10200.50")
    assert Decimal(d["years"][0]["net_income_per_capita"]) == Decimal("5100.25")
    assert {m["relation"] for m in d["members"]} == {"head", "spouse"}

    # the same number again is refused
    r = a.post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 422 and error_codes(r) == ["household.exists"]

    assert a.get(f"{BASE}/households/N0001").json()["years"][0]["water_safe"] is True

    # PATCH changes only what is given, and needs a reason
    r = a.patch(
        f"{BASE}/households/N0001",
        {"status": "exited_policy", "exit_year": 2024},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = a.patch(
        f"{BASE}/households/N0001",
        {"status": "exited_policy", "exit_year": 2024, "reason": "验收通过"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    y = r.json()["years"][0]
    assert y["status"] == "exited_policy" and y["exit_year"] == 2024 and y["main_cause"] == "illness"
    assert Decimal(y["wage_income"]) == Decimal("9000.00")

    # PUT replaces the yearly record: what is not given becomes blank
    r = a.put(
        f"{BASE}/households/N0001",
        {"year": 2024, "status": "exited_policy", "reason": "重填"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    y = r.json()["years"][0]
    assert y["main_cause"] == "" and Decimal(y["wage_income"]) == 0

    hist = a.get(f"{BASE}/households/N0001/history").json()
    reasons = [c["reason"] for c in hist["items"]]
    assert "验收通过" in reasons and "重填" in reasons
    update = next(c for c in hist["items"] if c["reason"] == "验收通过" and c["entity"] == "household_year")
    assert update["user"] == setup["op_a"].username
    assert update["action"] == "update" and update["action_label"] == {"zh": "修改", "en": "Updated"}
    assert update["after"]["status"] == "exited_policy" and update["before"]["status"] == "poor"
    # one "create" for the new household (its members and yearly record inside) + the two updates
    assert hist["count"] == len(hist["items"]) == 3
    created = next(c for c in hist["items"] if c["action"] == "create")
    assert created["entity"] == "household" and created["before"] is None
    assert [y["year"] for y in created["after"]["years"]] == [2024] and created["after"]["members"]

    # delete needs a reason; deleted households leave the list and 404, history stays
    assert a.delete(f"{BASE}/households/N0001").status_code == 422
    r = a.delete(f"{BASE}/households/N0001?reason=重复登记")
    assert r.status_code == 200 and r.json() == {"household_no": "N0001", "is_deleted": True}
    assert a.get(f"{BASE}/households/N0001").status_code == 404
    assert "N0001" not in [i["household_no"] for i in a.get(f"{BASE}/households").json()["items"]]
    assert a.get(f"{BASE}/households/N0001/history").json()["items"][0]["action"] == "delete"
    r = a.post(f"{BASE}/households/N0001/restore", {"reason": "误删"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["is_deleted"] is False
    assert a.get(f"{BASE}/households/N0001").status_code == 200


def test_validation_error_is_422_with_field_code_and_both_languages(setup):
    body = new_household(setup["tree"], "N0002")
    bad = body["members"][0]["id_number"]
    body["members"][0]["id_number"] = bad[:17] + ("0" if bad[17] != "0" else "1")
    body["status"] = "很穷"
    r = setup["a"].post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 422
    detail = {e["code"]: e for e in r.json()["detail"]}
    assert detail["id.checksum"]["field"] == "id_number"
    assert detail["id.checksum"]["sheet"] == "成员" and detail["id.checksum"]["row"] == 1
    assert detail["id.checksum"]["message"]["zh"].startswith("证件号码校验位错误")
    assert detail["id.checksum"]["message"]["en"].startswith("the ID number's check digit is wrong")
    assert detail["code.unknown"]["field"] == "status" and detail["code.unknown"]["value"] == "很穷"
    assert not Household.objects.filter(household_no="N0002").exists()


def test_create_in_other_village_is_refused(setup):
    body = new_household(setup["tree"], "N0003")
    body["region_code"] = setup["tree"].village_b.code
    r = setup["a"].post(f"{BASE}/households", body, content_type="application/json")
    assert r.status_code == 422 and "scope.region" in error_codes(r)
    assert not Household.objects.filter(household_no="N0003").exists()


def test_malformed_body_gets_the_same_error_shape(setup):
    r = setup["a"].post(
        f"{BASE}/households", {"household_no": "X", "year": "soon"}, content_type="application/json"
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert {"year", "region_code", "members"} <= fields
    assert all(e["message"]["zh"] and e["message"]["en"] for e in r.json()["detail"])


def test_yearly_records_put_and_delete(setup):
    a = setup["a"]
    r = a.put(
        f"{BASE}/households/A0001/years/2023",
        {"status": "poor", "wage_income": "3000", "reason": "补录"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["year"] == 2023 and Decimal(r.json()["net_income_per_capita"]) == Decimal("1000.00")
    assert [y["year"] for y in a.get(f"{BASE}/households/A0001/years").json()] == [2024, 2023]
    r = a.delete(f"{BASE}/households/A0001/years/2023?reason=录错")
    assert r.status_code == 200 and r.json()["is_deleted"] is True
    assert [y["year"] for y in a.get(f"{BASE}/households/A0001/years").json()] == [2024]
    assert a.delete(f"{BASE}/households/A0001/years/2019?reason=x").status_code == 404
    assert a.delete(f"{BASE}/households/B0001/years/2024?reason=x").status_code == 404


def test_unauthenticated_is_401(db):
    r = Client().get(f"{BASE}/households")
    assert r.status_code == 401
    assert r.json()["detail"][0]["code"] == "unauthenticated"
    assert Client().post(f"{BASE}/households", {}, content_type="application/json").status_code == 401


def test_unexpected_error_is_500_in_the_same_shape(setup, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("fupin.registry.selectors.latest_year", boom)
    r = setup["a"].get(f"{BASE}/households")
    assert r.status_code == 500
    assert r.json()["detail"][0]["code"] == "server_error"
    assert "disk on fire" not in r.content.decode()
