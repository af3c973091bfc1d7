"""三个一万人: the headline page, its workbook, the API, `fupin headline`, the new columns of `fupin stats` and
the exits by year on the statistics and overview pages."""

import json
from datetime import date

import openpyxl
import pytest
from factories import api_client, household, user

from fupin.accounts.models import ExportLog
from fupin.cli import main
from fupin.monitoring.models import Case
from fupin.regions.services import set_region_status
from fupin.registry.models import HouseholdYear

T_A, T_B = "520526001000", "520526002000"


def _case(hh, kind="identification", monitor_type="", outcome="approved", opened=date(2024, 3, 1), **kw):
    closed = kw.pop("closed", None if outcome == "" else date(opened.year, opened.month, 20))
    return Case.objects.create(
        household=hh,
        region=hh.village,
        kind=kind,
        year=opened.year,
        monitor_type=monitor_type,
        opened_on=opened,
        deadline=date(opened.year, 12, 31),
        closed_on=closed,
        outcome=outcome,
        step="" if outcome else "home_check",
        steps=["home_check"],
        **kw,
    )


@pytest.fixture
def monitored(county):
    """h2 (exited, 4 persons, town A) 脱贫不稳定户; h5 (ordinary, 3, town B) 边缘易致贫户; h6 (exited, 2, town B)
    突发严重困难户 on the green channel, still open; h7 edge but eliminated in 2024; h2 left poverty in 2019;
    village_a a poor village delisted in 2018, the county a poor county removed in 2020."""
    t = county
    _case(t.h2, monitor_type="unstable")
    t.h5 = household(t.village_b, status="not_poor", household_type="ordinary", members=3)
    _case(t.h5, monitor_type="edge", opened=date(2024, 5, 1))
    t.h6 = household(t.village_b, status="exited_stable", members=2)
    _case(t.h6, monitor_type="sudden", outcome="", green_channel=True, opened=date(2024, 6, 1))
    t.h7 = household(t.village_a2, status="not_poor", household_type="ordinary", members=6)
    _case(t.h7, monitor_type="edge", opened=date(2023, 2, 1))
    _case(t.h7, kind="elimination", opened=date(2024, 8, 1))
    HouseholdYear.objects.filter(household=t.h2).update(exit_year=2019)
    set_region_status(None, t.village_a.code, poverty_status="poor_village", exit_year=2018)
    set_region_status(None, t.village_a2.code, poverty_status="poor_village", exit_year=None)
    set_region_status(None, t.county.code, poverty_status="poor_county", exit_year=2020)
    return t


def _counts(row: dict) -> dict:
    return {k: v for k, v in row.items() if k.endswith(("_households", "_persons"))}


COUNTY_2024 = {
    "poor_households": 3,
    "poor_persons": 10,  # h1 3, h3 2, h4 5
    "unstable_households": 1,
    "unstable_persons": 4,
    "edge_households": 1,
    "edge_persons": 3,  # h7 eliminated in 2024
    "sudden_households": 1,
    "sudden_persons": 2,
    "monitored_households": 3,
    "monitored_persons": 9,
}


def test_api_headline_counts_the_county_by_year_and_its_townships(monitored):
    r = api_client(user("supervisor", monitored.county)).get("/api/reports/headline?year=2024&years=2")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["region"], body["years"]) == ("520526000000", [2023, 2024])
    by_year = {row["year"]: row for row in body["by_year"]}
    assert _counts(by_year[2024]) == COUNTY_2024
    assert (by_year[2023]["poor_households"], by_year[2023]["edge_households"]) == (1, 1)  # h1; h7 then
    kids = {row["region_code"]: row for row in body["children"]}
    assert (kids[T_A]["poor_households"], kids[T_A]["unstable_persons"], kids[T_A]["edge_households"]) == (
        2,
        4,
        0,
    )
    assert (kids[T_B]["edge_persons"], kids[T_B]["sudden_persons"], kids[T_B]["monitored_households"]) == (
        3,
        2,
        2,
    )
    assert body["exits"] == [
        {"year": 2018, "exited_households": 0, "exited_persons": 0, "villages_out": 1, "counties_out": 0},
        {"year": 2019, "exited_households": 1, "exited_persons": 4, "villages_out": 0, "counties_out": 0},
        {"year": 2020, "exited_households": 0, "exited_persons": 0, "villages_out": 0, "counties_out": 1},
    ]
    assert body["poor_regions"] == {
        "poor_villages": 2,
        "villages_out": 1,
        "poor_counties": 1,
        "counties_out": 1,
    }


def test_api_headline_of_a_township_lists_its_villages_with_their_status(monitored):
    r = api_client(user("supervisor", monitored.county)).get(f"/api/reports/headline?year=2024&region={T_A}")
    kids = {row["region_code"]: row for row in r.json()["children"]}
    assert kids[monitored.village_a.code]["poverty_status"] == "poor_village"
    assert kids[monitored.village_a.code]["exit_year"] == 2018
    assert kids[monitored.village_a2.code]["poor_persons"] == 2


