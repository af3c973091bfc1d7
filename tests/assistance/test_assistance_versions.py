"""Plan measure versions: a read names the version (ETag header, `version`); a change based on an older
version is refused with 409 and the bilingual message, and saves nothing — on the API and on the edit page."""

import pytest
from django.test import Client
from django.urls import reverse
from factories import api_client, assert_edit_conflict

from fupin.assistance import services
from fupin.assistance.models import PlanMeasure
from fupin.core.errors import EditConflict

BASE = "/api/assistance"
BODY = {"year": 2024, "measure_code": "HLT02", "status": "in_progress", "result": "我的结果"}


@pytest.fixture
def pm(world):
    return services.save_plan_measure(world["op_a"], world["h1"], year=2024, measure_code="HLT02")


def _someone_else_finishes(pm, who) -> None:
    services.save_plan_measure(
        who,
        pm.household,
        instance=pm,
        year=2024,
        measure_code="HLT02",
        status="done",
        result="他人填写的结果",
    )


def test_a_read_names_the_version_and_a_change_moves_it_on(world, pm):
    api = api_client(world["cadre_user"])
    r = api.get(f"{BASE}/measures/{pm.pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"'
    before = r["ETag"]
    r = api.put(
        f"{BASE}/measures/{pm.pk}", BODY, content_type="application/json", headers={"If-Match": before}
    )
    assert r.status_code == 200, r.content
    assert (
        r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["result"] == "我的结果"
    )
    assert api.get(f"{BASE}/measures/{pm.pk}")["ETag"] == r["ETag"]
    plan = api.get(f"{BASE}/households/{world['h1'].household_no}/plan", {"year": 2024}).json()
    assert f'"{plan["measures"][0]["version"]}"' == r["ETag"]


def test_a_change_based_on_an_older_version_is_409_and_saves_nothing(world, pm):
    api = api_client(world["cadre_user"])
    stale = api.get(f"{BASE}/measures/{pm.pk}")["ETag"]
    _someone_else_finishes(pm, world["op_a"])
    assert_edit_conflict(
        api.put(
            f"{BASE}/measures/{pm.pk}", BODY, content_type="application/json", headers={"If-Match": stale}
        )
    )
    stored = PlanMeasure.objects.get(pk=pm.pk)
    assert (stored.status, stored.result) == ("done", "他人填写的结果")
    with pytest.raises(EditConflict):
        services.save_plan_measure(world["op_a"], pm.household, instance=pm, version=stale.strip('"'), **BODY)
    r = api.put(f"{BASE}/measures/{pm.pk}", BODY, content_type="application/json")
    assert r.status_code == 200  # no If-Match: not checked


def test_a_measure_outside_the_scope_is_404(world, pm):
    assert api_client(world["op_b"]).get(f"{BASE}/measures/{pm.pk}").status_code == 404


def test_a_stale_edit_form_is_409_and_saves_nothing(world, pm):
    c = Client()
    c.force_login(world["cadre_user"])
    url = reverse("assistance:measure_edit", args=[pm.pk])
    opened = services.measure_version(pm)
    assert f'name="version" value="{opened}"' in c.get(url).content.decode()
    _someone_else_finishes(pm, world["op_a"])
    form = {
        "year": "2024",
        "measure_code": "HLT02",
        "status": "in_progress",
        "result": "我的结果",
        "version": opened,
    }
    r = c.post(url, form)
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert f'name="version" value="{opened}"' in r.content.decode()  # stays stale until opened again
    assert PlanMeasure.objects.get(pk=pm.pk).result == "他人填写的结果"
    c.cookies["django_language"] = "en"
    r = c.post(url, form)
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    r = c.post(url, {**form, "version": services.measure_version(PlanMeasure.objects.get(pk=pm.pk))})
    assert r.status_code == 302 and PlanMeasure.objects.get(pk=pm.pk).result == "我的结果"
