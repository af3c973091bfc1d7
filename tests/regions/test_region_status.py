"""A village's or county's poverty status (贫困村/贫困县) and exit year (出列/摘帽): one service, the page, the
API, `fupin region status` and the region list import, all with the same rules."""

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from factories import api_client, assert_edit_conflict

from fupin.accounts.scope import BadRegionCode, OutOfScope
from fupin.cli import main
from fupin.core.errors import EditConflict
from fupin.regions.models import Region
from fupin.regions.services import (
    RegionStatusRejected,
    import_regions,
    region_version,
    set_region_status,
)


@pytest.fixture
def approver(tree, make_user):
    return make_user("approver", "county_approver", tree["county"])


def _codes(e: RegionStatusRejected) -> list[str]:
    return [p.code for p in e.problems]


def test_service_saves_status_and_exit_year_and_records_who(tree, approver):
    region = set_region_status(approver, "520527100001", poverty_status="贫困村", exit_year="2018")
    region.refresh_from_db()
    assert (region.poverty_status, region.exit_year, region.is_poor) == ("poor_village", 2018, True)
    assert region.updated_by == approver and region.updated_at is not None
    set_region_status(approver, "520527100001", poverty_status="non_poor_village", exit_year=None)
    region.refresh_from_db()
    assert (region.poverty_status, region.exit_year, region.is_poor) == ("non_poor_village", None, False)


def test_service_returns_every_problem_and_saves_nothing(tree, approver):
    with pytest.raises(RegionStatusRejected) as e:
        set_region_status(approver, "520527100001", poverty_status="贫困县", exit_year="2019")
    assert _codes(e.value) == ["region.status_level"]  # a county's status on a village
    with pytest.raises(RegionStatusRejected) as e:
        set_region_status(approver, "520527100000", poverty_status="非贫困村", exit_year="2019")
    # a village's status on a township, and an exit year without a poor status
    assert _codes(e.value) == ["region.status_level", "region.exit_year_not_poor"]
    with pytest.raises(RegionStatusRejected) as e:
        set_region_status(approver, "520527000000", poverty_status="poor_county", exit_year="1990")
    assert _codes(e.value) == ["region.exit_year_range"]
    assert "2014" in e.value.problems[0].zh
    with pytest.raises(RegionStatusRejected) as e:
        set_region_status(approver, "520527100000", poverty_status="什么", exit_year="明年")
    assert _codes(e.value) == ["region.status_unknown", "region.exit_year_format"]
    assert not Region.objects.exclude(poverty_status="").exists()


def test_service_refuses_roles_scope_and_stale_versions(tree, approver, make_user):
    with pytest.raises(PermissionDenied):
        set_region_status(
            make_user("sup", "supervisor", tree["county"]), "520527100001", poverty_status="", exit_year=None
        )
    with pytest.raises(OutOfScope):
        set_region_status(approver, "530000000000", poverty_status="", exit_year=None)
    with pytest.raises(BadRegionCode):
        set_region_status(approver, "52x", poverty_status="", exit_year=None)
    old = region_version(Region.objects.get(code="520527000000"))
    set_region_status(approver, "520527000000", poverty_status="poor_county", exit_year=2019, version=old)
    with pytest.raises(EditConflict):
        set_region_status(approver, "520527000000", poverty_status="poor_county", exit_year=2020, version=old)
    assert Region.objects.get(code="520527000000").exit_year == 2019


def test_page_shows_and_saves_the_status(client, tree, approver):
    client.force_login(approver)
    page = client.get("/regions/520527100001/")
    assert 'id="status-form"' in page.content.decode()
    version = page.context["status_panel"]["version"]
    r = client.post(
        "/regions/520527100001/status/",
        {"poverty_status": "poor_village", "exit_year": "2017", "version": version},
    )
    assert r.status_code == 302
    page = client.get("/regions/520527100001/").content.decode()
    assert "贫困村" in page and "出列 2017" in page


def test_page_rejects_bad_input_with_every_message_and_stale_forms(client, tree, approver):
    client.force_login(approver)
    version = client.get("/regions/520527100001/").context["status_panel"]["version"]
    r = client.post(
        "/regions/520527100001/status/", {"poverty_status": "non_poor_village", "exit_year": "2018"}
    )
    assert r.status_code == 422
    assert "只有贫困村（出列）或贫困县（摘帽）才有退出年份" in r.content.decode()
    client.cookies["django_language"] = "en"
    r = client.post("/regions/520527100001/status/", {"poverty_status": "poor_village", "exit_year": "2999"})
    assert r.status_code == 422 and "expected a year from 2014" in r.content.decode()
    assert Region.objects.get(code="520527100001").poverty_status == ""
    client.post("/regions/520527100001/status/", {"poverty_status": "poor_village", "version": version})
    r = client.post(
        "/regions/520527100001/status/", {"poverty_status": "non_poor_village", "version": version}
    )
    assert r.status_code == 409
    assert Region.objects.get(code="520527100001").poverty_status == "poor_village"


def test_page_denies_roles_without_the_permission_and_regions_outside(client, tree, approver, make_user):
    client.force_login(make_user("sup", "supervisor", tree["county"]))
    assert 'id="status-form"' not in client.get("/regions/520527100001/").content.decode()
    r = client.post("/regions/520527100001/status/", {"poverty_status": "poor_village"})
    assert r.status_code == 403
    client.force_login(approver)
    assert client.post("/regions/530000000000/status/", {"poverty_status": ""}).status_code == 404
    assert Region.objects.get(code="520527100001").poverty_status == ""


