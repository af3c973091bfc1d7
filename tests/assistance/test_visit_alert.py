"""The cadre-visit channel of monitoring: a visit that found a risk raises one alert for the household."""

from datetime import date

import pytest

from fupin.accounts.auth import issue_token
from fupin.assistance import services
from fupin.monitoring.models import Alert


def test_visit_with_a_risk_raises_an_alert_in_the_village_inbox(world):
    visit = services.record_visit(
        world["cadre_user"],
        world["h1"],
        date_=date(2024, 5, 3),
        found="户主住院，医疗费用高",
        follow_up="联系医保",
        risk="illness",
    )
    alert = Alert.objects.get()
    assert (alert.household, alert.region_id, alert.channel, alert.source, alert.signal, alert.year) == (
        world["h1"],
        world["tree"].village_a.code,
        "visit",
        "cadre",
        "VISIT-illness",
        2024,
    )
    assert alert.evidence["visit"] == visit.pk and alert.evidence["found"] == "户主住院，医疗费用高"


def test_visit_without_a_risk_raises_nothing_and_a_bad_risk_saves_nothing(world):
    services.record_visit(world["cadre_user"], world["h1"], date_=date(2024, 5, 3), found="一切正常")
    assert not Alert.objects.exists()
    with pytest.raises(services.AssistanceError):
        services.record_visit(
            world["cadre_user"], world["h1"], date_=date(2024, 5, 4), found="x", risk="nonsense"
        )
    assert world["h1"].visits.count() == 1 and not Alert.objects.exists()


def test_visit_alert_through_the_api_and_not_for_another_cadre(client, world):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(world['cadre_user'], 't')}"}
    url = f"/api/assistance/households/{world['h1'].household_no}/visits"
    r = client.post(
        url,
        {"date": "2024-06-01", "found": "房屋开裂", "risk": "housing"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and Alert.objects.get().signal == "VISIT-housing"
    other = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(world['other_user'], 't')}"}
    r = client.post(
        url, {"date": "2024-06-01", "found": "x", "risk": "housing"}, content_type="application/json", **other
    )
    assert r.status_code in (403, 404) and Alert.objects.count() == 1
