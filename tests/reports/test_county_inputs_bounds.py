"""A county's evaluation figure larger than its column holds is refused with the field, zh and en, and
nothing is saved: 3,000,000,000 passed the check and PostgreSQL refused it (integer out of range: a 500),
10^20 was a 500 on SQLite too (it could not bind the integer)."""

import pytest
from test_reports_api import bearer

from fupin.reports.models import CountyExitInput


@pytest.mark.parametrize("field", ["exit_sample", "survey_households", "missed_sample_population"])
@pytest.mark.parametrize("value", [3_000_000_000, 10**20])
def test_figure_beyond_the_column_is_422_and_saves_nothing(client, county, approver, field, value):
    body = {"county": "520526", "year": 2024, field: value}
    r = client.post("/api/reports/county-inputs", body, content_type="application/json", **bearer(approver))
    assert r.status_code == 422, r.content
    [item] = r.json()["detail"]
    assert item["field"] == field
    assert "2147483647" in item["message"]["zh"] and "2147483647" in item["message"]["en"]
    assert not CountyExitInput.objects.exists()


def test_the_largest_figure_the_column_holds_is_saved(client, county, approver):
    body = {"county": "520526", "year": 2024, "exit_sample": 2_147_483_647}
    r = client.post("/api/reports/county-inputs", body, content_type="application/json", **bearer(approver))
    assert r.status_code == 201, r.content
    assert CountyExitInput.objects.get().exit_sample == 2_147_483_647
