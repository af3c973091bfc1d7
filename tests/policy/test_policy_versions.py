"""Parameter versions: a read names the version (ETag header, `version`); a change or removal based on an
older version is refused with 409 and the bilingual message, and saves nothing — on the API and the pages."""

import pytest
from django.urls import reverse
from factories import api_client, assert_edit_conflict, region, region_tree, user

from fupin.core.errors import EditConflict
from fupin.policy import services
from fupin.policy.models import Parameter, ParameterChange

pytestmark = pytest.mark.django_db
BASE = "/api/policy"


@pytest.fixture
def row():
    t = region_tree()
    services.load_defaults()
    approver = user("county_approver", t.county)
    p = services.save_parameter(
        approver,
        name="monitoring_line",
        region_code=t.county.code,
        year_from=2024,
        year_to=None,
        value="8500",
        source="县政府文件",
        reason="本县标准",
    )
    return {"tree": t, "approver": approver, "api": api_client(approver), "p": p}


def _body(row, value: float) -> dict:
    return {
        "name": "monitoring_line",
        "region_code": row["tree"].county.code,
        "year_from": 2024,
        "value": value,
        "source": "县政府文件",
        "reason": "调整",
    }


def _someone_else_sets(row, value: str) -> None:
    services.save_parameter(
        row["approver"],
        pk=row["p"].pk,
        name="monitoring_line",
        region_code=row["tree"].county.code,
        year_from=2024,
        year_to=None,
        value=value,
        source="县政府文件",
        reason="他人修改",
    )


def test_a_read_names_the_version_and_a_change_moves_it_on(row):
    api, pk = row["api"], row["p"].pk
    r = api.get(f"{BASE}/parameters/{pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["value"] == 8500
    before = r["ETag"]
    r = api.put(
        f"{BASE}/parameters/{pk}",
        _body(row, 8600),
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["value"] == 8600
    assert api.get(f"{BASE}/parameters/{pk}")["ETag"] == r["ETag"]
    r = api.delete(f"{BASE}/parameters/{pk}?reason=作废", headers={"If-Match": r["ETag"]})
    assert r.status_code == 204 and Parameter.objects.get(pk=pk).is_deleted


def test_a_change_or_removal_based_on_an_older_version_is_409_and_saves_nothing(row):
    api, pk = row["api"], row["p"].pk
    stale = api.get(f"{BASE}/parameters/{pk}")["ETag"]
    _someone_else_sets(row, "8700")
    changes = ParameterChange.objects.count()
    assert_edit_conflict(
        api.put(
            f"{BASE}/parameters/{pk}",
            _body(row, 8600),
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    assert_edit_conflict(api.delete(f"{BASE}/parameters/{pk}?reason=作废", headers={"If-Match": stale}))
    p = Parameter.objects.get(pk=pk)
    assert (p.value, p.is_deleted, ParameterChange.objects.count()) == (8700, False, changes)
    with pytest.raises(EditConflict):
        services.delete_parameter(row["approver"], pk, reason="作废", version=stale.strip('"'))
    r = api.put(f"{BASE}/parameters/{pk}", _body(row, 8600), content_type="application/json")
    assert r.status_code == 200  # no If-Match: not checked


def test_a_row_is_read_where_it_applies_and_404_elsewhere(row):
    inside = user("village_operator", row["tree"].village_a)
    assert api_client(inside).get(f"{BASE}/parameters/{row['p'].pk}").status_code == 200  # its county's row
    neighbour = region("520502000000", "七星关区", 3, row["tree"].city)
    outside = user("county_approver", neighbour)
    assert api_client(outside).get(f"{BASE}/parameters/{row['p'].pk}").status_code == 404


def test_stale_change_and_removal_pages_are_409_and_save_nothing(client, row):
    pk = row["p"].pk
    client.force_login(row["approver"])
    opened = services.parameter_version(row["p"])
    edit, delete = reverse("policy:parameter_edit", args=[pk]), reverse("policy:parameter_delete", args=[pk])
    assert f'name="version" value="{opened}"' in client.get(edit).content.decode()
    assert f'name="version" value="{opened}"' in client.get(delete).content.decode()
    _someone_else_sets(row, "8700")
    form = {
        "name": "monitoring_line",
        "region_code": row["tree"].county.code,
        "year_from": "2024",
        "value": "8600",
        "source": "县政府文件",
        "reason": "调整",
        "version": opened,
    }
    r = client.post(edit, form)
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert f'name="version" value="{opened}"' in r.content.decode()  # stays stale until opened again
    r = client.post(delete, {"reason": "作废", "version": opened})
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    p = Parameter.objects.get(pk=pk)
    assert (p.value, p.is_deleted) == (8700, False)
    client.cookies["django_language"] = "en"
    r = client.post(edit, form)
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    r = client.post(delete, {"reason": "作废", "version": services.parameter_version(p)})
    assert r.status_code == 302 and Parameter.objects.get(pk=pk).is_deleted