def test_api_headline_outside_the_scope_is_404_and_bad_years_422(monitored):
    client = api_client(user("village_operator", monitored.village_b))
    assert client.get(f"/api/reports/headline?year=2024&region={T_A}").status_code == 404
    r = client.get("/api/reports/headline?year=2024&years=99")
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "years"


def test_headline_page_drills_down_in_zh_and_en(client, monitored):
    client.force_login(user("supervisor", monitored.county))
    r = client.get("/reports/headline/?year=2024&years=2")
    assert r.status_code == 200
    page = r.content.decode()
    assert "脱贫不稳定户" in page and "边缘易致贫户" in page and "突发严重困难户" in page
    assert f'data-region="{T_A}"' in page and 'data-year="2023"' in page
    assert r.context["own_rows"][0]["monitored_persons"] == 9
    r = client.get(f"/reports/headline/?year=2024&region={T_B}", headers={"accept-language": "en"})
    client.cookies["django_language"] = "en"
    r = client.get(f"/reports/headline/?year=2024&region={T_B}")
    page = r.content.decode()
    assert "Marginal household at risk" in page and "Remaining poor" in page
    assert f'data-region="{monitored.village_b.code}"' in page
    assert [row["edge_households"] for row in r.context["child_rows"]] == [1]


def test_headline_page_outside_the_scope_is_404(client, monitored):
    client.force_login(user("village_operator", monitored.village_b))
    assert client.get(f"/reports/headline/?year=2024&region={T_A}").status_code == 404
    assert client.get("/reports/headline/?year=2024&region=12x").status_code == 404


def test_headline_workbook_is_logged_and_refused_to_a_role_without_exports(client, monitored):
    client.force_login(user("assistance_cadre", monitored.county))
    assert client.get("/reports/headline.xlsx?year=2024").status_code == 403
    assert not ExportLog.objects.exists()
    client.force_login(user("supervisor", monitored.county))
    r = client.get("/reports/headline.xlsx?year=2024&years=1")
    assert r.status_code == 200
    import io

    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == "520526000000" and rows[1][4:6] == (3, 10)
    log = ExportLog.objects.get()
    assert (log.kind, log.channel, log.rows) == ("reports.headline", "web", 3)


def test_cli_headline_every_format(monitored, tmp_path, capsys):
    assert main(["headline", "--year", "2024", "--region", "520526", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert _counts(rows[0]) == COUNTY_2024 and rows[0]["row"] == "region"
    assert main(["headline", "--year", "2024", "--region", "520526", "--format", "csv"]) == 0
    assert "unstable_households" in capsys.readouterr().out.splitlines()[0]
    assert main(["headline", "--year", "2024", "--region", "520526"]) == 0
    assert "2019: 户 1 人 4" in capsys.readouterr().out
    out = tmp_path / "h.xlsx"
    assert (
        main(["headline", "--year", "2024", "--region", "520526", "--format", "xlsx", "--out", str(out)]) == 0
    )
    assert openpyxl.load_workbook(out)["三个一万人"]["B2"].value == "520526000000"


def test_cli_headline_refuses_an_export_to_a_role_without_exports(monitored, capsys):
    user("assistance_cadre", monitored.county, username="cadre")
    assert main(["headline", "--year", "2024", "--format", "csv", "--user", "cadre"]) == 1
    assert "may not export" in capsys.readouterr().err
    user("village_operator", monitored.village_b, username="opb")
    assert main(["headline", "--year", "2024", "--region", T_A, "--user", "opb"]) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_fupin_stats_carries_the_monitoring_groups_in_every_format(monitored, capsys, fmt):
    assert main(["stats", "--year", "2024", "--region", "520526", "--by", "township", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        rows = {r["region_code"]: r for r in json.loads(out)}
        assert (rows[T_B]["edge_households"], rows[T_B]["sudden_persons"], rows[T_A]["unstable_persons"]) == (
            1,
            2,
            4,
        )
    elif fmt == "csv":
        assert "sudden_households" in out.splitlines()[0] and "1,3,1,2,2,5" in out  # 幺站镇
    else:
        assert "监测" in out and "突发" in out


def test_fupin_stats_xlsx_and_by_all_carry_the_monitoring_groups(monitored, tmp_path):
    out = tmp_path / "s.xlsx"
    assert main(["stats", "--year", "2024", "--by", "all", "--format", "xlsx", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[1]]
    county_row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "520526000000")
    assert county_row[header.index("monitored_persons")] == 9


def test_statistics_and_overview_show_exits_by_year(client, monitored):
    client.force_login(user("supervisor", monitored.county))
    r = client.get("/reports/?year=2024")
    exits = r.context["tables"]["exits"].rows
    assert [(e["year"], e["exited_households"], e["villages_out"], e["counties_out"]) for e in exits] == [
        (2018, 0, 1, 0),
        (2019, 1, 0, 0),
        (2020, 0, 0, 1),
    ]
    assert 'id="table-exits"' in r.content.decode()
    r = client.get("/overview/?year=2024")
    assert r.status_code == 200
    assert "chart-exits-years" in r.content.decode()
