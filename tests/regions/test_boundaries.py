"""Region boundaries (GeoJSON) for the map: upload by page, API and CLI, every rejection, scope, and the map
of incidence on the statistics and overview pages (or the note saying how to load boundaries)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import api_client, household, region, region_tree, user

from fupin.cli import main
from fupin.regions import boundaries
from fupin.regions.models import RegionBoundary, RegionPopulation


def square(x: float, y: float, size: float = 0.1) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, key: str = "行政区划代码") -> dict:
    return {"type": "Feature", "properties": {key: code, "name": "x"}, "geometry": geometry}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def townships(t) -> bytes:
    """草海镇 and 幺站镇, two squares side by side (the second under the common `code` property)."""
    return collection(
        feature(t.town_a.code, square(104.123456789, 26.8)),
        feature(t.town_b.code[:9], square(104.3, 26.8), key="code"),
    )


def saved() -> dict[str, dict]:
    return {b.region_id: b.geometry for b in RegionBoundary.objects.all()}


@pytest.fixture
def t(db):
    return region_tree()


def upload(client, data: bytes, name: str = "towns.geojson", **extra):
    return client.post("/regions/boundaries/", {"file": SimpleUploadedFile(name, data), **extra})


# --- upload ---------------------------------------------------------------------------------------------


def test_county_approver_uploads_township_boundaries_on_the_page(t, client):
    client.force_login(user("county_approver", t.county))
    assert client.get("/regions/boundaries/").status_code == 200
    r = upload(client, townships(t))
    assert r.status_code == 200
    assert "2 个要素：新增 2，替换 0" in r.content.decode()
    found = saved()
    assert set(found) == {t.town_a.code, t.town_b.code}
    assert found[t.town_a.code]["coordinates"][0][0] == [104.12346, 26.8]  # kept to 5 decimals
    b = RegionBoundary.objects.get(region=t.town_a)
    assert (b.source, b.uploaded_by.username) == ("towns.geojson", "county_approver-520526000000")
    assert 'id="boundaries-link"' in client.get(f"/regions/{t.county.code}/").content.decode()


def test_api_upload_and_reupload_replaces(t):
    c = api_client(user("system_admin", None))
    r = c.post("/api/regions/boundaries", {"file": SimpleUploadedFile("a.geojson", townships(t))})
    assert r.status_code == 201, r.content
    assert (r.json()["created"], r.json()["replaced"]) == (2, 0)
    moved = collection(feature(t.town_a.code, square(105, 27)))
    r = c.post("/api/regions/boundaries", {"file": SimpleUploadedFile("b.geojson", moved)})
    assert (r.json()["created"], r.json()["replaced"]) == (0, 1)
    assert RegionBoundary.objects.count() == 2
    assert saved()[t.town_a.code]["coordinates"][0][0] == [105, 27]


def test_cli_import_boundaries_exit_codes(t, tmp_path, capsys):
    path = tmp_path / "villages.json"
    path.write_bytes(
        collection(
            *(
                feature(v.code, square(104 + i / 10, 26.8), key="region_code")
                for i, v in enumerate((t.village_a, t.village_a2, t.village_b))
            )
        )
    )
    assert main(["import", "boundaries", str(path)]) == 0
    assert set(saved()) == {t.village_a.code, t.village_a2.code, t.village_b.code}
    assert "3 个要素" in capsys.readouterr().out
    path.write_bytes(collection(feature("999999999999", square(1, 1))))
    assert main(["import", "boundaries", str(path)]) == 1
    assert "没有该行政区划" in capsys.readouterr().err
    assert main(["import", "boundaries", str(tmp_path / "missing.json")]) == 2
    user("supervisor", t.county, username="sup")
    path.write_bytes(townships(t))
    assert main(["import", "boundaries", str(path), "--user", "sup"]) == 2
    assert RegionBoundary.objects.filter(region__level=4).count() == 0


def test_adcode_of_six_digits_is_a_county(t):
    report = boundaries.import_boundaries(
        collection(feature(t.county.code[:6], square(104, 26), key="adcode"))
    )
    assert report.saved and set(saved()) == {t.county.code}


# --- rejections -----------------------------------------------------------------------------------------


def test_every_rejected_feature_is_reported_and_nothing_saved(t):
    region("530000000000", "云南省", 1)
    approver = user("county_approver", t.county)
    data = collection(
        feature(t.town_a.code, square(104, 26.8)),  # 0 valid
        {"type": "Point"},  # 1 not a Feature
        {"type": "Feature", "properties": {"name": "无代码"}, "geometry": square(1, 1)},  # 2 no code
        feature("52A", square(1, 1)),  # 3 code format
        feature(t.town_a.code, square(1, 1)),  # 4 duplicate of 0
        feature(t.town_b.code, {"type": "Point", "coordinates": [1, 1]}),  # 5 not a polygon
        feature(t.village_a.code, {"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]}),  # 6 ring
        feature(
            t.village_b.code, {"type": "Polygon", "coordinates": [[[1, 1], [200, 1], [2, 2], [1, 1]]]}
        ),  # 7
        feature("520526009000", square(1, 1)),  # 8 unknown region
        feature("530000000000", square(1, 1)),  # 9 outside the county
    )
    report = boundaries.import_boundaries(data, approver)
    assert not report.saved and RegionBoundary.objects.count() == 0
    reasons = {p.index: p.message_en for p in report.problems}
    assert sorted(reasons) == list(range(1, 10))
    assert "not a GeoJSON Feature" in reasons[1]
    assert "no region code" in reasons[2]
    assert "wrong region code format" in reasons[3]
    assert "same code as feature 0" in reasons[4]
    assert "Polygon or MultiPolygon (got Point)" in reasons[5]
    assert "invalid coordinates" in reasons[6] and "invalid coordinates" in reasons[7]
    assert "no such region" in reasons[8]
    assert "outside your region" in reasons[9]
    assert all(p.message_zh for p in report.problems)
    assert str(report.problems[-1]).startswith("第9个要素 代码“530000000000”：不在您的管辖范围内")

    report = boundaries.import_boundaries(data, approver, skip_invalid=True)
    assert report.saved and report.skipped == 9 and set(saved()) == {t.town_a.code}


def test_api_answers_422_with_every_problem(t):
    c = api_client(user("county_approver", t.county))
    data = collection(feature(t.town_a.code, square(1, 1)), feature("520526009000", square(1, 1)))
    r = c.post("/api/regions/boundaries", {"file": SimpleUploadedFile("x.json", data)})
    assert r.status_code == 422
    [item] = r.json()["detail"]
    assert (item["row"], item["value"], item["message"]["en"]) == (
        1,
        "520526009000",
        "no such region (import the regions first)",
    )
    assert RegionBoundary.objects.count() == 0
    r = c.post(
        "/api/regions/boundaries", {"file": SimpleUploadedFile("x.json", data), "skip_invalid": "true"}
    )
    assert r.status_code == 201 and r.json()["skipped"] == 1


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"{not json", "not well-formed JSON"),
        (
            json.dumps({"type": "Feature", "geometry": square(1, 1)}).encode(),
            "expected a GeoJSON FeatureCollection",
        ),
        (collection(), "no features"),
    ],
)
def test_file_problems_reject_the_whole_file_even_when_skipping(t, data, reason):
    report = boundaries.import_boundaries(data, skip_invalid=True)
    assert not report.saved and [p.index for p in report.problems] == [None]
    assert reason in report.problems[0].message_en


def test_size_and_feature_limits(t, client, monkeypatch):
    client.force_login(user("system_admin", None))
    monkeypatch.setattr(boundaries, "MAX_FEATURES", 1)
    r = upload(client, townships(t))
    assert r.status_code == 422 and "too many features (2, limit 1)" not in r.content.decode()  # zh page
    assert "要素过多（2 个，上限 1）" in r.content.decode()
    monkeypatch.setattr(boundaries, "MAX_BYTES", 100)
    assert "文件过大" in upload(client, townships(t)).content.decode()
    assert RegionBoundary.objects.count() == 0


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "2 features: 2 created, 0 replaced", "个要素"),
        ("zh-hans", "2 个要素：新增 2，替换 0", "features:"),
    ],
)
def test_the_upload_summary_is_in_the_pages_language_only(t, client, lang, shown, hidden):
    client.force_login(user("county_approver", t.county))
    client.cookies["django_language"] = lang
    body = upload(client, townships(t)).content.decode()
    assert shown in body and hidden not in body


# --- permissions and scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "auditor", "village_operator", "township_reviewer"])
def test_roles_that_do_not_approve_may_not_upload(t, client, role):
    u = user(role, t.county)
    client.force_login(u)
    assert client.get("/regions/boundaries/").status_code == 403
    assert upload(client, townships(t)).status_code == 403
    r = api_client(u).post("/api/regions/boundaries", {"file": SimpleUploadedFile("x.json", townships(t))})
    assert r.status_code == 403
    assert RegionBoundary.objects.count() == 0
    assert 'id="boundaries-link"' not in client.get(f"/regions/{t.county.code}/").content.decode()


def test_boundaries_outside_the_users_subtree_are_not_served(t, client):
    boundaries.import_boundaries(townships(t))
    client.force_login(user("township_reviewer", t.town_a))
    assert client.get(f"/regions/boundaries/geo.json?region={t.county.code}").status_code == 404
    assert client.get("/regions/boundaries/geo.json?region=530000000000").status_code == 404
    assert (
        api_client(user("auditor", t.town_a)).get(f"/api/regions/{t.county.code}/boundaries").status_code
        == 404
    )
    client.force_login(user("supervisor", t.county))
    geo = client.get(f"/regions/boundaries/geo.json?region={t.county.code}").json()
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in geo["features"]] == [
        (t.town_a.code, "草海镇"),
        (t.town_b.code, "幺站镇"),
    ]
    api = api_client(user("supervisor", t.county, username="s2")).get(
        f"/api/regions/{t.county.code}/boundaries"
    )
    assert api.status_code == 200 and len(api.json()["features"]) == 2


# --- the map --------------------------------------------------------------------------------------------


@pytest.fixture
def county_figures(t):
    household(t.village_a, "A001", status="poor", members=3)
    household(t.village_a2, "A201", status="exited_policy", members=4)
    household(t.village_b, "B001", status="poor", members=5)
    RegionPopulation.objects.create(
        region=t.town_a, year=2024, rural_population=200
    )  # 幺站镇: no denominator
    return t


def _block(body: str, block_id: str) -> dict:
    start = body.index(f'id="{block_id}"')
    start = body.index(">", start) + 1
    return json.loads(body[start : body.index("</script>", start)])


def test_statistics_map_holds_incidence_per_township(county_figures, client):
    t = county_figures
    boundaries.import_boundaries(townships(t))
    client.force_login(user("supervisor", t.county))
    body = client.get(f"/reports/?year=2024&region={t.county.code}").content.decode()
    spec = _block(body, "chart-map-data")
    assert spec["kind"] == "map" and spec["codes"] == [t.town_a.code, t.town_b.code]
    assert spec["categories"] == ["草海镇", "幺站镇"]
    incidence, poor = spec["series"]
    assert incidence["data"] == [1.5, None]  # 3 poor persons of 200; no denominator → no data
    assert poor["data"] == [3, 5]
    assert spec["geo_url"] == f"/regions/boundaries/geo.json?region={t.county.code}"
    assert spec["labels"]["no_data"] == "无数据"
    assert 'id="map-missing"' not in body


def test_overview_map_holds_incidence_per_township(county_figures, client):
    t = county_figures
    boundaries.import_boundaries(townships(t))
    client.force_login(user("county_approver", t.county))
    spec = _block(
        client.get(f"/overview/?year=2024&region={t.county.code}").content.decode(), "chart-map-data"
    )
    assert spec["codes"] == [t.town_a.code, t.town_b.code]
    assert spec["series"][0]["data"] == [1.5, None]


def test_note_says_how_to_load_boundaries_when_none_are(county_figures, client):
    t = county_figures
    boundaries.import_boundaries(collection(feature(t.village_a.code, square(1, 1))))  # a village: not shown
    client.force_login(user("county_approver", t.county))
    body = client.get(f"/reports/?year=2024&region={t.county.code}").content.decode()
    assert 'id="map-missing"' in body and "尚未导入这些地区的边界" in body
    assert 'href="/regions/boundaries/"' in body and "chart-map-data" not in body
    assert 'id="map-missing"' in client.get(f"/overview/?region={t.county.code}").content.decode()
    client.force_login(user("supervisor", t.county))
    body = client.get(f"/reports/?year=2024&region={t.county.code}").content.decode()
    assert 'id="map-missing"' in body and "fupin import boundaries FILE" in body and "县级审定" in body
    assert 'href="/regions/boundaries/"' not in body
