"""Cases: the identification workflow, publicity switch, roles and regions per step, rejection, objection,
rollback, deadlines, green channel, and risk elimination with its criteria."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from factories import household, region_tree, user

from fupin.monitoring import cases, selectors, services
from fupin.monitoring.models import Alert, Case
from fupin.policy.models import Parameter
from fupin.registry.models import HouseholdYear

pytestmark = pytest.mark.django_db
MONDAY = date(2024, 3, 4)


@pytest.fixture
def s():
    t = region_tree()
    services.ensure_parameters()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    return {
        "t": t,
        "hh": household(t.village_a, "A0001", members=2, wage="4000", household_type="ordinary"),
        "village": user("village_operator", t.village_a),
        "town": user("township_reviewer", t.town_a),
        "county": user("county_approver", t.county),
        "other_village": user("village_operator", t.village_b),
    }


def _run(s, case, upto: str | None = None):
    actor = {
        "home_checked": "village",
        "authorized": "village",
        "data_compared": "county",
        "village_reviewed": "village",
        "publicized": "village",
        "town_approved": "town",
        "county_approved": "county",
        "announced": "county",
        "recorded": "county",
    }
    while case.step and case.step != upto:
        cases.advance(s[actor[case.step]], case, "ok", today=MONDAY)
    return case


def test_identification_runs_every_step_and_monitors_the_household(s):
    services.run_batch(None, 2024)
    alert = Alert.objects.get(household=s["hh"])
    case = cases.open_case(
        s["village"],
        s["hh"],
        "identification",
        year=2024,
        alert=alert,
        monitor_type="edge",
        risks=["illness"],
        today=MONDAY,
    )
    assert case.steps == [
        "home_checked",
        "authorized",
        "data_compared",
        "village_reviewed",
        "publicized",
        "town_approved",
        "county_approved",
        "recorded",
    ]
    assert case.deadline == date(2024, 4, 1)  # 20 working days after Monday 4 March
    assert Alert.objects.get(pk=alert.pk).status == "case_opened"
    _run(s, case)
    case.refresh_from_db()
    assert (case.step, case.outcome, case.closed_on) == ("", "approved", MONDAY)
    assert [e.action for e in case.events.all()] == ["open"] + ["advance"] * 8
    assert selectors.monitored_frame("520526").to_dicts() == [
        {"household_id": s["hh"].pk, "identified_on": MONDAY}
    ]
    counts = cases.case_counts(s["county"], year=2024, today=MONDAY)
    assert (counts["monitored"], counts["new_identified"], counts["open"], counts["by_type"]) == (
        1,
        1,
        0,
        {"edge": 1},
    )


def test_publicity_can_be_switched_off_by_parameter(s):
    Parameter.objects.create(
        name="publicity_enabled", region_code=s["t"].county.code, year_from=2024, value=0
    )
    case = cases.open_case(
        s["village"], s["hh"], "identification", year=2024, monitor_type="edge", today=MONDAY
    )
    assert "publicized" not in case.steps and len(case.steps) == 7


def test_each_step_needs_its_role_and_region(s):
    case = cases.open_case(
        s["village"], s["hh"], "identification", year=2024, monitor_type="edge", today=MONDAY
    )
    with pytest.raises(PermissionDenied):
        cases.advance(s["other_village"], case)  # same role, other village
    with pytest.raises(PermissionDenied):
        cases.advance(s["county"], case)  # home check is the village's
    _run(s, case, upto="data_compared")
    with pytest.raises(PermissionDenied):
        cases.advance(s["village"], case)  # data comparison is the county's
    with pytest.raises(PermissionDenied):
        cases.open_case(
            user("supervisor", s["t"].county), s["hh"], "identification", year=2024, monitor_type="edge"
        )
    with pytest.raises(Case.DoesNotExist):
        cases.get_case_for(s["other_village"], case.pk)
    assert cases.can_act(s["county"], case) and not cases.can_act(s["town"], case)


def test_rejection_objection_and_rollback(s):
    case = cases.open_case(
        s["village"], s["hh"], "identification", year=2024, monitor_type="edge", today=MONDAY
    )
    with pytest.raises(services.MonitoringError):
        cases.reject(s["village"], case, "不符合")  # home check is not a review
    _run(s, case, upto="publicized")
    cases.object_(s["village"], case, "村民反映家中有车")
    assert case.step == "village_reviewed"
    cases.rollback(s["county"], case, "比对数据有误，重新比对")
    assert case.step == "data_compared"
    with pytest.raises(services.MonitoringError):
        cases.rollback(s["county"], case, "")  # a reason is required
    _run(s, case, upto="town_approved")
    cases.reject(s["town"], case, "家庭收入高于监测线")
    case.refresh_from_db()
    assert (case.outcome, case.step) == ("rejected", "")
    assert [e.action for e in case.events.all()][-1] == "reject"
    assert selectors.monitored_frame("520526").is_empty()
    # rejected: a new identification may be opened
    assert cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge").is_open


def test_one_open_case_and_overdue(s):
    case = cases.open_case(
        s["village"], s["hh"], "identification", year=2024, monitor_type="sudden", today=MONDAY
    )
    with pytest.raises(services.MonitoringError):
        cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge")
    assert not cases.is_overdue(case, date(2024, 4, 1)) and cases.is_overdue(case, date(2024, 4, 2))
    assert cases.case_counts(s["county"], year=2024, today=date(2024, 4, 2))["overdue"] == 1


def test_green_channel_monitors_from_the_day_it_opens(s):
    cases.open_case(
        s["village"],
        s["hh"],
        "identification",
        year=2024,
        monitor_type="sudden",
        green_channel=True,
        today=MONDAY,
    )
    assert selectors.monitored_frame("520526").to_dicts() == [
        {"household_id": s["hh"].pk, "identified_on": MONDAY}
    ]


def _monitored(s, on=date(2024, 1, 8)):
    case = cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="edge", today=on)
    _run(s, case)
    Case.objects.filter(pk=case.pk).update(closed_on=on)


def test_elimination_is_blocked_until_the_criteria_hold(s):
    _monitored(s)
    with pytest.raises(services.MonitoringError) as e:
        cases.open_case(
            s["village"], s["hh"], "elimination", year=2024, method="assisted", today=date(2024, 9, 1)
        )
    assert e.value.en.endswith(
        "no assistance measure applied; per-capita net income not above this year's monitoring line"
    )
    worklist = cases.elimination_worklist(s["county"], 2024, today=date(2024, 3, 1))
    assert worklist.to_dicts()[0]["blockers"] == ["too_recent", "no_measure", "income_below_line"]


def test_elimination_worklist_page_shows_the_household_number(s, client):
    _monitored(s)
    client.force_login(s["county"])
    r = client.get("/monitoring/elimination/?year=2024")
    assert r.status_code == 200
    assert "A0001" in r.content.decode()


def test_elimination_runs_and_can_be_rolled_back(s, monkeypatch):
    _monitored(s)
    HouseholdYear.objects.filter(household=s["hh"]).update(wage_income=Decimal(30000))
    monkeypatch.setattr(
        cases,
        "measure_counts",
        lambda ids, year: __import__("polars").DataFrame({"household_id": ids, "measures": [2]}),
    )
    case = cases.open_case(
        s["village"], s["hh"], "elimination", year=2024, method="assisted", today=date(2024, 9, 2)
    )
    assert case.steps[-2:] == ["announced", "recorded"]
    _run(s, case)
    assert selectors.monitored_frame("520526").is_empty()
    counts = cases.case_counts(s["county"], year=2024)
    assert (counts["eliminated"], counts["elimination_rate_pct"], counts["monitored"]) == (1, 100.0, 0)
    with pytest.raises(PermissionDenied):
        cases.rollback(s["village"], case, "收入不稳定")  # only the county may roll an elimination back
    cases.rollback(s["county"], case, "收入不稳定")
    assert case.outcome == "rolled_back"
    assert selectors.monitored_frame("520526")["household_id"].to_list() == [s["hh"].pk]


def test_whole_household_without_labour_blocks_elimination(s, monkeypatch):
    _monitored(s)
    HouseholdYear.objects.filter(household=s["hh"]).update(wage_income=Decimal(30000))
    s["hh"].members.update(labour="lost")
    monkeypatch.setattr(
        cases,
        "measure_counts",
        lambda ids, year: __import__("polars").DataFrame({"household_id": ids, "measures": [1]}),
    )
    with pytest.raises(services.MonitoringError) as e:
        cases.open_case(
            s["village"], s["hh"], "elimination", year=2024, method="natural", today=date(2024, 9, 2)
        )
    assert "整户无劳动能力" in e.value.zh


def test_monitoring_type_must_fit_the_household_type_and_risks_are_checked(s):
    from factories import household

    exited = household(s["t"].village_a, "A0009", household_type="exited")
    with pytest.raises(cases.MonitoringError) as e:
        cases.open_case(s["village"], exited, "identification", year=2024, monitor_type="edge")
    assert e.value.field == "monitor_type" and "一般农户" in str(e.value)
    with pytest.raises(cases.MonitoringError) as e:
        cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="unstable")
    assert "脱贫户" in str(e.value)
    with pytest.raises(cases.MonitoringError) as e:
        cases.open_case(
            s["village"],
            s["hh"],
            "identification",
            year=2024,
            monitor_type="edge",
            risks=["illness", "schooling", "disability", "accident", "water", "housing"],
        )
    assert e.value.field == "risks"
    with pytest.raises(cases.MonitoringError):
        cases.open_case(
            s["village"], s["hh"], "identification", year=2024, monitor_type="edge", risks=["nonsense"]
        )
    case = cases.open_case(
        s["village"],
        exited,
        "identification",
        year=2024,
        monitor_type="unstable",
        risks=["illness", "housing"],
    )
    assert case.risks == ["illness", "housing"]


def test_refused_monitoring_type_is_named_in_chinese_in_the_chinese_message_whatever_the_language(s):
    from django.utils import translation

    with translation.override("en"), pytest.raises(cases.MonitoringError) as e:
        cases.open_case(s["village"], s["hh"], "identification", year=2024, monitor_type="unstable")
    assert "脱贫不稳定户须为脱贫户" in e.value.zh
    assert "Unstable" not in e.value.zh
