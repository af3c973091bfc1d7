"""/api/regions with a bearer token: answers within scope, 404 outside it."""

import pytest

from fupin.accounts.auth import issue_token
from fupin.regions.models import RegionPopulation


@pytest.fixture
def get(client):
    def get(user, url):
        key = issue_token(user, "t")
        return client.get(url, headers={"Authorization": f"Bearer {key}"})

    return get


NO_STATUS = {"poverty_status": "", "exit_year": None}


def test_village_operator_gets_own_village_and_404_for_another(tree, make_user, get):
    user = make_user("v", "village_operator", tree["village_a"])
    r = get(user, "/api/regions/520527100001")
    assert r.status_code == 200
    body = r.json()
    assert body.pop("version") and r["ETag"]
    assert body == {
        "code": "520527100001",
        "name": "甲村",
        "level": 5,
        "parent": "520527100000",
        "is_poor": False,
        "poverty_status": "",
        "poverty_status_label": "",
        "exit_year": None,
        "level_name": "村",
        "children": 0,
        "ancestors": [
            {"code": "520000000000", "name": "贵州省", "level": 1},
            {"code": "520500000000", "name": "毕节市", "level": 2},
            {"code": "520527000000", "name": "赫章县", "level": 3},
            {"code": "520527100000", "name": "白果街道", "level": 4},
        ],
    }
    for url in (
        "/api/regions/520527100002",
        "/api/regions/520527101001/population",
        "/api/regions/?parent=520527100000",
        "/api/regions/520527",
    ):
        r = get(user, url)
        assert r.status_code == 404, url
        assert [e["code"] for e in r.json()["detail"]] == ["not_found"]  # the API's one error shape
        assert "甲村" not in r.text and "乙村" not in r.text


def test_list_defaults_to_own_region_and_lists_children(tree, make_user, get):
    user = make_user("t", "township_reviewer", tree["township_a"])
    assert [r["code"] for r in get(user, "/api/regions/").json()] == ["520527100000"]
    r = get(user, "/api/regions/?parent=520527100")
    assert r.json() == [
        {
            "code": "520527100001",
            "name": "甲村",
            "level": 5,
            "parent": "520527100000",
            "is_poor": False,
            **NO_STATUS,
        },
        {
            "code": "520527100002",
            "name": "乙村",
            "level": 5,
            "parent": "520527100000",
            "is_poor": False,
            **NO_STATUS,
        },
    ]
    assert [r["name"] for r in get(user, "/api/regions/?q=乙").json()] == ["乙村"]
    assert get(user, "/api/regions/?q=丙").json() == []  # another township's village


def test_nationwide_user_starts_at_provinces(tree, make_user, get):
    user = make_user("n", "supervisor", None)
    assert [r["name"] for r in get(user, "/api/regions/").json()] == ["贵州省", "云南省"]
    assert [r["code"] for r in get(user, "/api/regions/?parent=520527&level=5").json()] == [
        "520527100001",
        "520527100002",
        "520527101001",
    ]


def test_population_endpoint(tree, make_user, get):
    RegionPopulation.objects.create(region=tree["county"], year=2021, rural_population=610000)
    RegionPopulation.objects.create(region=tree["county"], year=2020, rural_population=612345)
    user = make_user("c", "county_approver", tree["county"])
    assert get(user, "/api/regions/520527/population").json() == {
        "code": "520527000000",
        "name": "赫章县",
        "years": [{"year": 2020, "rural_population": 612345}, {"year": 2021, "rural_population": 610000}],
    }
    other = make_user("y", "county_approver", tree["other_province"])
    assert get(other, "/api/regions/520527/population").status_code == 404


def test_anonymous_is_refused(tree, client):
    assert client.get("/api/regions/520527").status_code == 401
