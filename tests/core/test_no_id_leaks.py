"""Every GET of the API (the whole OpenAPI document) and the main pages, asked by each role that sees masked
numbers, over a store that holds history, alerts, payments, findings and runs: no answer carries a raw ID
number, and none is a server error."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from factories import api_client, household, id_number, region_tree, user

from fupin.accounts.roles import ROLES

RAW_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dX]|\d{15})(?![0-9A-Za-z])")
MASKED_ROLES = [code for code, role in ROLES.items() if not role.sees_id_numbers]


@pytest.fixture
def world(db):
    from fupin.funds import services as funds
    from fupin.monitoring import services as monitoring
    from fupin.quality.services import run_quality
    from fupin.reports.services import run_identification

    tree = region_tree()
    writer = user("county_approver", tree.county)
    hh = household(tree.village_a, "A0001", status="poor", wage="900")
    people = list(hh.members.values_list("id_number", flat=True))
    # a household created through the API: its history holds the members in a nested list
    newcomer = id_number("520526", date(1990, 2, 2), True)
    api_client(writer).post(
        "/api/registry/households",
        {
            "household_no": "A0002",
            "year": 2024,
            "region_code": tree.village_a.code,
            "household_type": "poor",
            "status": "poor",
            "main_cause": "illness",
            "phone": "13900001111",
            "members": [{"name": "新户主", "id_number": newcomer, "relation": "head"}],
        },
        content_type="application/json",
    )
    people.append(newcomer)
    monitoring.self_report(
        name="户主甲", id_number=people[0], phone="13800138000", kind="illness", description="住院"
    )
    monitoring.run_batch(None, 2024)
    run_quality(None, 2024)
    run_identification(None, 2024)
    project = funds.create_project(
        writer,
        funds.ProjectData(
            name="肉牛养殖",
            project_type="industry",
            region_code=tree.village_a.code,
            implementing_unit="农业服务中心",
            start_date=date(2024, 3, 1),
            deadline=date(2099, 12, 31),
            content="圈舍",
            poverty_link="分红",
            performance_targets="增收",
            budget={"central": "80000"},
        ),
    )
    funds.add_beneficiaries(writer, project, ["A0001"])
    for action in ("submit", "library", "approve"):
        project = funds.transition(writer, project, action)
    funds.add_payment(
        writer,
        project,
        funds.PaymentData(
            kind="household",
            payee_name="",
            item="分红",
            amount="500",
            paid_on=date(2024, 6, 1),
            id_number=people[0],
        ),
    )
    funds.add_payment(
        writer,
        project,
        funds.PaymentData(
            kind="contractor", payee_name="施工队", item="圈舍", amount="1000", paid_on=date(2024, 6, 1)
        ),
    )
    return tree, hh, project, set(people)


def get_urls(tree, hh, project) -> list[str]:
    from fupin.monitoring.models import Alert
    from fupin.reports.models import Run

    values = {
        "household_no": hh.household_no,
        "member_id": hh.members.first().pk,
        "year": "2024",
        "run_id": Run.objects.first().pk,
        "alert_id": Alert.objects.first().pk,
        "pk": project.pk,
        "code": tree.village_a.code,
    }
    doc = Client().get("/api/openapi.json").json()
    urls = []
    for path, ops in doc["paths"].items():
        if "get" in ops and "openapi" not in path and "docs" not in path:
            url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
            urls.append(url + ("&" if "?" in url else "?") + "year=2024")
    return urls + [
        "/registry/?year=2024",
        f"/registry/h/{hh.household_no}/",
        "/registry/h/A0002/",
        "/monitoring/?year=2024",
        "/monitoring/alerts/?year=2024",
        f"/monitoring/alerts/{values['alert_id']}/",
        "/funds/anomalies/",
        f"/funds/{project.pk}/",
        "/quality/?year=2024",
        "/assistance/coverage/?year=2024",
        f"/reports/runs/{values['run_id']}/",
    ]


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_raw_id_number_in_any_answer_for_masked_roles(world, role):
    tree, hh, project, people = world
    client = Client()
    client.force_login(user(role, tree.village_a if role == "assistance_cadre" else tree.county))
    server_errors, leaks = [], []
    for url in get_urls(tree, hh, project):
        r = client.get(url)
        if r.status_code >= 500:
            server_errors.append(url)
        body = b"".join(r.streaming_content) if r.streaming else r.content
        if r.get("Content-Type", "").startswith(("application/json", "text/")):
            found = set(RAW_ID.findall(body.decode("utf-8", "ignore"))) & people
            if found:
                leaks.append(url)
    assert server_errors == []
    assert leaks == []
