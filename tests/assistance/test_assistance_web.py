"""Assistance pages, API and CLI: content, side effects and the denials."""

import io
import json

import openpyxl
import pytest
from django.test import Client
from factories import api_client

from fupin.accounts.models import ExportLog
from fupin.assistance.models import MeasureType, PlanMeasure, Visit, WorkTeam
from fupin.cli import main


def page_client(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


# ---- pages -------------------------------------------------------------------------------------------


def test_cadre_sees_only_own_households(world):
    r = page_client(world["cadre_user"]).get("/assistance/mine/?year=2024")
    assert r.status_code == 200
    body = r.content.decode()
    assert "520526001201001" in body and "520526001201002" not in body


def test_my_households_counts_the_measures_of_the_year(world):
    for code, year in (("HLT02", 2024), ("EDU01", 2024), ("EDU01", 2023)):
        PlanMeasure.objects.create(
            household=world["h1"], year=year, measure_type=MeasureType.objects.get(code=code)
        )
    body = page_client(world["cadre_user"]).get("/assistance/mine/?year=2024").content.decode()
    assert 'data-label="帮扶措施">2</td>' in body  # two in 2024, the 2023 one not counted


def test_cadre_adds_measure_and_visit_on_own_household(world):
    c = page_client(world["cadre_user"])
    url = "/assistance/households/520526001201001/"
    r = c.get(url + "?year=2024")
    assert r.status_code == 200 and "HLT02" in r.content.decode()  # suggested for 因病
    r = c.post(
        url,
        {
            "action": "measure",
            "year": "2024",
            "measure_code": "HLT02",
            "status": "in_progress",
            "amount": "800",
        },
    )
    assert r.status_code == 302
    assert PlanMeasure.objects.get(household=world["h1"]).measure_type.code == "HLT02"
    r = c.post(url, {"action": "visit", "date": "2024-05-02", "found": "户主已住院", "follow_up": ""})
    assert r.status_code == 302 and Visit.objects.get(household=world["h1"]).visitor == "张帮扶"


def test_cadre_cannot_edit_another_cadres_household_plan(world):
    c = page_client(world["cadre_user"])
    r = c.post(
        "/assistance/households/520526001201002/",
        {"action": "measure", "year": "2024", "measure_code": "EDU01", "status": "planned"},
    )
    assert r.status_code == 403 and PlanMeasure.objects.count() == 0
    pm = PlanMeasure.objects.create(
        household=world["h2"], year=2024, measure_type=MeasureType.objects.get(code="EDU01")
    )
    assert (
        c.post(
            f"/assistance/measures/{pm.pk}/", {"year": "2024", "measure_code": "EDU01", "status": "done"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "amount is not a number: abc", "金额不是数字"),
        ("zh-hans", "金额不是数字：abc", "is not a number"),
    ],
)
def test_bad_measure_input_is_shown_in_the_pages_language_only(world, lang, shown, hidden):
    c = page_client(world["op_a"])
    c.cookies["django_language"] = lang
    r = c.post(
        "/assistance/households/520526001201001/",
        {"action": "measure", "year": "2024", "measure_code": "HLT02", "status": "planned", "amount": "abc"},
    )
    assert r.status_code == 200
    assert shown in r.content.decode() and hidden not in r.content.decode()


def test_village_operator_cannot_see_other_village(world):
    c = page_client(world["op_b"])
    assert c.get("/assistance/households/520526001201001/").status_code == 404
    assert c.get("/assistance/households/520526001201001/handbook/").status_code == 404
    assert c.get("/assistance/coverage/?year=2024&region=520526001201").status_code == 404
    page = c.get("/assistance/coverage/?year=2024&region=52x", follow=True)
    assert page.status_code == 200 and "行政区划代码格式错误" in page.content.decode()
    body = c.get("/assistance/coverage/?year=2024").content.decode()
    assert "520526002201001" in body and "520526001201001" not in body and "石板村" not in body
    WorkTeam.objects.create(village=world["tree"].village_a, name="石板村工作队", start_date="2023-01-01")
    assert "石板村工作队" not in c.get("/assistance/teams/").content.decode()


def test_supervisor_reads_but_cannot_write(world):
    c = page_client(world["supervisor"])
    assert c.get("/assistance/households/520526001201001/").status_code == 200
    assert (
        c.post(
            "/assistance/households/520526001201001/", {"action": "visit", "date": "2024-05-02", "found": "x"}
        ).status_code
        == 403
    )
    assert (
        c.post(
            "/assistance/teams/", {"region_code": "520526001201", "name": "队", "start_date": "2024-01-01"}
        ).status_code
        == 403
    )
    assert c.get("/assistance/catalogue/HLT02/").status_code == 403
    assert Visit.objects.count() == 0 and WorkTeam.objects.count() == 0


def test_operator_adds_team_with_first_secretary_and_coverage_drops(world):
    c = page_client(world["op_a"])
    r = c.post(
        "/assistance/teams/",
        {"form": "0", "region_code": "520526001201", "name": "石板村工作队", "start_date": "2023-01-01"},
    )
    assert r.status_code == 302
    team = WorkTeam.objects.get()
    c.post(
        "/assistance/teams/",
        {
            "form": "1",
            "team": str(team.pk),
            "name": "王书记",
            "is_first_secretary": "on",
            "start_date": "2023-01-01",
        },
    )
    body = c.get("/assistance/coverage/?year=2024").content.decode()
    assert 'data-check="COV-V1">0<' in body and 'data-check="COV-V2">0<' in body
    assert 'data-check="COV-V3">1<' in body
    # a village operator may not send a team to another village
    r = c.post(
        "/assistance/teams/",
        {"form": "0", "region_code": "520526002201", "name": "x", "start_date": "2023-01-01"},
    )
    assert r.status_code == 200 and WorkTeam.objects.count() == 1


def test_coverage_export_is_logged_and_scoped(world):
    c = page_client(world["op_b"])
    r = c.get("/assistance/coverage/?year=2024&format=xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(wb["问题清单"].iter_rows(values_only=True))
    assert rows[0][0] == "检查项" and {row[4] for row in rows[1:]} == {"520526002201"}
    log = ExportLog.objects.get()
    assert log.kind == "assistance.coverage.xlsx" and log.user == world["op_b"] and log.rows == len(rows) - 1
    assert (
        page_client(world["cadre_user"]).get("/assistance/coverage/?year=2024&format=xlsx").status_code == 403
    )


def test_approver_edits_catalogue(world):
    c = page_client(world["approver"])
    r = c.post(
        "/assistance/catalogue/HLT02/",
        {
            "code": "HLT02",
            "name_zh": "大病集中救治",
            "name_en": "x",
            "category": "100A45",
            "kind": "protection",
            "active_from": "2014",
            "reason": "更名",
        },
    )
    assert r.status_code == 302
    assert "大病集中救治" in c.get("/assistance/catalogue/").content.decode()
    assert "更名" in c.get("/assistance/catalogue/HLT02/").content.decode()


# ---- API ---------------------------------------------------------------------------------------------


def test_api_cadre_writes_own_plan_only(world):
    a = api_client(world["cadre_user"])
    r = a.post(
        "/api/assistance/households/520526001201001/measures",
        {"year": 2024, "measure_code": "HLT03", "status": "planned"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["measure_code"] == "HLT03"
    r = a.post(
        "/api/assistance/households/520526001201002/measures",
        {"year": 2024, "measure_code": "EDU01"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = a.post(
        "/api/assistance/households/520526001201001/visits",
        {"date": "2024-05-01", "found": ""},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["message"]["en"] == "say what the visit found"
    assert a.get("/api/assistance/my-households").json() == [
        {"household_no": "520526001201001", "head_name": world["h1"].head_name, "village": "520526001201"}
    ]


def test_api_scope_and_read_only(world):
    b = api_client(world["op_b"])
    assert b.get("/api/assistance/households/520526001201001/plan?year=2024").status_code == 404
    r = b.get("/api/assistance/coverage?year=2024")
    assert r.status_code == 200
    assert {f["region_code"] for f in r.json()["findings"]} == {"520526002201"}
    assert b.get("/api/assistance/coverage?year=2024&region=520526001201").status_code == 404
    r = b.get("/api/assistance/coverage?year=2024&region=52x")  # a malformed code is an input error
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed"
    s = api_client(world["supervisor"])
    assert (
        s.post(
            "/api/assistance/households/520526001201001/visits",
            {"date": "2024-05-01", "found": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    plan = s.get("/api/assistance/households/520526001201001/plan?year=2024").json()
    assert plan["cadres"][0]["name"] == "张帮扶" and "HLT02" in plan["suggested"]


# ---- CLI ---------------------------------------------------------------------------------------------


def test_cli_coverage_json_scoped(world, capsys):
    assert main(["assistance", "coverage", "--year", "2024", "--format", "json", "--user", "op_b"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["check_id"] for r in rows} == {"COV-H1", "COV-H2"}
    assert {r["region_code"] for r in rows} == {"520526002201"}
    assert (
        main(["assistance", "coverage", "--year", "2024", "--region", "520526001201", "--user", "op_b"]) == 1
    )
    assert "outside your scope" in capsys.readouterr().err


def test_cli_coverage_xlsx_refused_for_cadre_and_logged(world, tmp_path, capsys):
    out = tmp_path / "c.xlsx"
    assert (
        main(
            [
                "assistance",
                "coverage",
                "--year",
                "2024",
                "--format",
                "xlsx",
                "--out",
                str(out),
                "--user",
                "cadre_a",
            ]
        )
        == 1
    )
    assert not out.exists()
    assert main(["assistance", "coverage", "--year", "2024", "--format", "xlsx", "--out", str(out)]) == 0
    assert out.exists() and ExportLog.objects.get().channel == "cli"


def test_cli_measures(world, capsys):
    assert main(["assistance", "measures"]) == 0
    out = capsys.readouterr().out
    assert "HLT02" in out and "大病专项救治" in out


@pytest.mark.parametrize(
    "path",
    [
        "/assistance/",
        "/assistance/cadres/",
        "/assistance/units/",
        "/assistance/leaders/",
        "/assistance/helpers/",
        "/assistance/matters/",
        "/assistance/catalogue/",
    ],
)
def test_pages_render(world, path):
    assert page_client(world["op_a"]).get(path).status_code == 200


def test_coverage_export_past_the_sheet_limit_keeps_every_finding(world, monkeypatch):
    from fupin.core import exports

    c = page_client(world["op_b"])
    whole = openpyxl.load_workbook(io.BytesIO(c.get("/assistance/coverage/?year=2024&format=xlsx").content))
    expected = list(whole["问题清单"].iter_rows(min_row=2, values_only=True))
    assert len(expected) >= 2
    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/assistance/coverage/?year=2024&format=xlsx").content))
    parts = [name for name in wb.sheetnames if name.startswith("问题清单")]
    assert parts == ["问题清单"] + [f"问题清单 ({k})" for k in range(2, len(expected) + 1)]
    assert [row for name in parts for row in wb[name].iter_rows(min_row=2, values_only=True)] == expected
    assert {wb[name]["A1"].value for name in parts} == {"检查项"}
