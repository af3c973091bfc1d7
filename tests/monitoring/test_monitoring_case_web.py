"""Case pages and API: open from an alert, act on steps, scope denial on every path, dashboard figures."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from factories import api_client, household, region_tree, user

from fupin.monitoring import cases, services
from fupin.monitoring.models import Alert, Case
from fupin.policy.models import Parameter

pytestmark = pytest.mark.django_db
API = "/api/monitoring"


@pytest.fixture
def s():
    t = region_tree()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    hh = household(t.village_a, "A0001", members=2, wage="4000", household_type="ordinary")
    services.run_batch(None, 2024)
    return {
        "t": t,
        "hh": hh,
        "alert": Alert.objects.get(household=hh),
        "village": user("village_operator", t.village_a),
        "other": user("village_operator", t.village_b),
        "county": user("county_approver", t.county),
    }


def web(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


def test_open_case_from_alert_page_and_advance(s):
    c = web(s["village"])
    url = f"/monitoring/cases/new/?household=A0001&alert={s['alert'].pk}"
    r = c.post(url, {"kind": "identification", "monitor_type": "edge", "year": "2024", "note": "入户发现"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.monitor_type, case.risks, case.step) == (
        "identification",
        "edge",
        ["MON-INCOME"],
        "home_checked",
    )
    assert Alert.objects.get(pk=s["alert"].pk).status == "case_opened"
    page = c.get(r["Location"])
    assert "入户核查" in page.content.decode() and page.context["can_advance"]
    c.post(r["Location"], {"action": "advance", "note": "已核查"})
    case.refresh_from_db()
    assert case.step == "authorized"
    # the county may not do the village's step: the button is not offered and the post changes nothing
    county = web(s["county"])
    assert not county.get(r["Location"]).context["can_advance"]
    assert (
        county.post(r["Location"], {"action": "advance"}).status_code == 403
    )  # a role denial; out of scope is 404
    case.refresh_from_db()
    assert case.step == "authorized"


def test_case_pages_deny_other_villages(s):
    case = cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge")
    o = web(s["other"])
    assert o.get(f"/monitoring/cases/{case.pk}/").status_code == 404
    assert o.post(f"/monitoring/cases/{case.pk}/", {"action": "advance"}).status_code == 404
    assert o.get("/monitoring/cases/new/?household=A0001").status_code == 404
    assert o.get("/monitoring/cases/").context["page"].paginator.count == 0
    assert web(s["village"]).get("/monitoring/cases/").context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "already has an open case", "该户已有办理中的同类事项"),
        ("zh-hans", "该户已有办理中的同类事项", "already has an open case"),
    ],
)
def test_failed_open_says_why_in_the_pages_language_only(s, lang, shown, hidden):
    cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge")
    c = web(s["village"])
    c.cookies["django_language"] = lang
    r = c.post(
        "/monitoring/cases/new/?household=A0001",
        {"kind": "identification", "monitor_type": "edge", "year": "2024"},
    )
    body = r.content.decode()
    assert shown in body and hidden not in body


def test_dashboard_shows_case_figures_and_exports(s):
    case = cases.open_case(
        s["village"], s["hh"], "identification", year=2024, monitor_type="edge", today=date(2024, 1, 1)
    )
    c = web(s["county"])
    r = c.get("/monitoring/?year=2024")
    assert r.context["cases"]["open"] == 1 and r.context["cases"]["overdue"] == 1
    x = c.get("/monitoring/export.xlsx?year=2024")
    assert x.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    totals = {row[0]: row[1] for row in wb["总体 totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["alerts"] == 1 and totals["open cases"] == 1 and totals["overdue cases"] == 1
    assert [r[0] for r in wb["按信号 by signal"].iter_rows(min_row=2, values_only=True)] == ["MON-INCOME"]
    assert case.is_open


def test_elimination_worklist_page(s):
    case = cases.open_case(
        s["village"],
        s["hh"],
        "identification",
        year=2024,
        monitor_type="edge",
        green_channel=True,
        today=date(2024, 1, 2),
    )
    r = web(s["village"]).get("/monitoring/elimination/?year=2024")
    row = r.context["rows"][0]
    assert row["household_no"] == "A0001" and not row["eligible"]
    assert "未落实帮扶措施" in row["why"]
    assert web(s["other"]).get("/monitoring/elimination/?year=2024").context["rows"] == []
    assert case.green_channel


def test_case_api_cycle_and_denials(s):
    v = api_client(s["village"])
    r = v.post(
        f"{API}/cases",
        {
            "household_no": "A0001",
            "kind": "identification",
            "year": 2024,
            "monitor_type": "unstable",
            "alert_id": s["alert"].pk,
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "monitor_type"  # an ordinary household
    r = v.post(
        f"{API}/cases",
        {
            "household_no": "A0001",
            "kind": "identification",
            "year": 2024,
            "monitor_type": "edge",
            "alert_id": s["alert"].pk,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["step"] == "home_checked" and body["steps"][0]["label"] == {
        "zh": "入户核查",
        "en": "Home check",
    }
    pk = body["id"]
    r = v.post(f"{API}/cases/{pk}/advance", {"note": "ok"}, content_type="application/json")
    assert r.json()["step"] == "authorized" and r.json()["events"][-1]["action"] == "advance"
    assert (
        api_client(s["county"])
        .post(f"{API}/cases/{pk}/advance", {}, content_type="application/json")
        .status_code
        == 403
    )
    o = api_client(s["other"])
    assert o.get(f"{API}/cases/{pk}").status_code == 404
    assert o.post(f"{API}/cases/{pk}/advance", {}, content_type="application/json").status_code == 404
    assert (
        o.post(
            f"{API}/cases",
            {"household_no": "A0001", "kind": "identification", "year": 2024, "monitor_type": "edge"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert o.get(f"{API}/cases").json() == []
    bad = v.post(f"{API}/cases/{pk}/reject", {"note": "x"}, content_type="application/json")
    assert (
        bad.status_code == 422 and bad.json()["detail"][0]["message"]["en"] == "only a review step can reject"
    )
    summary = api_client(s["county"]).get(f"{API}/cases-summary?year=2024").json()
    assert summary["open"] == 1 and summary["monitored"] == 0
    assert v.get(f"{API}/elimination?year=2024").json() == []
