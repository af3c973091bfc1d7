"""The registry API over members: add, correct, leave, move — scoped, validated, with history."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from factories import api_client, household, id_number, user

from fupin.registry.models import Change, HouseholdYear, Member, Membership

BASE = "/api/registry"


@pytest.fixture
def setup(tree):
    op_a = user("village_operator", tree.village_a)
    hh_a = household(tree.village_a, "A0001", members=3)
    hh_a2 = household(tree.village_a, "A0002", members=2)
    hh_b = household(tree.village_b, "B0001", members=2)
    return {"tree": tree, "op_a": op_a, "hh_a": hh_a, "hh_a2": hh_a2, "hh_b": hh_b, "a": api_client(op_a)}


def post(c: Client, url: str, body: dict):
    return c.post(url, body, content_type="application/json")


def test_add_member_updates_size_and_per_capita_income(setup):
    a = setup["a"]
    new_id = id_number("520526", date(2023, 3, 1), False)
    r = post(
        a,
        f"{BASE}/households/A0001/members",
        {"name": "新生儿", "id_number": new_id, "relation": "之女", "reason": "出生"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["relation"] == "daughter" and r.json()["sex"] == "2"
    assert r.json()["birth_date"] == "2023-03-01" and r.json()["household_no"] == "A0001"
    members = a.get(f"{BASE}/households/A0001/members").json()
    assert len(members) == 4 and new_id in [m["id_number"] for m in members]
    year = HouseholdYear.objects.get(household=setup["hh_a"], year=2024)
    assert year.size == 4 and str(year.net_income_per_capita) == "1500.00"
    assert Membership.objects.filter(member__id_number=new_id, household=setup["hh_a"]).exists()
    assert Change.objects.filter(entity="member", action="create", reason="出生").count() == 1


def test_add_second_head_or_existing_member_is_422(setup):
    a = setup["a"]
    r = post(
        a,
        f"{BASE}/households/A0001/members",
        {"name": "另一户主", "id_number": id_number("520526", date(1960, 1, 1), True), "relation": "head"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "household.many_heads"
    existing = setup["hh_a"].members.get(relation="spouse")
    r = post(
        a,
        f"{BASE}/households/A0001/members",
        {"name": existing.name, "id_number": existing.id_number, "relation": "spouse"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "member.exists"
    other = setup["hh_a2"].members.get(relation="spouse")
    r = post(
        a,
        f"{BASE}/households/A0001/members",
        {"name": other.name, "id_number": other.id_number, "relation": "spouse"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "member.other_household"
    assert setup["hh_a"].members.count() == 3


def test_add_member_to_other_village_is_404(setup):
    r = post(
        setup["a"],
        f"{BASE}/households/B0001/members",
        {"name": "x", "id_number": id_number("520526", date(2020, 1, 1), True), "relation": "son"},
    )
    assert r.status_code == 404
    assert setup["hh_b"].members.count() == 2


def test_patch_member_corrects_attributes_with_reason(setup):
    a = setup["a"]
    spouse = setup["hh_a"].members.get(relation="spouse")
    url = f"{BASE}/members/{spouse.pk}"
    r = a.patch(url, {"health": "慢性病"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason"
    r = a.patch(
        url, {"health": "慢性病", "labour": "weak", "reason": "入户核实"}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["health"] == "chronic" and r.json()["labour"] == "weak"
    assert r.json()["health_label"] == {"zh": "长期慢性病", "en": "Long-term chronic illness"}
    spouse.refresh_from_db()
    assert (spouse.health, spouse.labour, spouse.relation, spouse.name) == (
        "chronic",
        "weak",
        "spouse",
        spouse.name,
    )
    change = Change.objects.get(entity="member", reason="入户核实")
    assert change.before == {"health": "healthy", "labour": "ordinary"}
    assert change.after == {"health": "chronic", "labour": "weak"}


def test_patch_member_bad_value_and_out_of_scope(setup):
    a = setup["a"]
    spouse = setup["hh_a"].members.get(relation="spouse")
    r = a.patch(
        f"{BASE}/members/{spouse.pk}", {"relation": "之子", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["code"] == "relation.sex"
    assert r.json()["detail"][0]["message"]["en"].startswith("the relation to the head is for a man")
    b_member = setup["hh_b"].members.first()
    r = a.patch(
        f"{BASE}/members/{b_member.pk}", {"health": "chronic", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 404
    b_member.refresh_from_db()
    assert b_member.health == "healthy"


def test_supervisor_cannot_correct_member(setup):
    sup = api_client(user("supervisor", setup["tree"].county))
    spouse = setup["hh_a"].members.get(relation="spouse")
    r = sup.patch(
        f"{BASE}/members/{spouse.pk}", {"health": "chronic", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert Member.objects.get(pk=spouse.pk).health == "healthy"


def test_member_leaves_household(setup):
    a = setup["a"]
    son = setup["hh_a"].members.get(relation="son")
    r = post(
        a, f"{BASE}/members/{son.pk}/leave", {"reason_code": "marriage", "date": "2024-05-01", "note": "入赘"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["household_no"] is None
    assert len(a.get(f"{BASE}/households/A0001/members").json()) == 2
    period = Membership.objects.get(member=son, household=setup["hh_a"])
    assert period.end_date == date(2024, 5, 1) and period.end_reason == "marriage"
    assert HouseholdYear.objects.get(household=setup["hh_a"], year=2024).size == 2
    r = post(a, f"{BASE}/members/{son.pk}/leave", {"reason_code": "marriage", "date": "2024-05-01"})
    assert r.status_code == 404  # no longer anyone's member here
    head = setup["hh_a2"].members.get(relation="head")
    r = post(a, f"{BASE}/members/{head.pk}/leave", {"reason_code": "move", "date": "2024-05-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "household.head_leaving"
    r = post(a, f"{BASE}/members/{head.pk}/leave", {"reason_code": "holiday", "date": "2024-05-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason_code"


def test_member_moves_between_households(setup):
    a = setup["a"]
    daughter = setup["hh_a"].members.get(relation="son")  # the factory's first child is a son
    body = {"to_household_no": "A0002", "relation": "之子", "reason_code": "split", "date": "2024-06-01"}
    r = post(a, f"{BASE}/members/{daughter.pk}/move", body)
    assert r.status_code == 200, r.content
    assert r.json()["household_no"] == "A0002" and r.json()["relation"] == "son"
    daughter.refresh_from_db()
    assert daughter.household_id == setup["hh_a2"].pk
    assert setup["hh_a"].members.count() == 2 and setup["hh_a2"].members.count() == 3
    assert Change.objects.filter(action="move", household=setup["hh_a2"]).count() == 1
    assert a.get(f"{BASE}/households/A0002/history").json()["items"][0]["action"] == "move"
    # into another village's household: 404, nothing moves
    r = post(a, f"{BASE}/members/{daughter.pk}/move", {**body, "to_household_no": "B0001"})
    assert r.status_code == 404
    r = post(a, f"{BASE}/members/{daughter.pk}/move", {**body, "relation": "表亲"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "relation"
    assert Member.objects.get(pk=daughter.pk).household_id == setup["hh_a2"].pk


def test_history_masks_id_numbers_for_supervisor(setup):
    a = setup["a"]
    new_id = id_number("520526", date(2022, 3, 1), True)
    assert (
        post(
            a,
            f"{BASE}/households/A0001/members",
            {"name": "新生儿", "id_number": new_id, "relation": "son", "reason": "出生"},
        ).status_code
        == 201
    )
    sup = api_client(user("supervisor", setup["tree"].county))
    body = sup.get(f"{BASE}/households/A0001/history").content.decode()
    assert new_id not in body and new_id[:6] + "********" + new_id[-4:] in body
    assert new_id in a.get(f"{BASE}/households/A0001/history").content.decode()
