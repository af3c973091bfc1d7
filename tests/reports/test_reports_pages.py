import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from factories import user

from fupin.accounts.models import ExportLog
from fupin.registry.models import HouseholdYear
from fupin.reports import services
from fupin.reports.models import CountyExitInput, Run


@pytest.fixture
def boss(county):
    return user("county_approver", county.county, username="boss")


def test_statistics_children_equal_a_recount(client, county, boss):
    client.force_login(boss)
    page = client.get(reverse("reports:statistics"), {"year": 2024})
    assert page.status_code == 200
    children = page.context["tables"]["children"].rows
    assert [r["region_code"] for r in children] == [county.town_a.code, county.town_b.code]
    for r in children:  # recount through the ORM
        qs = HouseholdYear.objects.filter(
            year=2024, household__village__code__startswith=r["region_code"][:9]
        )
        poor = qs.filter(status__in=["poor", "returned"])
        assert r["households"] == qs.count()
        assert r["persons"] == sum(qs.values_list("size", flat=True))
        assert r["poor_households"] == poor.count()
        assert r["poor_persons"] == sum(poor.values_list("size", flat=True))
    own = page.context["own"]
    assert (own["households"], own["poor_persons"], own["incidence_pct"]) == (4, 10, 1.0)
    html = page.content.decode()
    assert f'href="?year=2024&region={county.town_a.code}"' in html and "草海镇" in html
    causes = {r["main_cause"]: r for r in page.context["tables"]["cause"].rows}
    assert causes["illness"]["households"] == 2 and causes["illness"]["poor_persons"] == 5
    health = page.context["tables"]["health"].rows
    assert health == [{"health": "healthy", "persons": 14, "poor_persons": 10, "label": "健康"}]
    ages = {r["label"]: r["persons"] for r in page.context["tables"]["age_band"].rows}
    assert sum(ages.values()) == 14
    income = {r["year"]: r for r in page.context["tables"]["income"].rows}
    assert income[2024]["mean_income_pc"] == round(41000 / 14, 2)
    assert income[2023]["mean_income_pc"] == 1500.0 and page.context["cagr"] is not None
    fgt = {r["region_code"]: r for r in page.context["tables"]["fgt"].rows}
    assert fgt[county.county.code]["P0_pct"] == round(9 / 14 * 100, 4)  # 9 of 14 persons below 4000
    assert fgt[county.town_b.code]["P0_pct"] == 0.0


def test_statistics_drill_down_to_village_and_english(client, county, boss):
    client.force_login(boss)
    page = client.get(reverse("reports:statistics"), {"year": 2024, "region": county.town_a.code})
    rows = page.context["tables"]["children"].rows
    assert [r["region_name"] for r in rows] == ["石板村", "新寨村"]
    assert [c["name"] for c in page.context["crumbs"]] == ["威宁彝族回族苗族自治县", "草海镇"]
    village = client.get(reverse("reports:statistics"), {"year": 2024, "region": county.village_a.code})
    assert village.context["child_level"] is None and village.context["own"]["households"] == 2
    client.post(reverse("set_language"), {"language": "en", "next": "/reports/"})
    page = client.get(reverse("reports:statistics"), {"year": 2024})
    assert "By main cause of poverty" in page.content.decode()


def test_statistics_export_one_sheet_per_table_and_logged(client, county, boss):
    client.force_login(boss)
    r = client.get(reverse("reports:statistics_export"), {"year": 2024})
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) == 12 and "下级地区" in wb.sheetnames
    ws = wb["下级地区"]
    with translation.override("zh-hans"):
        assert [c.value for c in ws[1]][:3] == ["代码", "地区", translation.gettext("Households")]
    assert [c.value for c in ws[2]][:3] == [county.town_a.code, "草海镇", 3]
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.channel) == (boss, "reports.statistics", "web")


