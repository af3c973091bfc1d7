"""Alert and case versions: a read names the version (ETag header, `version`); a status change or a case
action based on an older version is refused with 409 and the bilingual message, and saves nothing — on the
API and on the alert and case pages. The batch moves an alert's version on only when its evidence changes."""

from decimal import Decimal

import pytest
from django.test import Client
from factories import api_client, assert_edit_conflict, household, region_tree, user

from fupin.core.errors import EditConflict
from fupin.monitoring import cases, services
from fupin.monitoring.models import Alert, Case, CaseEvent
from fupin.policy.models import Parameter
from fupin.registry.models import HouseholdYear

pytestmark = pytest.mark.django_db
API = "/api/monitoring"


@pytest.fixture
def s():
    t = region_tree()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    hh = household(t.village_a, "A0001", members=2, wage="4000", household_type="ordinary")
    services.run_batch(None, 2024)
    village, town = user("village_operator", t.village_a), user("township_reviewer", t.town_a)
    return {
        "hh": hh,
        "alert": Alert.objects.get(household=hh),
        "village": village,
        "town": town,
        "api": api_client(village),
    }


@pytest.fixture
def case(s):
    return cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge")


def web(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


# --- alerts -------------------------------------------------------------------------------------------


def test_an_alert_read_names_the_version_and_a_status_change_moves_it_on(s):
    api, pk = s["api"], s["alert"].pk
    r = api.get(f"{API}/alerts/{pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"'
    before = r["ETag"]
    r = api.post(
        f"{API}/alerts/{pk}/status",
        {"status": "checking", "note": "入户核实"},
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert (
        r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["status"] == "checking"
    )


def test_an_alert_status_change_based_on_an_older_version_is_409_and_saves_nothing(s):
    api, pk = s["api"], s["alert"].pk
    stale = api.get(f"{API}/alerts/{pk}")["ETag"]
    services.set_status(s["town"], s["alert"], "dismissed", "收入已核实")
    assert_edit_conflict(
        api.post(
            f"{API}/alerts/{pk}/status",
            {"status": "checking", "note": "我的说明"},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    alert = Alert.objects.get(pk=pk)
    assert (alert.status, alert.note) == ("dismissed", "收入已核实")
    r = api.post(f"{API}/alerts/{pk}/status", {"status": "checking"}, content_type="application/json")
    assert r.status_code == 200  # no If-Match: not checked


def test_the_batch_moves_an_alerts_version_on_only_when_its_evidence_changes(s):
    pk = s["alert"].pk
    opened = services.alert_version(s["alert"])
    services.run_batch(None, 2024)
    assert services.alert_version(Alert.objects.get(pk=pk)) == opened
    HouseholdYear.objects.filter(household=s["hh"], year=2024).update(
        wage_income=Decimal("3000"), net_income=Decimal("3000"), net_income_per_capita=Decimal("1500")
    )
    services.run_batch(None, 2024)
    alert = Alert.objects.get(pk=pk)
    assert services.alert_version(alert) != opened and alert.evidence["value"] == 1500
    with pytest.raises(EditConflict):
        services.set_status(s["village"], alert, "dismissed", version=opened)
    assert Alert.objects.get(pk=pk).status == "new"


def test_a_stale_alert_page_is_409_and_saves_nothing(s):
    c, pk = web(s["village"]), s["alert"].pk
    url = f"/monitoring/alerts/{pk}/"
    opened = services.alert_version(s["alert"])
    assert f'name="version" value="{opened}"' in c.get(url).content.decode()
    services.set_status(s["town"], s["alert"], "dismissed", "收入已核实")
    r = c.post(url, {"status": "checking", "note": "我的说明", "version": opened})
    body = r.content.decode()
    assert r.status_code == 409 and "已被他人修改" in body and "我的说明" in body  # the typed note is kept
    alert = Alert.objects.get(pk=pk)
    assert (alert.status, alert.note) == ("dismissed", "收入已核实")
    assert f'name="version" value="{services.alert_version(alert)}"' in body  # the page shows it as it is now
    c.cookies["django_language"] = "en"
    r = c.post(url, {"status": "checking", "version": opened})
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    r = c.post(url, {"status": "checking", "version": services.alert_version(alert)})
    assert r.status_code == 302 and Alert.objects.get(pk=pk).status == "checking"


# --- cases --------------------------------------------------------------------------------------------


def test_a_case_read_names_the_version_and_an_action_moves_it_on(s, case):
    api = s["api"]
    r = api.get(f"{API}/cases/{case.pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"'
    before = r["ETag"]
    r = api.post(
        f"{API}/cases/{case.pk}/advance",
        {"note": "已核查"},
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert (
        r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["step"] == "authorized"
    )
    r = api.post(
        f"{API}/cases/{case.pk}/note",
        {"note": "补充"},
        content_type="application/json",
        headers={"If-Match": r["ETag"]},
    )
    assert r.status_code == 200 and r["ETag"] == api.get(f"{API}/cases/{case.pk}")["ETag"] != before


def test_a_case_action_based_on_an_older_version_is_409_and_saves_nothing(s, case):
    api = s["api"]
    stale = api.get(f"{API}/cases/{case.pk}")["ETag"]
    cases.add_note(s["town"], case, "乡镇提醒：先核实收入")
    events = CaseEvent.objects.count()
    for action in ("advance", "note", "reject"):
        assert_edit_conflict(
            api.post(
                f"{API}/cases/{case.pk}/{action}",
                {"note": "我的操作"},
                content_type="application/json",
                headers={"If-Match": stale},
            )
        )
    assert Case.objects.get(pk=case.pk).step == "home_checked" and CaseEvent.objects.count() == events
    r = api.post(f"{API}/cases/{case.pk}/advance", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["step"] == "authorized"  # no If-Match: not checked


def test_a_stale_case_page_is_409_and_saves_nothing(s, case):
    c = web(s["village"])
    url = f"/monitoring/cases/{case.pk}/"
    opened = cases.case_version(case)
    assert f'name="version" value="{opened}"' in c.get(url).content.decode()
    cases.advance(s["village"], case, "另一人已核查")
    r = c.post(url, {"action": "advance", "note": "我的核查", "version": opened})
    body = r.content.decode()
    assert r.status_code == 409 and "已被他人修改" in body and "我的核查" in body
    case = Case.objects.get(pk=case.pk)
    assert case.step == "authorized" and not case.events.filter(note="我的核查").exists()
    c.cookies["django_language"] = "en"
    r = c.post(url, {"action": "note", "note": "x", "version": opened})
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()
    r = c.post(url, {"action": "advance", "note": "我的核查", "version": cases.case_version(case)})
    assert r.status_code == 302 and Case.objects.get(pk=case.pk).step == "data_compared"
