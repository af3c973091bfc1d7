"""The export log page (/accounts/exports/) and API (/api/accounts/export-log): the auditing roles read the rows
of their region's users, newest first; other roles get 403; reading is not an export, downloading the log is."""

from __future__ import annotations

import io
from datetime import timedelta

import polars as pl
import pytest
from django.utils import timezone
from factories import api_client, region, region_tree, user

from fupin.accounts.export_log import log_export
from fupin.accounts.models import ExportLog


@pytest.fixture
def log(db):
    """Rows of a village operator of county A, one of another county, and one of the CLI operator."""
    tree = region_tree()
    other_county = region("520527000000", "赫章县", 3, tree.city)
    operator = user("village_operator", tree.village_a, "op-a")
    other = user("village_operator", region("520527001201", "某村", 5, other_county), "op-other")
    log_export(operator, "households.xlsx", channel="web", rows=12, filters={"year": 2024})
    log_export(operator, "api.registry.households", channel="api", rows=50)
    log_export(other, "households.csv", channel="web", rows=7)
    log_export(None, "quality.counts", channel="cli", rows=3)
    old = ExportLog.objects.get(kind="households.xlsx")
    old.at = timezone.now() - timedelta(days=10)
    old.save(update_fields=["at"])
    return tree


def _rows(client, **params) -> list[str]:
    r = client.get("/accounts/exports/", params)
    assert r.status_code == 200
    table = r.content.decode().split('id="export-log"')[1]
    return [
        k
        for k in ("households.xlsx", "api.registry.households", "households.csv", "quality.counts")
        if k in table
    ]


def test_page_shows_rows_with_their_values_newest_first(client, log):
    client.force_login(user("system_admin", None))
    client.cookies["django_language"] = "en"
    r = client.get("/accounts/exports/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "op-a" in body and "op-other" in body and "Village operator" in body
    assert "Households (Excel)" in body and "Web page" in body and "Command line" in body
    assert ">12<" in body and ">50<" in body
    table = body.split('id="export-log"')[1]
    assert table.index("quality.counts") < table.index("households.csv") < table.index("households.xlsx")
    assert "4 exports" in body


def test_page_is_linked_from_my_account(client, log):
    client.force_login(user("auditor", log.county))
    assert "/accounts/exports/" in client.get("/accounts/me/").content.decode()


def test_county_auditor_does_not_see_another_countys_users(client, log):
    client.force_login(user("auditor", log.county))
    body = client.get("/accounts/exports/").content.decode()
    assert "op-a" in body and "op-other" not in body and "quality.counts" not in body
    r = api_client(user("supervisor", log.county, "sup-k")).get("/api/accounts/export-log")
    assert r.status_code == 200
    assert {row["username"] for row in r.json()["items"]} == {"op-a"} and r.json()["count"] == 2


def test_nationwide_auditor_sees_the_command_line_rows(client, log):
    r = api_client(user("auditor", None)).get("/api/accounts/export-log", {"channel": "cli"})
    assert r.status_code == 200
    [row] = r.json()["items"]
    assert row["username"] is None and row["kind"] == "quality.counts" and row["rows"] == 3
    assert row["kind_label"]["en"] == "Data-quality counts per rule"


@pytest.mark.parametrize(
    "role", ["village_operator", "assistance_cadre", "department_officer", "township_reviewer"]
)
def test_other_roles_are_refused(client, log, role):
    u = user(role, log.village_a)
    client.force_login(u)
    assert client.get("/accounts/exports/").status_code == 403
    assert client.get("/accounts/exports/export_log.csv").status_code == 403
    r = api_client(u).get("/api/accounts/export-log")
    assert r.status_code == 403 and r.json()["detail"][0]["code"]


def test_filters_narrow_the_rows(client, log):
    client.force_login(user("county_approver", log.county))
    today = timezone.localdate().isoformat()
    assert _rows(client) == ["households.xlsx", "api.registry.households"]
    assert _rows(client, date_from=today) == ["api.registry.households"]
    assert _rows(client, date_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == [
        "households.xlsx"
    ]
    assert _rows(client, channel="web") == ["households.xlsx"]
    assert _rows(client, kind="api.registry.households") == ["api.registry.households"]
    assert _rows(client, username="op-a", date_from="not a date") == [
        "households.xlsx",
        "api.registry.households",
    ]
    api = api_client(user("system_admin", None))
    assert api.get("/api/accounts/export-log", {"user": "op-other"}).json()["count"] == 1
    assert (
        api.get("/api/accounts/export-log", {"date_from": today, "kind": "households.csv"}).json()["count"]
        == 1
    )
    assert api.get("/api/accounts/export-log", {"page_size": 2, "page": 2}).json()["items"][0]["rows"] == 50
    bad = api.get("/api/accounts/export-log", {"channel": "fax"})
    assert bad.status_code == 422 and "detail" in bad.json()


def test_reading_the_log_is_not_an_export(client, log):
    before = ExportLog.objects.count()
    client.force_login(user("auditor", None))
    client.get("/accounts/exports/")
    api_client(user("supervisor", None)).get("/api/accounts/export-log")
    assert ExportLog.objects.count() == before


def test_exporting_the_log_is_itself_logged(client, log):
    auditor = user("auditor", log.county)
    client.force_login(auditor)
    r = client.get("/accounts/exports/export_log.csv", {"channel": "web"})
    assert r.status_code == 200 and r["Content-Disposition"].endswith('export_log.csv"')
    text = r.content.decode("utf-8-sig")
    assert "households.xlsx" in text and "op-other" not in text
    entry = ExportLog.objects.get(kind="accounts.export_log.csv")
    assert (entry.user, entry.channel, entry.rows, entry.filters) == (auditor, "web", 1, {"channel": "web"})
    r = client.get("/accounts/exports/export_log.xlsx")
    sheet = pl.read_excel(io.BytesIO(r.content))  # the csv download above is the newest row
    assert sheet["username"].to_list() == [auditor.username, "op-a", "op-a"]
    assert sheet["kind"].to_list()[0] == "accounts.export_log.csv"
    assert ExportLog.objects.filter(kind="accounts.export_log.xlsx", user=auditor, rows=3).exists()