def test_api_reads_and_sets_the_status_with_versions(tree, approver):
    client = api_client(approver)
    r = client.get("/api/regions/520527000000")
    assert r.json()["poverty_status"] == "" and r["ETag"] == f'"{r.json()["version"]}"'
    etag = r["ETag"]
    r = client.put(
        "/api/regions/520527000000/status",
        {"poverty_status": "贫困县", "exit_year": 2019},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["poverty_status"], r.json()["exit_year"], r.json()["is_poor"]) == (
        "poor_county",
        2019,
        True,
    )
    stale = client.put(
        "/api/regions/520527000000/status",
        {"poverty_status": "poor_county", "exit_year": 2020},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert_edit_conflict(stale)
    bad = client.put(
        "/api/regions/520527000000/status",
        {"poverty_status": "non_poor_village", "exit_year": 2013},
        content_type="application/json",
    )
    assert bad.status_code == 422
    items = bad.json()["detail"]
    assert [(i["field"], i["code"]) for i in items] == [
        ("poverty_status", "region.status_level"),
        ("exit_year", "region.exit_year_not_poor"),
        ("exit_year", "region.exit_year_range"),
    ]
    assert items[0]["message"]["zh"] and items[0]["message"]["en"]
    assert Region.objects.get(code="520527000000").exit_year == 2019


def test_api_denies_roles_and_regions_outside(tree, approver, make_user):
    body = {"poverty_status": "poor_village"}
    sup = api_client(make_user("sup", "supervisor", tree["county"]))
    r = sup.put("/api/regions/520527100001/status", body, content_type="application/json")
    assert r.status_code == 403
    r = api_client(approver).put("/api/regions/530000000000/status", body, content_type="application/json")
    assert r.status_code == 404
    r = api_client(approver).put("/api/regions/52x/status", body, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed"
    assert not Region.objects.exclude(poverty_status="").exists()


def test_cli_shows_sets_and_refuses(tree, approver, make_user, capsys):
    assert main(["region", "status", "520527100001", "--status", "贫困村", "--exit-year", "2020"]) == 0
    assert "贫困村 / Poor village" in capsys.readouterr().out
    assert main(["region", "status", "520527100001", "--exit-year", "1999", "--user", "approver"]) == 1
    assert "expected a year from 2014" in capsys.readouterr().err
    make_user("sup", "supervisor", tree["county"])
    assert main(["region", "status", "520527100001", "--status", "", "--user", "sup"]) == 2
    assert "may not set" in capsys.readouterr().err
    assert main(["region", "status", "530000000000", "--user", "approver"]) == 2
    assert main(["region", "status", "52x", "--user", "approver"]) == 2
    assert main(["region", "status", "520527100001", "--user", "sup"]) == 0  # reading is for everyone
    assert "2020" in capsys.readouterr().out
    assert Region.objects.get(code="520527100001").exit_year == 2020


def _xlsx(path, rows):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    wb.close()
    return path


def test_import_sets_status_and_exit_year_and_rejects_bad_rows(tree, tmp_path):
    ok = _xlsx(
        tmp_path / "ok.xlsx",
        [
            ["行政区划代码", "名称", "贫困状态", "出列/摘帽年份"],
            ["520527100001", "甲村", "贫困村", 2018],
            ["520527100002", "乙村", "非贫困村", None],
            ["520527000000", "赫章县", "贫困县", "2020"],
        ],
    )
    report = import_regions(ok)
    assert report.ok, report.problems
    got = {
        r.code: (r.poverty_status, r.exit_year, r.is_poor) for r in Region.objects.exclude(poverty_status="")
    }
    assert got == {
        "520527100001": ("poor_village", 2018, True),
        "520527100002": ("non_poor_village", None, False),
        "520527000000": ("poor_county", 2020, True),
    }
    bad = _xlsx(
        tmp_path / "bad.xlsx",
        [
            ["行政区划代码", "名称", "贫困状态", "出列年份"],
            ["520527100001", "甲村", "贫困县", 2018],
            ["520527101001", "丙村", "非贫困村", 2019],
            ["520527100002", "乙村", "贫困村", 2031],
        ],
    )
    report = import_regions(bad)
    assert [(p.row, p.code) for p in report.problems] == [
        (2, "region.status_level"),
        (3, "region.exit_year_not_poor"),
        (4, "region.exit_year_range"),
    ]
    assert Region.objects.get(code="520527100001").poverty_status == "poor_village"  # nothing saved


def test_import_of_the_poor_flag_alone_sets_the_status_of_the_level(tree, tmp_path):
    path = _xlsx(
        tmp_path / "flag.xlsx",
        [
            ["行政区划代码", "名称", "是否贫困村"],
            ["520527100001", "甲村", "是"],
            ["520527000000", "赫章县", "否"],
        ],
    )
    assert import_regions(path).ok
    assert Region.objects.get(code="520527100001").poverty_status == "poor_village"
    assert Region.objects.get(code="520527000000").poverty_status == "non_poor_county"
    years = _xlsx(tmp_path / "y.xlsx", [["code", "name", "exit_year"], ["520527100001", "甲村", 2019]])
    assert import_regions(years).ok  # the stored status is poor: an exit year alone is accepted
    assert Region.objects.get(code="520527100001").exit_year == 2019
