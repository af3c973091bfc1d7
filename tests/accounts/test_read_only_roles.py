"""Read-only roles (supervisor, auditor) write nothing through any path of the API or the pages: every
write operation of the OpenAPI document is tried with a body that a writer would have saved."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.apps import apps
from django.test import Client
from factories import api_client, household, id_number, region_tree, user

from fupin.accounts.roles import ROLES

# Rows an API call may write for anyone: the caller's own token and the log of what was read.
OWN_RECORDS = {"accounts.token", "accounts.exportlog"}


def row_counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label.split(".")[-1]
        in {
            "accounts",
            "registry",
            "policy",
            "reports",
            "quality",
            "monitoring",
            "assistance",
            "funds",
            "regions",
        }
        and m._meta.label_lower not in OWN_RECORDS
    }


def write_operations(tree, hh, member) -> list[tuple[str, str, dict | None]]:
    """One valid call per write operation (what a writer of village A would send)."""
    county = tree.county.code
    project = {
        "name": "p",
        "project_type": "industry",
        "region_code": tree.village_a.code,
        "implementing_unit": "u",
        "start_date": "2024-01-01",
        "deadline": "2099-12-01",
        "budget": {"central": "1000"},
    }
    return [
        (
            "post",
            "/api/registry/households",
            {
                "household_no": "N1",
                "year": 2024,
                "region_code": tree.village_a.code,
                "household_type": "poor",
                "status": "poor",
                "main_cause": "illness",
                "members": [
                    {"name": "王", "id_number": id_number("520526", date(1970, 1, 1)), "relation": "head"}
                ],
            },
        ),
        ("patch", f"/api/registry/households/{hh.household_no}", {"phone": "13800000001", "reason": "r"}),
        (
            "put",
            f"/api/registry/households/{hh.household_no}",
            {"status": "poor", "household_type": "poor", "main_cause": "illness", "reason": "r"},
        ),
        ("delete", f"/api/registry/households/{hh.household_no}?reason=x", None),
        (
            "put",
            f"/api/registry/households/{hh.household_no}/years/2023",
            {"status": "poor", "household_type": "poor", "main_cause": "illness", "reason": "r"},
        ),
        ("delete", f"/api/registry/households/{hh.household_no}/years/2024?reason=x", None),
        (
            "post",
            f"/api/registry/households/{hh.household_no}/members",
            {"name": "新", "id_number": id_number("520526", date(2020, 1, 1)), "relation": "son"},
        ),
        ("patch", f"/api/registry/members/{member.pk}", {"health": "chronic", "reason": "x"}),
        (
            "post",
            f"/api/registry/members/{member.pk}/leave",
            {"reason_code": "marriage", "date": "2024-01-01"},
        ),
        (
            "post",
            "/api/policy/parameters",
            {"name": "poverty_line", "region_code": county, "year_from": 2024, "value": 5000, "reason": "x"},
        ),
        ("post", "/api/reports/identify", {"year": 2024}),
        ("post", "/api/reports/exits", {"year": 2024, "level": "village"}),
        ("post", "/api/reports/county-inputs", {"county": county, "year": 2024, "exit_sample": 10}),
        ("post", "/api/quality/runs", {"year": 2024}),
        (
            "post",
            f"/api/assistance/households/{hh.household_no}/measures",
            {"year": 2024, "measure_code": "HLT02"},
        ),
        (
            "post",
            f"/api/assistance/households/{hh.household_no}/visits",
            {"date": "2024-05-01", "found": "ok"},
        ),
        ("post", "/api/funds/projects", project),
        ("post", "/api/monitoring/batch", {"year": 2024}),
        (
            "post",
            "/api/monitoring/cases",
            {
                "household_no": hh.household_no,
                "kind": "identification",
                "monitor_type": "sudden",
                "year": 2024,
            },
        ),
    ]


@pytest.fixture
def world(db):
    from fupin.assistance.services import load_catalogue

    tree = region_tree()
    load_catalogue()
    hh = household(tree.village_a, "A0001")
    return tree, hh, hh.members.get(relation="son")


def test_writers_succeed_with_these_calls(world):
    """The calls below are real writes: a county approver gets a 2xx for each (so a 403 is a denial)."""
    tree, hh, member = world
    c = api_client(user("county_approver", tree.county))
    ops = write_operations(tree, hh, member)
    statuses, bodies = {}, {}
    for method, url, body in ops:
        if "delete" == method:
            continue  # run last: it would take the household away from the others
        r = getattr(c, method)(url, json.dumps(body), content_type="application/json")
        statuses[(method, url)] = r.status_code
        bodies[(method, url)] = r.content[:300]
    assert all(200 <= s < 300 for s in statuses.values()), {
        k: (v, bodies[k]) for k, v in statuses.items() if v >= 300
    }


@pytest.mark.parametrize(
    "role",
    [r for r, info in ROLES.items() if not (info.writes_registry or info.approves or info.runs_evaluations)],
)
def test_read_only_roles_write_nothing_through_the_api(world, role):
    tree, hh, member = world
    area = tree.village_a if role == "assistance_cadre" else tree.county
    c = api_client(user(role, area))
    before = row_counts()
    allowed = []
    for method, url, body in write_operations(tree, hh, member):
        r = getattr(c, method)(
            url, json.dumps(body) if body is not None else None, content_type="application/json"
        )
        if r.status_code < 400 or r.status_code >= 500:
            allowed.append((method, url, r.status_code))
        elif r.status_code == 403:
            detail = r.json()["detail"][0]
            assert detail["code"] == "forbidden" and detail["message"]["zh"] and detail["message"]["en"]
    assert allowed == []
    assert row_counts() == before


@pytest.mark.parametrize("page", ["reports:identify", "reports:exits"])
def test_read_only_roles_cannot_start_runs_from_the_pages(world, page):
    from django.urls import reverse

    from fupin.reports.models import Run

    tree, _hh, _m = world
    client = Client()
    client.force_login(user("auditor", tree.county))
    shown = client.get(reverse(page)).content.decode()
    assert 'id="run"' not in shown and 'id="no-run"' in shown
    r = client.post(reverse(page), {"year": 2024, "level": "village"})
    assert r.status_code == 403
    assert not Run.objects.exists()
