"""Finding versions: a read names the version (ETag header, `version`); work based on an older version —
someone else's work or a run of the rules since — is refused with 409 and the bilingual message, and saves
nothing, on the API and on the worklist. Every write moves the version on, the bulk ones included."""

from datetime import date

import pytest
from django.urls import reverse
from factories import api_client, assert_edit_conflict, household, region_tree, user

from fupin.core.errors import EditConflict
from fupin.policy.services import load_defaults
from fupin.quality import services
from fupin.quality.models import Finding

pytestmark = pytest.mark.django_db
BASE = "/api/quality"


@pytest.fixture
def setup():
    t = region_tree()
    load_defaults()
    hh = household(t.village_a, "A0001")
    child = hh.members.order_by("id")[2]
    child.birth_date, child.labour = date(2016, 3, 1), "ordinary"  # DQ-C4: under 16 with labour ability
    child.save()
    services.run_quality(None, 2024)
    op = user("village_operator", t.village_a)
    return {
        "op": op,
        "other": user("township_reviewer", t.town_a),
        "api": api_client(op),
        "c4": Finding.objects.get(rule_id="DQ-C4", household=hh),
    }


def _version(pk: int) -> str:
    return services.finding_version(Finding.objects.get(pk=pk))


def test_a_read_names_the_version_and_a_change_moves_it_on(setup):
    api, pk = setup["api"], setup["c4"].pk
    r = api.get(f"{BASE}/findings/{pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"'
    before = r["ETag"]
    r = api.patch(
        f"{BASE}/findings/{pk}",
        {"status": "fixed"},
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["status"] == "fixed"
    assert api.get(f"{BASE}/findings/{pk}")["ETag"] == r["ETag"]


def test_a_change_based_on_an_older_version_is_409_and_saves_nothing(setup):
    api, pk = setup["api"], setup["c4"].pk
    stale = api.get(f"{BASE}/findings/{pk}")["ETag"]
    services.set_status(setup["other"], [pk], "explained", "已入户核实")
    assert_edit_conflict(
        api.patch(
            f"{BASE}/findings/{pk}",
            {"status": "fixed", "note": "我的说明"},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    assert_edit_conflict(
        api.patch(
            f"{BASE}/findings/{pk}",
            {"assignee": None},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    f = Finding.objects.get(pk=pk)
    assert (f.status, f.note) == ("explained", "已入户核实")
    r = api.patch(f"{BASE}/findings/{pk}", {"note": "补充"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["note"] == "补充"  # no If-Match: not checked


def test_every_write_moves_the_version_on_the_bulk_ones_too(setup):
    pk, op = setup["c4"].pk, setup["op"]
    seen = [_version(pk)]
    services.run_quality(None, 2024)  # found again unchanged: only last_seen_at moves, not the version
    assert (
        _version(pk) == seen[0]
        and Finding.objects.get(pk=pk).last_seen_at > Finding.objects.get(pk=pk).first_seen_at
    )
    services.assign(op, [pk], op.pk)
    seen.append(_version(pk))
    services.set_status(op, [pk], "fixed")
    seen.append(_version(pk))
    services.run_quality(None, 2024)  # fixed but found again: reopened (a bulk update)
    assert Finding.objects.get(pk=pk).status == "open"
    seen.append(_version(pk))
    services.update_finding(op, pk, note="只改说明")
    seen.append(_version(pk))
    assert len(set(seen)) == len(seen)
    with pytest.raises(EditConflict):
        services.set_status(op, [pk], "fixed", versions_seen={pk: seen[0]})
    assert Finding.objects.get(pk=pk).status == "open"


def test_a_stale_worklist_action_is_409_and_saves_nothing(client, setup):
    pk = setup["c4"].pk
    client.force_login(setup["op"])
    opened = _version(pk)
    html = client.get(reverse("quality:worklist"), {"year": 2024}).content.decode()
    assert f'name="version_{pk}" value="{opened}"' in html
    services.run_quality(None, 2024)  # a run that finds it again unchanged leaves the page current …
    assert _version(pk) == opened
    services.update_finding(setup["other"], pk, note="他人补充")  # … someone else's work does not
    back = f"{reverse('quality:worklist')}?year=2024"
    r = client.post(
        reverse("quality:act"), {"action": "fixed", "ids": [pk], f"version_{pk}": opened, "next": back}
    )
    assert r.status_code == 409 and "已被他人修改" in r.content.decode() and back in r.content.decode()
    r = client.post(
        reverse("quality:act"),
        {"action": "assign", "assignee": setup["op"].pk, "ids": [pk], f"version_{pk}": opened},
    )
    assert r.status_code == 409
    f = Finding.objects.get(pk=pk)
    assert (f.status, f.assignee) == ("open", None)
    client.cookies["django_language"] = "en"
    r = client.post(reverse("quality:act"), {"action": "fixed", "ids": [pk], f"version_{pk}": opened})
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    r = client.post(reverse("quality:act"), {"action": "fixed", "ids": [pk], f"version_{pk}": _version(pk)})
    assert r.status_code == 302 and Finding.objects.get(pk=pk).status == "fixed"
