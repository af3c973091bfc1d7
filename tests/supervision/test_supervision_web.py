"""Supervision pages and API: what each role sees and may do, in Chinese and English, 404 outside the region."""

from datetime import date, timedelta

import pytest
from factories import api_client, assert_edit_conflict, region, user

from fupin.supervision.models import SupervisionItem, SupervisionVisit

YEAR = 2024  # the year of the conftest county
FUTURE = date.today() + timedelta(days=60)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_county_approver_lists_from_the_proposal_page(client, county, approver, supervisor, lang):
    client.cookies["django_language"] = lang
    client.force_login(approver)
    r = client.get(f"/supervision/proposal/?year={YEAR}")
    body = r.content.decode()
    assert r.status_code == 200 and f'value="{county.village_a.code}"' in body
    assert ("未摘帽（出列）且仍有贫困人口" if lang == "zh-hans" else "poor people remain") in body
    r = client.post(
        "/supervision/proposal/",
        {"year": YEAR, "regions": [county.village_a.code], "supervisor": "supervisor", "deadline": FUTURE},
    )
    assert r.status_code == 302 and r["Location"] == "/supervision/"
    it = SupervisionItem.objects.get()
    assert it.listed_by == approver and it.supervisor == supervisor
    body = client.get("/supervision/").content.decode()
    assert county.village_a.name in body and ("督战中" if lang == "zh-hans" else "Under supervision") in body


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_bad_listing_shows_the_problem_in_the_language_and_saves_nothing(client, county, approver, lang):
    client.cookies["django_language"] = lang
    client.force_login(approver)
    r = client.post(
        "/supervision/proposal/",
        {
            "year": YEAR,
            "regions": [county.village_a2.code],
            "supervisor": "approver",
            "deadline": "2000-01-01",
        },
    )
    body = r.content.decode()
    assert r.status_code == 422
    if lang == "zh-hans":
        assert "督战期限不能早于今天" in body and "deadline cannot" not in body
    else:
        assert "the deadline cannot be in the past" in body and "督战期限" not in body
    assert not SupervisionItem.objects.exists()


def test_operator_reads_but_may_not_list_visit_or_close(client, county, operator, item):
    client.force_login(operator)
    assert client.get("/supervision/").status_code == 200
    body = client.get("/supervision/proposal/").content.decode()
    assert 'id="list-form"' in body and 'name="regions"' not in body
    r = client.post("/supervision/proposal/", {"year": YEAR, "regions": [county.village_a.code]})
    assert r.status_code == 403 and "挂牌督战" in r.content.decode()
    body = client.get(f"/supervision/{item.pk}/").content.decode()
    assert 'id="visit-form"' not in body and 'id="close-form"' not in body
    assert client.post(f"/supervision/{item.pk}/visits/", {"findings": "x"}).status_code == 403
    client.post(f"/supervision/{item.pk}/close/", {"note": "x", "override": "on"})
    item.refresh_from_db()
    assert item.status == "open" and not SupervisionVisit.objects.exists()


def test_supervisor_records_a_visit_on_the_item_page(client, supervisor, item):
    client.force_login(supervisor)
    body = client.get(f"/supervision/{item.pk}/").content.decode()
    assert 'id="visit-form"' in body and 'id="close-form"' not in body
    r = client.post(
        f"/supervision/{item.pk}/visits/",
        {"visited_on": date.today().isoformat(), "findings": "两户收入不稳", "actions": "落实就业"},
    )
    assert r.status_code == 302
    assert "两户收入不稳" in client.get(f"/supervision/{item.pk}/").content.decode()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_closing_on_the_page_is_refused_while_flagged_then_overridden(client, approver, item, lang):
    client.cookies["django_language"] = lang
    client.force_login(approver)
    version = f"t{int(item.updated_at.timestamp() * 1_000_000)}"
    r = client.post(f"/supervision/{item.pk}/close/", {"note": "x", "version": version}, follow=True)
    assert (
        "规则仍提示该地区" if lang == "zh-hans" else "the rules still flag this region"
    ) in r.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    client.post(f"/supervision/{item.pk}/close/", {"note": "县里核实", "override": "on", "version": version})
    item.refresh_from_db()
    assert item.status == "closed" and item.overridden


