import pytest
from factories import user

from fupin.accounts.auth import issue_token
from fupin.reports import services
from fupin.reports.models import CountyExitInput


def bearer(u):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(u, 't')}"}


@pytest.fixture
def as_a(op_a):
    return bearer(op_a)


def test_stats_api_scoped(client, county, op_a, as_a):
    r = client.get("/api/reports/stats", {"year": 2024}, **as_a)
    assert r.status_code == 200
    [row] = r.json()
    assert (row["region_code"], row["households"], row["poor_persons"]) == (county.village_a.code, 2, 3)
    r = client.get("/api/reports/stats", {"year": 2024, "region": county.village_b.code}, **as_a)
    assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found"
    r = client.get("/api/reports/stats", {"year": 2024, "by": "planet"}, **as_a)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "by"


def test_runs_and_stats_refuse_a_region_outside_404_and_a_malformed_one_422(client, county, as_a):
    for method, url in (("get", "/api/reports/stats"), ("post", "/api/reports/identify")):
        call = getattr(client, method)
        for region, status, code in (
            (county.village_b.code, 404, "not_found"),
            ("52x", 422, "region.malformed"),
        ):
            body = {"year": 2024, "region": region}
            r = (
                call(url, body, **as_a)
                if method == "get"
                else call(url, body, content_type="application/json", **as_a)
            )
            assert r.status_code == status and r.json()["detail"][0]["code"] == code, (url, region)


def test_identify_and_exits_runs_are_stored_and_read_back(client, county):
    auth = bearer(user("county_approver", county.county, username="boss"))
    r = client.post("/api/reports/identify", {"year": 2024}, content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["summary"]["poor"] == 3 and run["region_code"] == county.county.code
    assert any(p["name"] == "poverty_line" for p in run["parameters"])
    r = client.get(f"/api/reports/runs/{run['id']}", {"page": 2, "page_size": 3}, **auth)
    body = r.json()
    assert r.status_code == 200 and body["count"] == 4 and len(body["items"]) == 1
    r = client.post(
        "/api/reports/exits", {"year": 2024, "level": "village"}, content_type="application/json", **auth
    )
    assert r.status_code == 201 and r.json()["summary"]["villages"] == 3
    assert [x["kind"] for x in client.get("/api/reports/runs", **auth).json()] == ["exit_village", "identify"]
    r = client.post(
        "/api/reports/exits", {"year": 2024, "level": "galaxy"}, content_type="application/json", **auth
    )
    assert r.status_code == 422 and r.json()["detail"][0]["message"]["zh"].startswith("未知的退出层级")


def test_village_operator_cannot_run_or_see_other_village_runs(client, county, op_b, as_a):
    r = client.post(
        "/api/reports/identify",
        {"year": 2024, "region": county.village_b.code},
        content_type="application/json",
        **as_a,
    )
    assert r.status_code == 404
    theirs = services.run_identification(op_b, 2024)
    assert client.get(f"/api/reports/runs/{theirs.pk}", **as_a).status_code == 404
    assert client.get("/api/reports/runs", **as_a).json() == []
    assert client.get(f"/api/reports/runs/{theirs.pk}", **bearer(op_b)).json()["count"] == 1


def test_county_inputs_crud_and_denial(client, county, approver, as_a):
    body = {"county": "520526", "year": 2024, "exit_sample": 100, "wrong_exit_found": 1}
    r = client.post("/api/reports/county-inputs", body, content_type="application/json", **as_a)
    assert r.status_code == 404  # the county is outside a village operator's scope
    auth = bearer(approver)
    r = client.post("/api/reports/county-inputs", body, content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["county_name"] == "威宁彝族回族苗族自治县" and r.json()["editable"] is True
    r = client.put(
        f"/api/reports/county-inputs/{pk}",
        {**body, "wrong_exit_found": 101},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "wrong_exit_found"
    r = client.put(
        f"/api/reports/county-inputs/{pk}",
        {**body, "survey_households": 10, "survey_approving": 9},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["survey_approving"] == 9
    assert client.get("/api/reports/county-inputs", **as_a).json() == []
    sup = bearer(user("supervisor", county.county, username="sup"))
    assert client.delete(f"/api/reports/county-inputs/{pk}", **sup).status_code == 403
    assert client.delete(f"/api/reports/county-inputs/{pk}", **auth).status_code == 204
    assert CountyExitInput.objects.count() == 0
