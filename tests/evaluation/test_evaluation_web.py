"""Evaluation pages and API: what each role sees and may do, in Chinese and English, 404 outside the region."""

import io

import polars as pl
import pytest
from factories import VISIT, api_client, assert_edit_conflict, region, user

from fupin.accounts.models import ExportLog
from fupin.evaluation import services
from fupin.evaluation.models import Evaluation, SampledHousehold, Visit


def _first(e):
    return SampledHousehold.objects.filter(evaluation=e).order_by("stratum", "rank").first()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_evaluator_sets_up_an_evaluation_on_the_page(client, county, auditor, lang):
    client.cookies["django_language"] = lang
    client.force_login(auditor)
    r = client.get("/evaluation/")
    assert r.status_code == 200 and 'id="evaluation-form"' in r.content.decode()
    r = client.post(
        "/evaluation/",
        {"county": county.county.code, "year": 2020, "kind": "third_party", "seed": "7", "size_exited": "3"},
    )
    e = Evaluation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/{e.pk}/"
    assert e.seed == 7 and e.sample_sizes["exited"] == 3
    body = client.get(f"/evaluation/{e.pk}/").content.decode()
    assert ("错退率" if lang == "zh-hans" else "Wrong-exit rate") in body
    assert 'id="sample"' in body


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_bad_setup_shows_the_problem_in_the_language_and_saves_nothing(client, county, auditor, lang):
    client.cookies["django_language"] = lang
    client.force_login(auditor)
    r = client.post(
        "/evaluation/", {"county": county.county.code, "year": 2020, "kind": "third_party", "seed": "x"}
    )
    assert r.status_code == 200
    assert (
        "随机种子应为非负整数" if lang == "zh-hans" else "the seed is a whole number"
    ) in r.content.decode()
    assert not Evaluation.objects.exists()


def test_reader_sees_rates_but_not_the_sample_and_may_not_act(client, county, evaluation):
    reader = user("township_reviewer", county.county, username="reader")
    client.force_login(reader)
    body = client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    assert 'id="rates"' in body and 'id="sample-hidden"' in body and 'id="sample"' not in body
    assert 'id="evaluation-form"' not in client.get("/evaluation/").content.decode()
    assert (
        client.post(
            "/evaluation/", {"county": county.county.code, "year": 2020, "kind": "census"}
        ).status_code
        == 403
    )
    s = _first(evaluation)
    assert client.get(f"/evaluation/{evaluation.pk}/visits/{s.pk}/").status_code == 403
    assert client.post(f"/evaluation/{evaluation.pk}/visits/{s.pk}/", VISIT).status_code == 403
    assert client.post(f"/evaluation/{evaluation.pk}/close/").status_code == 403
    assert Evaluation.objects.get().status == "open" and not Visit.objects.exists()


def test_outside_the_region_is_not_found(client, county, evaluation):
    other = region("520527000000", "赫章县", 3, county.city)
    client.force_login(user("auditor", other, username="far"))
    assert client.get(f"/evaluation/{evaluation.pk}/").status_code == 404
    assert client.get(f"/evaluation/{evaluation.pk}/export.xlsx").status_code == 404
    assert client.get("/evaluation/999999/").status_code == 404


def test_visit_form_saves_and_a_stale_form_gets_409(client, evaluation, supervisor):
    client.force_login(supervisor)
    s = _first(evaluation)
    url = f"/evaluation/{evaluation.pk}/visits/{s.pk}/"
    assert 'name="visited_on"' in client.get(url).content.decode()
    r = client.post(url, {**VISIT, "next": "0"})
    assert r.status_code == 302 and Visit.objects.get().recorded_by == supervisor
    page = client.get(url).content.decode()
    old = page.split('name="version" value="')[1].split('"')[0]
    services.record_visit(supervisor, evaluation.pk, s.pk, {**VISIT, "income_pc": "7000"})
    r = client.post(url, {**VISIT, "income_pc": "1", "version": old})
    assert r.status_code == 409 and str(Visit.objects.get().income_pc) == "7000.00"
    r = client.post(url, {**VISIT, "water": ""})
    assert r.status_code == 422 and "饮水安全有保障" in r.content.decode()