def test_item_page_and_keep_page_show_the_four_not_removed_worklist(client, county, approver):
    client.force_login(approver)
    body = client.get(f"/supervision/keep/?year={YEAR}").content.decode()
    assert county.exited.household_no in body and "未落实帮扶责任人" in body


def test_item_outside_the_region_is_404(client, county, item):
    other = region("520527000000", "赫章县", 3, county.city)
    client.force_login(user("county_approver", other, username="other"))
    assert client.get(f"/supervision/{item.pk}/").status_code == 404
    assert client.get("/supervision/proposal/?region=520526").status_code == 404


# --- API ------------------------------------------------------------------------------------------------


def test_api_proposal_list_visit_close(county, approver, supervisor):
    c = api_client(approver)
    r = c.get(f"/api/supervision/proposal?year={YEAR}")
    assert r.status_code == 200
    assert {x["region_code"] for x in r.json()} == {county.county.code, county.village_a.code}
    r = c.post(
        "/api/supervision/items",
        {
            "year": YEAR,
            "regions": [county.village_a.code],
            "supervisor": "supervisor",
            "deadline": str(FUTURE),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()[0]["id"]
    r = api_client(supervisor).post(
        f"/api/supervision/items/{pk}/visits",
        {"visited_on": str(date.today()), "findings": "ok"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.get(f"/api/supervision/items/{pk}")
    etag = r["ETag"]
    assert r.json()["visits"][0]["findings"] == "ok"
    r = c.post(f"/api/supervision/items/{pk}/close", {"note": "x"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "supervision.still_flagged"
    assert r.json()["detail"][0]["message"]["en"].startswith("the rules still flag")
    r = c.post(
        f"/api/supervision/items/{pk}/close",
        {"note": "x", "override": True},
        content_type="application/json",
        headers={"If-Match": '"t1"'},
    )
    assert_edit_conflict(r)
    r = c.post(
        f"/api/supervision/items/{pk}/close",
        {"note": "x", "override": True},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["overridden"]


def test_api_denies_listing_and_visits_to_other_roles(county, operator, item):
    c = api_client(operator)
    r = c.post(
        "/api/supervision/items",
        {
            "year": YEAR,
            "regions": [county.village_a.code],
            "supervisor": "supervisor",
            "deadline": str(FUTURE),
        },
        content_type="application/json",
    )
    assert r.status_code == 403 and "may not list" in r.json()["detail"][0]["message"]["en"]
    r = c.post(
        f"/api/supervision/items/{item.pk}/visits",
        {"visited_on": str(date.today()), "findings": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = c.post(
        f"/api/supervision/items/{item.pk}/close",
        {"note": "x", "override": True},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert c.get(f"/api/supervision/items/{item.pk}").status_code == 200


def test_api_bad_input_is_422_and_outside_is_404(county, approver, item):
    c = api_client(approver)
    r = c.post(
        "/api/supervision/items",
        {"year": YEAR, "regions": ["12x"], "supervisor": "nobody", "deadline": "2000-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert {d["code"] for d in r.json()["detail"]} == {
        "region.malformed",
        "supervision.supervisor",
        "supervision.deadline",
    }
    assert c.get("/api/supervision/proposal?year=2024&region=12x").status_code == 422
    other = region("520527000000", "赫章县", 3, county.city)
    o = api_client(user("county_approver", other, username="other"))
    assert o.get(f"/api/supervision/items/{item.pk}").status_code == 404
    assert o.get("/api/supervision/keep?year=2024&region=520526").status_code == 404


def test_api_keep_worklist(county, approver):
    r = api_client(approver).get(f"/api/supervision/keep?year={YEAR}")
    assert r.status_code == 200
    assert ("KEEP-H1", county.exited.household_no) in {(x["check_id"], x["household_no"]) for x in r.json()}
