"""Edits that meet: a household's version (ETag / the forms' hidden field) refuses an edit based on an older
version with 409 and saves nothing; concurrent edits of different fields keep both; concurrent imports of
the same households leave one head each."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connections
from django.urls import reverse
from factories import api_client, assert_edit_conflict, household, id_number, region_tree, user

from fupin.registry import locks, services, validation
from fupin.registry.importer import import_frames
from fupin.registry.models import Change, Household, HouseholdYear, Member

BASE = "/api/registry"


def patch(client, url: str, body: dict, **headers):
    return client.patch(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def a0001(tree):
    op = user("village_operator", tree.village_a)
    return {"hh": household(tree.village_a, "A0001", members=3), "op": op, "api": api_client(op)}


# --- versions on the API ------------------------------------------------------------------------------


def test_a_read_names_the_version_and_an_edit_moves_it_on(a0001):
    api = a0001["api"]
    r = api.get(f"{BASE}/households/A0001")
    assert r.status_code == 200 and r["ETag"] == f'"v{r.json()["version"]}"'
    before = r["ETag"]
    r = patch(
        api, f"{BASE}/households/A0001", {"wage_income": "9000", "reason": "核实"}, **{"If-Match": before}
    )
    assert r.status_code == 200, r.content
    assert r["ETag"] != before and r["ETag"] == f'"v{Change.objects.latest("id").id}"'
    assert api.get(f"{BASE}/households/A0001/members")["ETag"] == r["ETag"]


def test_an_edit_based_on_an_older_version_is_409_and_saves_nothing(a0001):
    api = a0001["api"]
    stale = api.get(f"{BASE}/households/A0001")["ETag"]
    assert (
        patch(api, f"{BASE}/households/A0001", {"wage_income": "9000", "reason": "核实"}).status_code == 200
    )
    changes = Change.objects.count()
    for method, url, body in [
        ("patch", f"{BASE}/households/A0001", {"business_income": "1", "reason": "另一人"}),
        ("put", f"{BASE}/households/A0001", {"status": "poor", "reason": "另一人"}),
        ("put", f"{BASE}/households/A0001/years/2024", {"status": "poor", "reason": "另一人"}),
        (
            "post",
            f"{BASE}/households/A0001/members",
            {"name": "新生儿", "id_number": id_number("520526", date(2023, 3, 1), False), "relation": "之女"},
        ),
    ]:
        r = getattr(api, method)(url, body, content_type="application/json", headers={"If-Match": stale})
        assert_edit_conflict(r)
    member = a0001["hh"].members.get(relation="spouse")
    assert_edit_conflict(
        patch(
            api, f"{BASE}/members/{member.pk}", {"health": "慢性病", "reason": "更正"}, **{"If-Match": stale}
        )
    )
    assert_edit_conflict(
        api.post(
            f"{BASE}/members/{member.pk}/leave",
            {"reason_code": "death", "date": "2024-05-01"},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    assert_edit_conflict(api.delete(f"{BASE}/households/A0001?reason=重复", headers={"If-Match": stale}))
    assert Change.objects.count() == changes
    year = HouseholdYear.objects.get(household=a0001["hh"], year=2024)
    assert year.business_income != 1 and not Household.objects.get(household_no="A0001").is_deleted
    assert a0001["hh"].members.filter(is_deleted=False, household__isnull=False).count() == 3


def test_a_malformed_if_match_is_422(a0001):
    r = patch(
        a0001["api"], f"{BASE}/households/A0001", {"wage_income": "1", "reason": "x"}, **{"If-Match": "42"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "if_match.invalid"


# --- versions on the pages ----------------------------------------------------------------------------


def test_a_form_opened_before_someone_elses_edit_is_refused_with_409(client, a0001):
    op = a0001["op"]
    client.force_login(op)
    url = reverse("registry:household_edit", args=["A0001"])
    page = client.get(url).content.decode()
    assert 'name="version" value="0"' in page
    services.save_household(
        op,
        {
            "household_no": "A0001",
            "year": 2024,
            "region_code": a0001["hh"].village_id,
            "status": "poor",
            "wage_income": "7777",
        },
        [],
        reason="他人修改",
        create=False,
    )
    delete_url = reverse("registry:household_delete", args=["A0001"])
    r = client.post(delete_url, {"reason": "重复录入", "version": "0"})
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert not Household.objects.get(household_no="A0001").is_deleted
    member = a0001["hh"].members.get(relation="spouse")
    r = client.post(
        reverse("registry:member_change", args=["A0001", member.pk]),
        {"action": "leave", "reason_code": "death", "on_date": "2024-05-01", "version": "0"},
    )
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert Member.objects.get(pk=member.pk).household_id == a0001["hh"].pk
    r = client.post(
        delete_url, {"reason": "重复录入", "version": str(services.household_version(a0001["hh"]))}
    )
    assert r.status_code == 302 and Household.objects.get(household_no="A0001").is_deleted


# --- concurrency --------------------------------------------------------------------------------------


def _together(*calls):
    """Run the calls in threads started at the same moment; their results (or exceptions) in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001  (the test reads it)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _slow_checks(monkeypatch, seconds=0.2):
    """Make the validator slow, so that two writers overlap between what they read and what they write."""
    real = services.validate

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "validate", slow)


