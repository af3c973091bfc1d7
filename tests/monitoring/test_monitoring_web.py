"""Monitoring pages, API and the public self-report page: values, scope denial, rate limits."""

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from factories import api_client, household, id_number, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.monitoring import services
from fupin.monitoring.models import Alert
from fupin.policy.models import Parameter
from fupin.registry.models import Member

pytestmark = pytest.mark.django_db
API = "/api/monitoring"


@pytest.fixture
def setup():
    cache.clear()
    t = region_tree()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    hh_a = household(t.village_a, "A0001", members=2, wage="4000")
    hh_b = household(t.village_b, "B0001", members=2, wage="4000")
    services.run_batch(None, 2024)
    op_a = user("village_operator", t.village_a)
    return {
        "t": t,
        "hh_a": hh_a,
        "hh_b": hh_b,
        "op_a": op_a,
        "alert_a": Alert.objects.get(household=hh_a),
        "alert_b": Alert.objects.get(household=hh_b),
    }


def signed_in(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


# ------------------------------------------------------------------------------------------------ pages
def test_dashboard_counts_only_the_users_region(setup):
    r = signed_in(setup["op_a"]).get("/monitoring/?year=2024")
    assert r.status_code == 200
    assert r.context["data"]["total"] == 1 and r.context["data"]["by_signal"][0]["signal"] == "MON-INCOME"
    assert "人均纯收入低于监测线" in r.content.decode() and "防止返贫监测" in r.content.decode()
    county = signed_in(user("county_approver", setup["t"].county)).get("/monitoring/?year=2024")
    assert county.context["data"]["total"] == 2
    assert {r["name"]: r["alerts"] for r in county.context["data"]["by_region"]} == {"草海镇": 1, "幺站镇": 1}


def test_dashboard_other_region_is_404(setup):
    c = signed_in(setup["op_a"])
    assert c.get(f"/monitoring/?year=2024&region={setup['t'].village_b.code}").status_code == 404


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "bad region code (2, 4, 6, 9 or 12 digits): 52x", "行政区划代码格式错误"),
        ("zh-hans", "行政区划代码格式错误（应为 2、4、6、9 或 12 位数字）：52x", "bad region code"),
    ],
)
def test_a_refusal_is_shown_in_the_pages_language_only(setup, lang, shown, hidden):
    c = signed_in(setup["op_a"])
    c.cookies["django_language"] = lang
    body = c.get("/monitoring/?year=2024&region=52x", follow=True).content.decode()
    assert shown in body and hidden not in body


@pytest.mark.parametrize("page", ["", "alerts/", "cases/", "elimination/", "export.xlsx", "alerts/export/"])
def test_pages_refuse_a_region_outside_404_and_say_a_malformed_one(setup, page):
    c = signed_in(setup["op_a"])
    assert (
        c.get(f"/monitoring/{page}", {"year": 2024, "region": setup["t"].village_b.code}).status_code == 404
    )
    r = c.get(f"/monitoring/{page}", {"year": 2024, "region": "52x"}, follow=True)
    assert r.status_code == 200 and "行政区划代码格式错误" in r.content.decode()
    assert not ExportLog.objects.exists()


def test_dashboard_in_english(setup):
    c = signed_in(setup["op_a"])
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = c.get("/monitoring/?year=2024").content.decode()
    assert (
        "per-capita net income below the monitoring line" in body and "Return-to-poverty monitoring" in body
    )


def test_alert_inbox_detail_and_status(setup):
    c = signed_in(setup["op_a"])
    r = c.get("/monitoring/alerts/")
    assert [a.pk for a in r.context["page"]] == [setup["alert_a"].pk]
    assert c.get(f"/monitoring/alerts/{setup['alert_b'].pk}/").status_code == 404
    assert c.post(f"/monitoring/alerts/{setup['alert_b'].pk}/", {"status": "dismissed"}).status_code == 404
    r = c.post(f"/monitoring/alerts/{setup['alert_a'].pk}/", {"status": "checking", "note": "入户核查中"})
    assert r.status_code == 302
    a = Alert.objects.get(pk=setup["alert_a"].pk)
    assert (a.status, a.note, a.updated_by_id) == ("checking", "入户核查中", setup["op_a"].pk)
    assert Alert.objects.get(pk=setup["alert_b"].pk).status == "new"


def test_read_only_role_cannot_change_status(setup):
    sup = user("supervisor", setup["t"].county)
    r = signed_in(sup).post(f"/monitoring/alerts/{setup['alert_a'].pk}/", {"status": "dismissed"})
    assert r.status_code == 404 or r.status_code == 403
    assert Alert.objects.get(pk=setup["alert_a"].pk).status == "new"


