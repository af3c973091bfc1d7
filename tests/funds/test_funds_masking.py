"""Masked roles see every funds page, export and API answer even when payee IDs are empty or short."""

import io
import json
from datetime import date

import pytest
from factories import user
from funds_helpers import move
from openpyxl import load_workbook
from test_funds_pages import bearer, login

from fupin.funds import services
from fupin.funds.models import Payment

MASKED_ROLES = ["supervisor", "auditor", "department_officer"]


@pytest.fixture
def short_ids(approved, people):
    """A contractor payment (no ID number) and two household payments typed with a short ID (older data)."""
    p = move(approved, people["village"], "start")
    services.add_payment(
        people["village"],
        p,
        services.PaymentData(
            kind="contractor", payee_name="威宁建工", item="圈舍", amount="5000", paid_on=date(2024, 5, 1)
        ),
    )
    for value in ("123", "1234567890"):
        Payment.objects.create(
            project=p,
            kind="household",
            id_number=value,
            payee_name="甲",
            item="奖补",
            amount="100",
            paid_on=date(2024, 5, 2),
        )
    return p


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_masked_role_sees_pages_and_exports_with_short_ids(client, tree, short_ids, role):
    login(client, user(role, tree.county, f"{role}-masked"))
    r = client.get("/funds/anomalies/")
    assert r.status_code == 200 and "FA-1" in r.content.decode()
    page = client.get(f"/funds/{short_ids.pk}/")
    assert (
        page.status_code == 200
        and "威宁建工" in page.content.decode()
        and "1234567890" not in page.content.decode()
    )
    r = client.get("/funds/?format=xlsx")
    ids = [
        row[6]
        for row in load_workbook(io.BytesIO(r.content))["资金拨付"].iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(x or "" for x in ids) == ["", "***", "**********"]
    r = client.get(f"/funds/{short_ids.pk}/payments.xlsx")
    assert r.status_code == 200
    r = client.get("/funds/anomalies/?format=xlsx")
    values = [
        row[8] for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert "甲 ***" in values and "甲 **********" in values


def test_api_anomalies_mask_short_ids(client, tree, short_ids):
    r = client.get("/api/funds/anomalies", **bearer(user("supervisor", tree.county)))
    assert r.status_code == 200
    assert sorted(x["value"] for x in r.json() if x["check_id"] == "FA-1") == ["甲 ***", "甲 **********"]
    r = client.get(
        f"/api/funds/projects/{short_ids.pk}/payments",
        **bearer(user("auditor", tree.county, "auditor-masked")),
    )
    assert sorted(x["id_number"] for x in r.json()) == ["", "***", "**********"]


def test_cli_anomalies_for_masked_user_with_short_ids(tree, short_ids, capsys):
    from fupin.cli import main

    u = user("supervisor", tree.county)
    assert main(["funds", "anomalies", "--format", "json", "--user", u.username]) == 0
    found = json.loads(capsys.readouterr().out)
    assert sorted(x["value"] for x in found if x["check_id"] == "FA-1") == ["甲 ***", "甲 **********"]