@pytest.mark.django_db(transaction=True)
def test_two_patches_of_different_fields_at_once_keep_both(monkeypatch):
    tree = region_tree()
    hh = household(tree.village_a, "A0001", members=2)
    a, b = (api_client(user("village_operator", tree.village_a, f"op{i}")) for i in (1, 2))
    _slow_checks(monkeypatch)
    for trial in range(3):
        wage, business = 1000 + trial, 2000 + trial
        results = _together(
            lambda w=wage: (
                patch(a, f"{BASE}/households/A0001", {"wage_income": str(w), "reason": "a"}).status_code
            ),
            lambda x=business: (
                patch(b, f"{BASE}/households/A0001", {"business_income": str(x), "reason": "b"}).status_code
            ),
        )
        assert results == [200, 200]
        year = HouseholdYear.objects.get(household=hh, year=2024)
        assert (year.wage_income, year.business_income) == (wage, business), (
            f"trial {trial}: an update was lost"
        )


def _new_households(n: int, village: str, head_born: date):
    import polars as pl

    hh, mm = [], []
    for i in range(n):
        no = f"N{i:04d}"
        hh.append(
            {
                "household_no": no,
                "year": "2024",
                "region_code": village,
                "household_type": "poor",
                "status": "poor",
                "wage_income": "3000",
                "_row": i + 2,
            }
        )
        mm.append(
            {
                "household_no": no,
                "name": f"户主{i}",
                "id_number": id_number("520526", head_born, True, seq=i),
                "relation": "head",
                "_row": 2 * i + 2,
            }
        )
        mm.append(
            {
                "household_no": no,
                "name": f"配偶{i}",
                "id_number": id_number("520526", date(1972, 1, 1), False, seq=i),
                "relation": "spouse",
                "_row": 2 * i + 3,
            }
        )
    return pl.DataFrame(hh).with_columns(pl.exclude("_row").cast(pl.String)), pl.DataFrame(mm)


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_new_households_at_once_leave_one_head_each(monkeypatch, tmp_path):
    """Two offices import the same new household numbers with different heads: each file alone is valid, and
    checked against the store before the other saves both would pass."""
    tree = region_tree()
    first = _new_households(20, tree.village_a.code, head_born=date(1970, 1, 1))
    second = _new_households(20, tree.village_a.code, head_born=date(1971, 1, 1))
    real = validation.cross_checks

    def slow(*args, **kwargs):  # both imports have read the store before either saves
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "cross_checks", slow)
    batches = _together(
        lambda: import_frames(*first, filename="甲.xlsx", errors_path=tmp_path / "甲-errors.xlsx"),
        lambda: import_frames(*second, filename="乙.xlsx", errors_path=tmp_path / "乙-errors.xlsx"),
    )
    assert sorted(getattr(b, "status", b) for b in batches) == ["done", "rejected"]
    rejected = next(b for b in batches if b.status == "rejected")
    assert {p["rule"] for p in rejected.report["problems"]} >= {"household.many_heads"}
    assert Household.objects.count() == 20
    heads = Member.objects.filter(relation="head").values_list("household__household_no", flat=True)
    assert sorted(heads) == sorted(f"N{i:04d}" for i in range(20))


@pytest.mark.django_db(transaction=True)
def test_an_edit_that_waits_too_long_for_an_import_is_409_and_saves_nothing(client, monkeypatch):
    tree = region_tree()
    hh = household(tree.village_a, "A0001", members=2)
    op = user("village_operator", tree.village_a)
    monkeypatch.setattr(locks, "EDIT_WAIT_SECONDS", 0.3)
    holding, done = threading.Event(), threading.Event()

    def an_import():
        with locks.registry_write(forever=True):
            holding.set()
            done.wait(30)
        connections.close_all()

    importer = threading.Thread(target=an_import)
    importer.start()
    try:
        assert holding.wait(10)
        r = patch(api_client(op), f"{BASE}/households/A0001", {"wage_income": "4321", "reason": "x"})
        assert r.status_code == 409 and r.json()["detail"][0]["code"] == "registry.busy"
        assert "稍后重试" in r.json()["detail"][0]["message"]["zh"]
        client.force_login(op)
        r = client.post(reverse("registry:household_delete", args=["A0001"]), {"reason": "重复录入"})
        assert r.status_code == 409 and "稍后重试" in r.content.decode()
    finally:
        done.set()
        importer.join(30)
    assert HouseholdYear.objects.get(household=hh, year=2024).wage_income != 4321
    assert not Household.objects.get(pk=hh.pk).is_deleted