def test_village_operator_cannot_see_other_village_stats_or_runs(client, county, op_a, op_b):
    client.force_login(op_a)
    assert (
        client.get(reverse("reports:statistics"), {"year": 2024, "region": county.village_b.code}).status_code
        == 404
    )
    assert (
        client.get(
            reverse("reports:statistics_export"), {"year": 2024, "region": county.village_b.code}
        ).status_code
        == 404
    )
    page = client.get(reverse("reports:statistics"), {"year": 2024})
    assert page.context["own"]["households"] == 2 and "龙场村" not in page.content.decode()
    theirs = services.run_identification(op_b, 2024)
    for name in ("run_detail", "run_export", "run_status"):
        assert client.get(reverse(f"reports:{name}", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("reports:run_reproduce", args=[theirs.pk])).status_code == 404
    assert theirs.pk not in [r.pk for r in client.get(reverse("reports:run_list")).context["page"]]
    page = client.post(reverse("reports:identify"), {"year": 2024, "region": county.village_b.code})
    assert page.status_code == 200 and page.context["form"].errors["region"] == ["该地区不在您的管辖范围内"]
    assert Run.objects.count() == 1


def test_identification_page_runs_filters_and_exports(client, county, boss):
    client.force_login(boss)
    r = client.post(reverse("reports:identify"), {"year": 2024})
    run = Run.objects.get()
    assert r.status_code == 302 and r.url == reverse("reports:run_detail", args=[run.pk])
    page = client.get(r.url)
    html = page.content.decode()
    assert page.context["matched"] == 4 and "人均纯收入低于贫困线" in html
    page = client.get(r.url, {"outcome": "not_poor"})
    assert page.context["matched"] == 1 and page.context["body"][0][0] == county.h4.household_no
    page = client.get(r.url, {"reason": "income_below_line"})
    assert page.context["matched"] == 3
    x = client.get(reverse("reports:run_export", args=[run.pk]), {"outcome": "poor"})
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert ws.max_row == 4 and ws["A1"].value == "户编号"
    assert ExportLog.objects.get().kind == "reports.identify"
    r = client.post(reverse("reports:run_reproduce", args=[run.pk]))
    assert Run.objects.latest("pk").reproduces == run


def test_run_export_past_the_sheet_limit_keeps_every_row(client, county, boss, monkeypatch):
    """A province's run has more rows than a sheet holds: the workbook goes on in a continuation sheet
    (Polars refused the whole frame, and the page answered 500)."""
    from fupin.core import exports

    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 3)  # the header and two rows
    client.force_login(boss)
    client.post(reverse("reports:identify"), {"year": 2024})
    run = Run.objects.get()
    x = client.get(reverse("reports:run_export", args=[run.pk]))
    assert x.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert len(wb.sheetnames) == 2 and wb.sheetnames[1] == f"{wb.sheetnames[0]} (2)"
    assert [ws["A1"].value for ws in wb] == ["户编号"] * 2
    rows = [r for ws in wb for r in ws.iter_rows(min_row=2, values_only=True)]
    households = (county.h1, county.h2, county.h3, county.h4)
    assert sorted(r[0] for r in rows) == sorted(h.household_no for h in households)
    assert ExportLog.objects.get().rows == 4


def test_run_list_and_detail_name_the_region(client, county, boss):
    client.force_login(boss)
    client.post(reverse("reports:identify"), {"year": 2024, "region": county.town_a.code})
    run = Run.objects.get()
    page = client.get(reverse("reports:run_list"))
    assert [r.region_name for r in page.context["page"]] == [county.town_a.name]
    assert (
        client.get(reverse("reports:run_detail", args=[run.pk])).context["region_name"] == county.town_a.name
    )


def test_exit_pages_village_and_county_tables(client, county, boss):
    client.force_login(boss)
    client.post(reverse("reports:exits"), {"year": 2024, "level": "village"})
    page = client.get(reverse("reports:run_detail", args=[Run.objects.get().pk]))
    html = page.content.decode()
    assert "未通过" in html and "无农村人口数据" in html and page.context["matched"] == 3
    client.post(reverse("reports:exits"), {"year": 2024, "level": "county"})
    run = Run.objects.get(kind="exit_county")
    page = client.get(reverse("reports:run_detail", args=[run.pk]))
    html = page.content.decode()
    assert "综合贫困发生率" in html and "群众认可度" in html and "无抽样/调查数据" in html


def test_county_input_form_for_approvers_only(client, county, boss, op_a):
    client.force_login(op_a)
    assert client.get(reverse("reports:county_input_create")).status_code == 403
    client.force_login(boss)
    r = client.post(
        reverse("reports:county_input_create"),
        {"county": county.county.code, "year": 2024, "exit_sample": 10, "wrong_exit_found": 11},
    )
    assert r.status_code == 200 and "错退人数不能多于抽样脱贫人数" in r.content.decode()
    r = client.post(
        reverse("reports:county_input_create"),
        {
            "county": county.county.code,
            "year": 2024,
            "exit_sample": 100,
            "wrong_exit_found": 1,
            "survey_households": 100,
            "survey_approving": 95,
        },
    )
    assert r.status_code == 302
    obj = CountyExitInput.objects.get()
    assert (obj.exit_sample, obj.survey_approving, obj.updated_by) == (100, 95, boss)
    page = client.get(reverse("reports:county_inputs"))
    assert "威宁彝族回族苗族自治县" in page.content.decode()


def test_large_scope_runs_in_background_with_progress(
    client, county, boss, settings, django_capture_on_commit_callbacks
):
    settings.FUPIN_SYNC_RUN_HOUSEHOLDS = 2  # the county has 4 households: background
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post(reverse("reports:identify"), {"year": 2024})
    run = Run.objects.get()
    assert r.status_code == 302 and run.status == "running" and len(callbacks) == 1
    page = client.get(reverse("reports:run_detail", args=[run.pk]))
    html = page.content.decode()
    assert f'hx-get="{reverse("reports:run_status", args=[run.pk])}"' in html and "读取档案数据" in html
    services.execute(run)  # what the thread does
    r = client.get(reverse("reports:run_status", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert r["HX-Refresh"] == "true" and 'data-status="done"' in r.content.decode()
