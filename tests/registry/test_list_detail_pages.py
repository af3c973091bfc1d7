"""The household list and detail pages: scope, search, filters, sorting, paging, masking, language."""

from datetime import date

import pytest
from django.urls import reverse
from factories import household, user

from fupin.registry.models import Change, HouseholdYear, Member, Membership


@pytest.fixture
def two_villages(tree):
    a = household(tree.village_a, "A001", status="poor", wage="9000")
    a2 = household(tree.village_a, "A002", status="exited_policy", wage="30000", main_cause="disability")
    b = household(tree.village_b, "B001", status="poor")
    return a, a2, b


@pytest.fixture
def operator_a(tree, client):
    u = user("village_operator", tree.village_a)
    client.force_login(u)
    return client


def test_list_requires_sign_in(client, tree):
    r = client.get("/registry/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_village_operator_sees_only_own_village(operator_a, two_villages):
    r = operator_a.get("/registry/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "A001" in body and "A002" in body
    assert "B001" not in body
    assert "共 2 户" in body


def test_village_operator_gets_404_for_other_village_detail(operator_a, two_villages):
    assert operator_a.get("/registry/h/B001/").status_code == 404
    assert operator_a.get("/registry/h/NOPE/").status_code == 404
    assert operator_a.get("/registry/h/A001/").status_code == 200


def test_village_operator_cannot_find_other_village_by_search(operator_a, two_villages):
    _a, _a2, b = two_villages
    for q in ("B001", b.head_name, Member.objects.filter(household=b).first().id_number):
        body = operator_a.get("/registry/", {"q": q}).content.decode()
        assert "/registry/h/B001/" not in body
        assert "共 0 户" in body
    # nor by asking for the other village's region code: refused like a missing region
    assert operator_a.get("/registry/", {"region_code": "520526002201"}).status_code == 404


def test_search_by_head_name_and_filters(operator_a, two_villages):
    a, a2, _b = two_villages
    body = operator_a.get("/registry/", {"q": a.head_name}).content.decode()
    assert "A001" in body and "A002" not in body and "共 1 户" in body
    body = operator_a.get("/registry/", {"status": "exited_policy"}).content.decode()
    assert "A002" in body and "A001" not in body
    body = operator_a.get("/registry/", {"cause": "disability"}).content.decode()
    assert "A002" in body and "A001" not in body
    # an unknown filter value is ignored, not an error
    assert operator_a.get("/registry/", {"status": "nonsense", "year": "abc"}).status_code == 200


def test_list_shows_code_labels_and_income(operator_a, two_villages):
    body = operator_a.get("/registry/").content.decode()
    assert "未脱贫" in body and "已脱贫(享受政策)" in body and "因病" in body
    assert "3,000.00" in body  # 9000 / 3


def test_sorting_by_income_descending(operator_a, two_villages):
    body = operator_a.get("/registry/", {"sort": "-income"}).content.decode()
    assert body.index("A002") < body.index("A001")
    body = operator_a.get("/registry/", {"sort": "income"}).content.decode()
    assert body.index("A001") < body.index("A002")


def test_paging_keeps_filters(tree, client):
    for i in range(55):
        household(tree.village_a, f"P{i:03d}", status="poor")
    client.force_login(user("county_approver", tree.county))
    r = client.get("/registry/", {"status": "poor"})
    body = r.content.decode()
    assert "共 55 户" in body
    assert body.count('class="badge badge-poor"') == 50
    assert "?status=poor&amp;page=2" in body
    r2 = client.get("/registry/", {"status": "poor", "page": "2"})
    assert r2.content.decode().count('class="badge badge-poor"') == 5


def test_year_defaults_to_latest(operator_a, two_villages):
    a, _a2, _b = two_villages
    HouseholdYear.objects.create(household=a, year=2025, status="exited_stable", size=3)
    body = operator_a.get("/registry/").content.decode()
    assert "共 1 户" in body and "A001" in body and "2025" in body
    body = operator_a.get("/registry/", {"year": "2024"}).content.decode()
    assert "共 2 户" in body


def test_supervisor_sees_masked_ids_and_phones(tree, client, two_villages):
    a, _a2, _b = two_villages
    client.force_login(user("supervisor", tree.county))
    head = Member.objects.get(household=a, relation="head")
    body = client.get("/registry/h/A001/").content.decode()
    masked = head.id_number[:6] + "********" + head.id_number[-4:]
    assert masked.startswith("520526") and masked in body
    assert head.id_number not in body
    assert "138****8000" in body and "13800138000" not in body
    body = client.get("/registry/").content.decode()
    assert "138****8000" in body and "13800138000" not in body


def test_operator_sees_full_ids(operator_a, two_villages):
    a, _a2, _b = two_villages
    head = Member.objects.get(household=a, relation="head")
    body = operator_a.get("/registry/h/A001/").content.decode()
    assert head.id_number in body and "13800138000" in body


def test_detail_shows_members_years_left_people_and_history(operator_a, two_villages):
    a, _a2, _b = two_villages
    child = Member.objects.filter(household=a, relation="son").first()
    ms = Membership.objects.get(member=child)
    ms.end_date, ms.end_reason = date(2024, 6, 1), "marriage"
    ms.save()
    Change.objects.create(
        action="update",
        entity="household_year",
        entity_id="1",
        household=a,
        before={"status": "poor", "wage_income": "6000.00"},
        after={"status": "exited_policy", "wage_income": "6000.00"},
        reason="年度动态调整",
    )
    body = operator_a.get("/registry/h/A001/").content.decode()
    assert a.head_name in body
    assert "户主" in body and "健康" in body  # relation and health labels
    assert 'id="left-members"' in body and "婚嫁" in body and "2024-06-01" in body
    assert 'id="years"' in body and "2024" in body
    assert "未指定" in body  # assistance cadre not assigned
    assert "年度动态调整" in body
    assert "<del>未脱贫</del> → <ins>已脱贫(享受政策)</ins>" in body
    assert "工资性收入" not in body.split('id="changes"')[1]  # unchanged fields are not listed


def test_history_masks_id_numbers_for_supervisor(tree, client, two_villages):
    a, _a2, _b = two_villages
    Change.objects.create(
        action="create",
        entity="member",
        entity_id="9",
        household=a,
        before=None,
        after={"id_number": "520526198001011234", "name": "新成员"},
    )
    client.force_login(user("supervisor", tree.county))
    body = client.get("/registry/h/A001/").content.decode()
    assert "520526********1234" in body and "520526198001011234" not in body


def test_write_buttons_only_for_writers(tree, client, two_villages):
    client.force_login(user("supervisor", tree.county))
    body = client.get("/registry/h/A001/").content.decode()
    assert reverse("registry:household_edit", args=["A001"]) not in body
    assert "/registry/import/" not in body  # nav hides import
    client.force_login(user("village_operator", tree.village_a))
    body = client.get("/registry/h/A001/").content.decode()
    assert reverse("registry:household_edit", args=["A001"]) in body
    assert "/registry/import/" in body


def test_english_page_when_language_cookie_is_en(operator_a, two_villages):
    operator_a.cookies["django_language"] = "en"
    body = operator_a.get("/registry/").content.decode()
    assert '<html lang="en">' in body
    assert "2 households" in body and "Not yet out of poverty" in body
    assert "户编号" not in body
    body = operator_a.get("/registry/h/A001/").content.decode()
    assert "Not assigned" in body


def test_chinese_is_default(operator_a, two_villages):
    body = operator_a.get("/registry/").content.decode()
    assert '<html lang="zh-CN">' in body and "户编号" in body and "扶贫监测" in body


def test_region_filter_from_the_region_browser(tree, client, two_villages):
    client.force_login(user("supervisor", None))  # nationwide: the select offers provinces and cities
    body = client.get("/registry/", {"region": tree.village_b.code}).content.decode()
    assert "共 1 户" in body and "B001" in body and "A001" not in body
    assert f'<option value="{tree.village_b.code}" selected>' in body
    body = client.get("/registry/", {"region": tree.town_a.code}).content.decode()
    assert "共 2 户" in body
    page = client.get("/registry/", {"region_code": "999"})
    body = page.content.decode()
    assert page.status_code == 200 and "行政区划代码格式错误" in body and "共 0 户" in body


def test_region_filter_cannot_widen_scope(operator_a, tree, two_villages):
    assert operator_a.get("/registry/", {"region_code": tree.county.code}).status_code == 404
    body = operator_a.get("/registry/", {"region_code": tree.village_a.code}).content.decode()
    assert "共 2 户" in body and "/registry/h/B001/" not in body


def test_region_outside_the_scope_is_404_not_an_empty_list(operator_a, tree, two_villages):
    assert operator_a.get("/registry/", {"region_code": tree.village_b.code}).status_code == 404
    assert operator_a.get("/registry/", {"region": tree.village_b.code}).status_code == 404
    assert operator_a.get("/registry/export/", {"region_code": tree.village_b.code}).status_code == 404
