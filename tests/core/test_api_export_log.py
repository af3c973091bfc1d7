"""Each page fetched from a bulk API listing of personal data is recorded in the export log (channel api)."""

import pytest
from factories import household, region_tree, user

from fupin.accounts.auth import issue_token
from fupin.accounts.models import ExportLog


@pytest.fixture
def setup(db):
    t = region_tree()
    hh = [household(t.village_a) for _ in range(3)]
    return t, hh, user("supervisor", t.county)


def _get(client, u, url, **params):
    r = client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {issue_token(u, 'test')}")
    assert r.status_code == 200, r.content
    return r.json()


def test_household_pages_are_logged_with_filters_and_rows(client, setup):
    t, hh, u = setup
    body = _get(client, u, "/api/registry/households", year=2024, page=1, page_size=2)
    assert len(body["items"]) == 2
    _get(client, u, "/api/registry/households", year=2024, page=2, page_size=2, region=t.village_a.code)
    logs = list(ExportLog.objects.order_by("pk"))
    assert [(x.kind, x.channel, x.user, x.rows, x.masked) for x in logs] == [
        ("api.registry.households", "api", u, 2, True),
        ("api.registry.households", "api", u, 1, True),
    ]
    assert logs[1].filters == {
        "year": 2024,
        "region": t.village_a.code,
        "order": "household_no",
        "page": 2,
        "page_size": 2,
    }


def test_member_list_and_other_listings_are_logged(client, setup):
    t, hh, u = setup
    _get(client, u, f"/api/registry/households/{hh[0].household_no}/members")
    _get(client, u, "/api/quality/findings")
    _get(client, u, "/api/monitoring/alerts")
    _get(client, u, "/api/funds/anomalies")
    kinds = list(ExportLog.objects.order_by("pk").values_list("kind", "channel", "rows"))
    assert kinds == [
        ("api.registry.members", "api", 3),
        ("api.quality.findings", "api", 0),
        ("api.monitoring.alerts", "api", 0),
        ("api.funds.anomalies", "api", 0),
    ]


def test_single_records_are_not_logged(client, setup):
    t, hh, u = setup
    _get(client, u, f"/api/registry/households/{hh[0].household_no}")
    assert ExportLog.objects.count() == 0