def test_export_then_import_round_trip_and_the_export_is_logged(client, evaluation, supervisor):
    client.force_login(supervisor)
    r = client.get(f"/evaluation/{evaluation.pk}/export.xlsx")
    assert r.status_code == 200 and ExportLog.objects.get().kind == "evaluation.xlsx"
    sheet = pl.read_excel(io.BytesIO(r.content), sheet_name="抽样户")
    filled = sheet.head(2).with_columns(
        pl.lit("2020-11-01").alias("走访日期"),
        pl.lit(5000.0).alias("人均纯收入"),
        *[
            pl.lit("是").alias(c)
            for c in (
                "不愁吃",
                "不愁穿",
                "义务教育有保障",
                "基本医疗有保障",
                "住房安全有保障",
                "饮水安全有保障",
                "认可",
            )
        ],
    )
    buf = io.BytesIO()
    filled.write_excel(buf)
    buf.seek(0)
    buf.name = "visits.xlsx"
    r = client.post(f"/evaluation/{evaluation.pk}/import/", {"file": buf})
    assert r.status_code == 302 and Visit.objects.count() == 2


def test_rejected_import_lists_rows_and_saves_nothing(client, evaluation, supervisor):
    client.force_login(supervisor)
    buf = io.BytesIO(
        "户编号,走访日期,人均纯收入,不愁吃,不愁穿,义务教育有保障,基本医疗有保障,住房安全有保障,饮水安全有保障,认可\nX1,2020-11-01,abc,是,是,是,是,是,是,是\n".encode()
    )
    buf.name = "v.csv"
    r = client.post(f"/evaluation/{evaluation.pk}/import/", {"file": buf})
    body = r.content.decode()
    assert r.status_code == 422 and "第2行" in body and "X1" in body
    assert not Visit.objects.exists()


# --- API -------------------------------------------------------------------------------------------------


def test_api_create_read_visit_close(county, auditor, supervisor):
    api = api_client(auditor)
    r = api.post(
        "/api/evaluation/",
        {
            "county": county.county.code,
            "year": 2020,
            "kind": "third_party",
            "seed": 3,
            "sizes": {"exited": 2},
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert {x["indicator"] for x in r.json()["rates"]} == {"wrong_exit", "missed", "approval"}
    rec = api_client(supervisor)
    items = rec.get(f"/api/evaluation/{pk}/sample").json()["items"]
    assert len([i for i in items if i["stratum"] == "exited"]) == 2
    body = {
        **{k: True for k in ("food", "clothing", "education", "medical", "housing", "water", "approves")},
        "visited_on": "2020-11-02",
        "income_pc": 2500,
    }
    r = rec.put(f"/api/evaluation/{pk}/sample/{items[0]['id']}/visit", body, content_type="application/json")
    assert r.status_code == 200 and r["ETag"]
    etag = r["ETag"]
    rec.put(
        f"/api/evaluation/{pk}/sample/{items[0]['id']}/visit",
        {**body, "income_pc": 9000},
        content_type="application/json",
    )
    assert_edit_conflict(
        rec.put(
            f"/api/evaluation/{pk}/sample/{items[0]['id']}/visit",
            body,
            content_type="application/json",
            headers={"If-Match": etag},
        )
    )
    assert rec.post(f"/api/evaluation/{pk}/close").status_code == 403
    r = api.post(f"/api/evaluation/{pk}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert ExportLog.objects.filter(kind="api.evaluation.sample").exists()


def test_api_refusals(county, evaluation):
    reader = api_client(user("township_reviewer", county.county, username="reader"))
    assert reader.get(f"/api/evaluation/{evaluation.pk}").status_code == 200
    assert reader.get(f"/api/evaluation/{evaluation.pk}/sample").status_code == 403
    r = reader.post(
        "/api/evaluation/",
        {"county": county.county.code, "year": 2020, "kind": "census"},
        content_type="application/json",
    )
    assert r.status_code == 403
    other = region("520527000000", "赫章县", 3, county.city)
    far = api_client(user("auditor", other, username="far"))
    assert far.get(f"/api/evaluation/{evaluation.pk}").status_code == 404
    r = far.post(
        "/api/evaluation/",
        {"county": county.county.code, "year": 2020, "kind": "census"},
        content_type="application/json",
    )
    assert r.status_code == 404
    auditor = api_client(user("auditor", county.county, username="aud2"))
    r = auditor.post(
        "/api/evaluation/",
        {"county": county.county.code, "year": 2020, "kind": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 422
    [item] = r.json()["detail"]
    assert item["field"] == "kind" and item["message"]["zh"] and item["message"]["en"]
    assert Evaluation.objects.count() == 1