def test_run_batch_page_needs_a_writer(setup):
    sup = user("supervisor", setup["t"].county)
    assert signed_in(sup).post("/monitoring/batch/", {"year": "2024"}).status_code == 403
    r = signed_in(setup["op_a"]).post("/monitoring/batch/", {"year": "2024"}, follow=True)
    assert "1 households checked" in r.content.decode() or "1" in str(list(r.context["messages"])[0])
    assert Alert.objects.count() == 2


def test_export_is_scoped_and_logged(setup):
    r = signed_in(setup["op_a"]).get("/monitoring/alerts/export/")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(__import__("io").BytesIO(r.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == "A0001"
    assert ExportLog.objects.get().kind == "monitoring.alerts.xlsx"


def test_department_upload_page_and_report(setup, tmp_path):
    m = Member.objects.filter(household=setup["hh_a"]).first()
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号码"])
    wb.active.append([m.name, m.id_number])
    wb.active.append(["外人", id_number("520526", date(1991, 1, 1))])
    path = tmp_path / "民政.xlsx"
    wb.save(path)
    c = signed_in(setup["op_a"])
    with path.open("rb") as f:
        r = c.post("/monitoring/departments/", {"source": "civil_affairs", "year": "2024", "file": f})
    assert r.status_code == 302
    report = c.get(r["Location"])
    assert report.context["batch"].counts == {"not_in_registry": 1, "signal": 1}
    assert report.context["problems"][0]["row"] == 3
    assert c.get(r["Location"] + "unmatched.xlsx").status_code == 200
    other = signed_in(user("village_operator", setup["t"].village_b))
    assert other.get(r["Location"]).status_code == 404


# -------------------------------------------------------------------------------------------------- API
def test_api_alerts_scoped(setup):
    r = api_client(setup["op_a"]).get(f"{API}/alerts?year=2024")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["items"][0]["household_no"] == "A0001"
    assert body["items"][0]["evidence"] == {"value": 2000.0, "threshold": 6000.0}
    assert body["items"][0]["label"]["en"] == "per-capita net income below the monitoring line"
    assert api_client(setup["op_a"]).get(f"{API}/alerts/{setup['alert_b'].pk}").status_code == 404
    c = api_client(setup["op_a"])
    outside = setup["t"].village_b.code
    for url in ("alerts", "summary", "cases", "cases-summary", "elimination"):  # like a missing region
        r = c.get(f"{API}/{url}", {"year": 2024, "region": outside})
        assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found", url
        r = c.get(f"{API}/{url}", {"year": 2024, "region": "52x"})
        assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed", url


def test_api_status_batch_and_summary(setup):
    c = api_client(setup["op_a"])
    r = c.post(
        f"{API}/alerts/{setup['alert_a'].pk}/status",
        {"status": "case_opened", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "case_opened"
    assert (
        c.post(
            f"{API}/alerts/{setup['alert_b'].pk}/status",
            {"status": "dismissed"},
            content_type="application/json",
        ).status_code
        == 404
    )
    bad = c.post(
        f"{API}/alerts/{setup['alert_a'].pk}/status", {"status": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["message"]["en"] == "unknown status: nope"
    r = c.post(f"{API}/batch", {"year": 2024}, content_type="application/json")
    assert r.status_code == 200 and r.json()["households"] == 1 and r.json()["existing"] == 1
    assert (
        c.post(
            f"{API}/batch",
            {"year": 2024, "region": setup["t"].village_b.code},
            content_type="application/json",
        ).status_code
        == 404  # a region outside the scope, like a missing one; a role's denial is 403
    )
    sup = api_client(user("supervisor", setup["t"].county))
    assert sup.post(f"{API}/batch", {"year": 2024}, content_type="application/json").status_code == 403
    s = c.get(f"{API}/summary?year=2024").json()
    assert s["total"] == 1 and s["by_status"]["case_opened"] == 1


def test_api_department_upload(setup, tmp_path):
    m = Member.objects.filter(household=setup["hh_b"]).first()
    path = tmp_path / "yb.csv"
    path.write_text(f"姓名,身份证号码,累计自付费用\n{m.name},{m.id_number},8000\n", encoding="utf-8")
    officer = api_client(user("department_officer", setup["t"].county))
    with path.open("rb") as f:
        r = officer.post(f"{API}/departments", {"file": f, "source": "medical_insurance", "year": "2024"})
    assert r.status_code == 201 and r.json()["counts"] == {"signal": 1} and r.json()["alerts_new"] == 1
    pk = r.json()["id"]
    assert api_client(setup["op_a"]).get(f"{API}/departments/{pk}").status_code == 404
    with path.open("rb") as f:
        denied = api_client(user("auditor", setup["t"].county)).post(
            f"{API}/departments", {"file": f, "source": "education"}
        )
    assert denied.status_code == 403


# ------------------------------------------------------------------------------------------ self-report
def _report(c, id_no, **kw):
    data = {
        "name": "户主甲",
        "id_number": id_no,
        "phone": "138 0013 8000",
        "kind": "illness",
        "description": "住院花了三万元",
        **kw,
    }
    return c.post("/monitoring/report/", data)


def test_self_report_lands_in_the_village_inbox(setup):
    m = Member.objects.filter(household=setup["hh_a"]).first()
    r = _report(Client(), m.id_number.lower(), name=m.name)
    assert r.status_code == 200 and "Report received" in r.content.decode() or "已收到" in r.content.decode()
    a = Alert.objects.get(channel="self_report")
    assert (a.household_id, a.member_id, a.region_id, a.signal) == (
        setup["hh_a"].pk,
        m.pk,
        setup["t"].village_a.code,
        "SELF-illness",
    )
    assert a.evidence["phone"] == "13800138000" and a.evidence["name_matches"] is True
    # the village operator sees it; the other village does not
    assert api_client(setup["op_a"]).get(f"{API}/alerts?channel=self_report").json()["count"] == 1
    other = api_client(user("village_operator", setup["t"].village_b))
    assert other.get(f"{API}/alerts?channel=self_report").json()["count"] == 0


def test_self_report_from_someone_not_in_the_registry_goes_to_the_county(setup):
    stranger = id_number("520526", date(1988, 8, 8))
    assert _report(Client(), stranger).status_code == 200
    a = Alert.objects.get(channel="self_report")
    assert a.household_id is None and a.region_id == setup["t"].county.code
    county = api_client(user("county_approver", setup["t"].county))
    assert county.get(f"{API}/alerts?unmatched=true").json()["count"] == 1
    assert api_client(setup["op_a"]).get(f"{API}/alerts?unmatched=true").json()["count"] == 0


def test_self_report_validates_in_both_languages(setup):
    body = _report(Client(), "52052619880808123", phone="12345").content.decode()
    assert "证件号码应为18位" in body and "an ID number has 18 characters" in body
    assert "请填写11位手机号码" in body and "give an 11-digit mobile number" in body
    good = id_number("520526", date(1988, 8, 8))
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    body = _report(Client(), wrong).content.decode()
    assert "证件号码校验位错误" in body and "check digit is wrong" in body
    assert Alert.objects.filter(channel="self_report").count() == 0


def test_self_report_is_rate_limited_per_id_and_ip(setup):
    stranger = id_number("520526", date(1988, 8, 8))
    c = Client()
    for _ in range(3):
        assert _report(c, stranger).status_code == 200
    assert _report(c, stranger).status_code == 429
    assert Alert.objects.filter(channel="self_report").count() == 3
    other = id_number("520526", date(1977, 7, 7))
    assert _report(c, other).status_code == 200  # the 5th from this IP in the hour
    assert _report(c, other).status_code == 429  # the 6th
    cache.clear()
    assert _report(c, other).status_code == 200


def test_the_rate_limit_keeps_no_id_number_in_the_cache(setup, settings):
    """A shared cache (Redis, memcached) holds its keys in clear: the limit counts a keyed hash."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate-limit-keys"}
    }
    stranger = id_number("520526", date(1988, 8, 8))
    assert _report(Client(), stranger).status_code == 200
    keys = list(caches["default"]._cache)
    assert any(":selfreport:id:" in k for k in keys)
    assert not [k for k in keys if stranger in k or stranger[-6:] in k]


def test_self_report_page_is_public(setup):
    r = Client().get("/monitoring/report/?county=520526")
    assert r.status_code == 200 and 'value="520526"' in r.content.decode()


@pytest.mark.parametrize("status", ["galaxy", "9" * 25, ""])
def test_unknown_status_is_400_with_the_message_and_changes_nothing(setup, status):
    """An alert status that is not in the code list (a hand-made POST) was a 500: the refusal was not caught."""
    c = signed_in(setup["op_a"])
    r = c.post(f"/monitoring/alerts/{setup['alert_a'].pk}/", {"status": status, "note": "x"})
    assert r.status_code == 400
    assert "未知状态" in r.content.decode()
    a = Alert.objects.get(pk=setup["alert_a"].pk)
    assert (a.status, a.note) == ("new", "")
