"""Policy parameters: defaults, overrides by region, permissions, history — services, pages and API."""

import pytest
from django.urls import reverse
from factories import region_tree, user

from fupin.accounts.auth import issue_token
from fupin.policy import services
from fupin.policy.models import Parameter, ParameterChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    t = region_tree()
    services.load_defaults()
    return t


def test_defaults_load_once_with_sources(tree):
    n = Parameter.objects.count()
    assert n > 40 and services.load_defaults() == 0 and Parameter.objects.count() == n
    line = Parameter.objects.get(name="poverty_line", region_code="", year_from=2016)
    assert line.value == 2952 and "§3.1" in line.source


def test_western_province_override_and_resolution(tree):
    assert services.resolve("village_exit_incidence_pct", 2019, "520526001201") == 3.0  # 贵州 is western
    assert services.resolve("village_exit_incidence_pct", 2019, "330106000000") == 2.0
    assert services.resolve("poverty_line", 2019) == 3218


def test_county_approver_overrides_own_county_only(tree):
    approver = user("county_approver", tree.county)
    services.save_parameter(
        approver,
        name="monitoring_line",
        region_code=tree.county.code,
        year_from=2024,
        year_to=None,
        value="8500",
        source="县政府 2024 文件",
        reason="本县标准",
    )
    assert services.resolve("monitoring_line", 2024, tree.village_a.code) == 8500
    assert services.resolve("monitoring_line", 2024, "520527001201") == 6000  # the neighbouring county
    assert services.resolve("monitoring_line", 2023, tree.village_a.code) == 6000
    change = ParameterChange.objects.get()
    assert (change.user, change.action, change.reason) == (approver, "create", "本县标准")
    national = Parameter.objects.get(name="monitoring_line", region_code="", year_from=2021)
    with pytest.raises(Exception) as e:
        services.save_parameter(
            approver,
            pk=national.pk,
            name="monitoring_line",
            region_code="",
            year_from=2021,
            year_to=None,
            value="1",
            reason="x",
        )
    assert "may not" in str(e.value)
    assert Parameter.objects.get(pk=national.pk).value == 6000


def test_overlapping_years_and_bad_values_are_refused(tree):
    admin = user("system_admin", None)
    with pytest.raises(services.PolicyError) as e:
        services.save_parameter(
            admin, name="poverty_line", region_code="", year_from=2019, year_to=2019, value="3300", reason="x"
        )
    assert e.value.field == "year_from" and "overlaps" in e.value.message_en
    with pytest.raises(services.PolicyError) as e:
        services.save_parameter(
            admin,
            name="poverty_line",
            region_code="52",
            year_from=2030,
            year_to=2029,
            value="3300",
            reason="x",
        )
    assert e.value.field == "year_to"
    with pytest.raises(services.PolicyError):
        services.save_parameter(
            admin, name="no_such", region_code="", year_from=2030, year_to=None, value="1", reason="x"
        )


def test_update_keeps_before_and_after(tree):
    admin = user("system_admin", None)
    p = Parameter.objects.get(name="county_approval_pct", region_code="")
    services.save_parameter(
        admin,
        pk=p.pk,
        name=p.name,
        region_code="",
        year_from=p.year_from,
        year_to=None,
        value="95",
        source=p.source,
        reason="提高要求",
    )
    change = ParameterChange.objects.get(parameter=p)
    assert change.before["value"] == "90.0000" and change.after["value"] == "95"


def test_pages_read_for_everyone_write_for_approvers(client, tree):
    client.force_login(user("supervisor", tree.county))
    page = client.get(reverse("policy:parameter_list"), {"year": 2019})
    assert page.status_code == 200 and "3218" in page.content.decode()
    assert client.get(reverse("policy:parameter_create")).status_code == 403
    client.force_login(user("county_approver", tree.county))
    page = client.post(
        reverse("policy:parameter_create"),
        {
            "name": "monitoring_line",
            "region_code": tree.county.code,
            "year_from": 2025,
            "value": "9000",
            "source": "",
            "reason": "本县标准",
        },
    )
    assert page.status_code == 302
    assert services.resolve("monitoring_line", 2025, tree.village_b.code) == 9000
    page = client.post(
        reverse("policy:parameter_create"),
        {
            "name": "monitoring_line",
            "region_code": tree.county.code,
            "year_from": 2025,
            "value": "abc",
            "reason": "x",
        },
    )
    assert page.status_code == 400 and "数字" in page.content.decode()


def test_api_resolve_and_denial(client, tree):
    sup = user("supervisor", tree.county)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(sup, 't')}"}
    r = client.get("/api/policy/resolve", {"name": "village_exit_incidence_pct", "year": 2019}, **auth)
    assert r.status_code == 200 and r.json()["value"] == 3.0
    asked = {"name": "monitoring_line", "year": 2024}
    r = client.get("/api/policy/resolve", {**asked, "region": "520527001201"}, **auth)  # another county
    assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found"
    r = client.get("/api/policy/resolve", {**asked, "region": "52x"}, **auth)
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed"
    r = client.get("/api/policy/resolve", {**asked, "region": "520526001"}, **auth)
    assert r.status_code == 200 and r.json()["region_code"] == "520526001000"
    r = client.post(
        "/api/policy/parameters",
        {
            "name": "monitoring_line",
            "region_code": tree.county.code,
            "year_from": 2026,
            "value": 9000,
            "reason": "x",
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 403
    approver = user("county_approver", tree.county)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(approver, 't')}"}
    r = client.post(
        "/api/policy/parameters",
        {
            "name": "monitoring_line",
            "region_code": tree.county.code,
            "year_from": 2026,
            "value": 9000,
            "reason": "x",
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and r.json()["editable"] is True
    r = client.post(
        "/api/policy/parameters",
        {
            "name": "monitoring_line",
            "region_code": tree.county.code,
            "year_from": 2026,
            "value": 9100,
            "reason": "x",
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "year_from"
