"""An amount that is not a finite number, or too large for its column, is refused with the field, zh and en,
and nothing is saved: "NaN" was a 500 (comparing it with 0 raises), "1e400" and 10^12 passed the check and
PostgreSQL refused them (numeric field overflow: a 500), while SQLite kept them."""

import pytest
from factories import api_client

from fupin.assistance.models import PlanMeasure

URL = "/api/assistance/households/{}/measures"


@pytest.mark.parametrize("amount", ["NaN", "-NaN", "sNaN", "Infinity", "1e400", "1e10", "123456789012.5"])
def test_amount_not_finite_or_too_large_is_422_and_saves_nothing(world, amount):
    api = api_client(world["cadre_user"])
    body = {"year": 2024, "measure_code": "HLT02", "status": "in_progress", "amount": amount}
    r = api.post(URL.format(world["h1"].household_no), body, content_type="application/json")
    assert r.status_code == 422, r.content
    [item] = [i for i in r.json()["detail"] if i["field"] == "amount"]
    assert "金额" in item["message"]["zh"] and "amount" in item["message"]["en"]
    assert not PlanMeasure.objects.exists()


def test_largest_amount_the_column_holds_is_saved(world):
    api = api_client(world["cadre_user"])
    body = {"year": 2024, "measure_code": "HLT02", "status": "in_progress", "amount": "9999999999.99"}
    r = api.post(URL.format(world["h1"].household_no), body, content_type="application/json")
    assert r.status_code in (200, 201), r.content
    assert str(PlanMeasure.objects.get().amount) == "9999999999.99"
