"""County figures' versions: a read names the version (ETag header, `version`); a change or deletion based on
an older version is refused with 409 and the bilingual message, and saves nothing — on the API and the page."""

import pytest
from django.urls import reverse
from factories import api_client, assert_edit_conflict

from fupin.core.errors import EditConflict
from fupin.reports import services
from fupin.reports.models import CountyExitInput

BASE = "/api/reports/county-inputs"
BODY = {"county": "520526", "year": 2024, "exit_sample": 100, "wrong_exit_found": 1}


@pytest.fixture
def figures(county, approver):
    return services.save_county_input(
        approver, county=county.county.code, year=2024, values={"exit_sample": 100, "wrong_exit_found": 1}
    )


def _someone_else_changes(approver, obj) -> None:
    services.save_county_input(
        approver,
        county=obj.county_id,
        year=2024,
        note="他人修改",
        values={"exit_sample": 200, "wrong_exit_found": 2},
        pk=obj.pk,
    )


def test_a_read_names_the_version_and_a_change_moves_it_on(approver, figures):
    api = api_client(approver)
    r = api.get(f"{BASE}/{figures.pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["exit_sample"] == 100
    before = r["ETag"]
    r = api.put(
        f"{BASE}/{figures.pk}",
        {**BODY, "exit_sample": 150},
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["exit_sample"] == 150
    assert api.get(f"{BASE}/{figures.pk}")["ETag"] == r["ETag"]
    assert api.delete(f"{BASE}/{figures.pk}", headers={"If-Match": r["ETag"]}).status_code == 204
    assert not CountyExitInput.objects.exists()


def test_a_change_or_deletion_based_on_an_older_version_is_409_and_saves_nothing(approver, figures):
    api = api_client(approver)
    stale = api.get(f"{BASE}/{figures.pk}")["ETag"]
    _someone_else_changes(approver, figures)
    assert_edit_conflict(
        api.put(
            f"{BASE}/{figures.pk}",
            {**BODY, "exit_sample": 150},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    assert_edit_conflict(api.delete(f"{BASE}/{figures.pk}", headers={"If-Match": stale}))
    obj = CountyExitInput.objects.get(pk=figures.pk)
    assert (obj.exit_sample, obj.note) == (200, "他人修改")
    with pytest.raises(EditConflict):
        services.delete_county_input(approver, figures.pk, version=stale.strip('"'))
    r = api.put(f"{BASE}/{figures.pk}", {**BODY, "exit_sample": 150}, content_type="application/json")
    assert r.status_code == 200  # no If-Match: not checked


def test_figures_outside_the_scope_are_404(op_a, figures):
    assert api_client(op_a).get(f"{BASE}/{figures.pk}").status_code == 404


def test_a_stale_form_is_409_and_saves_nothing(client, approver, figures):
    client.force_login(approver)
    url = reverse("reports:county_input_edit", args=[figures.pk])
    opened = services.county_input_version(figures)
    assert f'name="version" value="{opened}"' in client.get(url).content.decode()
    _someone_else_changes(approver, figures)
    form = {
        "county": figures.county_id,
        "year": 2024,
        "exit_sample": 150,
        "wrong_exit_found": 1,
        "version": opened,
    }
    r = client.post(url, form)
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert f'name="version" value="{opened}"' in r.content.decode()  # stays stale until opened again
    assert CountyExitInput.objects.get(pk=figures.pk).exit_sample == 200
    client.cookies["django_language"] = "en"
    r = client.post(url, form)
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    current = services.county_input_version(CountyExitInput.objects.get(pk=figures.pk))
    r = client.post(url, {**form, "version": current})
    assert r.status_code == 302 and CountyExitInput.objects.get(pk=figures.pk).exit_sample == 150


def test_new_figures_for_a_county_and_year_that_has_some_are_refused_not_written_over(approver, figures):
    body = {"county": figures.county_id, "year": 2024, "exit_sample": 300, "wrong_exit_found": 3}
    r = api_client(approver).post(BASE, body, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "reports.duplicate"
    assert "已有评估数据" in r.json()["detail"][0]["message"]["zh"]
    figures.refresh_from_db()
    assert (figures.exit_sample, figures.wrong_exit_found) == (100, 1)
