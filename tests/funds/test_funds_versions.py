"""Project versions: a read names the version (ETag header, `version`); a change or a lifecycle step based on
an older version is refused with 409 and the bilingual message, and saves nothing — on the API and the pages."""

from datetime import date

import pytest
from django.urls import reverse
from factories import api_client, assert_edit_conflict
from funds_helpers import make_project

from fupin.core.errors import EditConflict
from fupin.funds import services
from fupin.funds.models import Project, Transition

BASE = "/api/funds"


def _body(tree, **changes) -> dict:
    return {
        "name": "石板村肉牛养殖项目",
        "project_type": "industry",
        "region_code": tree.village_a.code,
        "implementing_unit": "草海镇农业服务中心",
        "start_date": "2024-03-01",
        "deadline": "2099-12-31",
        "budget": {"central": 80000, "county": 20000},
        **changes,
    }


def _someone_else_renames(project: Project, who) -> None:
    d = services.ProjectData(
        name="他人改过的名称",
        project_type="industry",
        region_code=project.region_id,
        implementing_unit="草海镇农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
        budget={"central": "80000"},
    )
    services.update_project(who, project, d)


def test_a_read_names_the_version_and_a_change_moves_it_on(tree, people):
    p = make_project(people["village"], tree.village_a)
    api = api_client(people["village"])
    r = api.get(f"{BASE}/projects/{p.pk}")
    assert r.status_code == 200 and r["ETag"] == f'"{r.json()["version"]}"'
    before = r["ETag"]
    r = api.put(
        f"{BASE}/projects/{p.pk}",
        _body(tree, name="新名称"),
        content_type="application/json",
        headers={"If-Match": before},
    )
    assert r.status_code == 200, r.content
    assert r["ETag"] != before and r["ETag"] == f'"{r.json()["version"]}"' and r.json()["name"] == "新名称"
    r = api.post(
        f"{BASE}/projects/{p.pk}/transitions",
        {"action": "submit"},
        content_type="application/json",
        headers={"If-Match": r["ETag"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "proposed"
    assert r["ETag"] == api.get(f"{BASE}/projects/{p.pk}")["ETag"]


def test_a_change_or_step_based_on_an_older_version_is_409_and_saves_nothing(tree, people):
    p = make_project(people["village"], tree.village_a)
    api = api_client(people["village"])
    stale = api.get(f"{BASE}/projects/{p.pk}")["ETag"]
    _someone_else_renames(p, people["village"])
    steps = Transition.objects.count()
    assert_edit_conflict(
        api.put(
            f"{BASE}/projects/{p.pk}",
            _body(tree, name="我的名称"),
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    assert_edit_conflict(
        api.post(
            f"{BASE}/projects/{p.pk}/transitions",
            {"action": "submit"},
            content_type="application/json",
            headers={"If-Match": stale},
        )
    )
    p = Project.objects.get(pk=p.pk)
    assert (p.name, p.status, Transition.objects.count()) == ("他人改过的名称", "draft", steps)
    r = api.put(f"{BASE}/projects/{p.pk}", _body(tree, name="我的名称"), content_type="application/json")
    assert r.status_code == 200  # no If-Match: not checked


def test_a_stale_edit_page_or_lifecycle_button_is_409_and_saves_nothing(client, tree, people):
    p = make_project(people["village"], tree.village_a)
    client.force_login(people["village"])
    edit = reverse("funds:project_edit", args=[p.pk])
    opened = services.project_version(p)
    assert f'name="version" value="{opened}"' in client.get(edit).content.decode()
    assert (
        f'name="version" value="{opened}"'
        in client.get(reverse("funds:project_detail", args=[p.pk])).content.decode()
    )
    _someone_else_renames(p, people["village"])
    form = {
        "name": "我的名称",
        "project_type": "industry",
        "region_code": tree.village_a.code,
        "implementing_unit": "草海镇农业服务中心",
        "start_date": "2024-03-01",
        "deadline": "2099-12-31",
        "budget_central": "1000",
        "version": opened,
    }
    r = client.post(edit, form)
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    assert f'name="version" value="{opened}"' in r.content.decode()  # stays stale until opened again
    r = client.post(reverse("funds:project_action", args=[p.pk]), {"action": "submit", "version": opened})
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    p = Project.objects.get(pk=p.pk)
    assert (p.name, p.status) == ("他人改过的名称", "draft")
    r = client.post(
        reverse("funds:project_action", args=[p.pk]),
        {"action": "submit", "version": services.project_version(p)},
    )
    assert r.status_code == 302 and Project.objects.get(pk=p.pk).status == "proposed"


def test_the_conflict_message_speaks_english_when_asked(client, tree, people):
    p = make_project(people["village"], tree.village_a)
    opened = services.project_version(p)
    services.transition(people["village"], p, "submit")
    client.force_login(people["village"])
    client.cookies["django_language"] = "en"
    r = client.post(
        reverse("funds:project_edit", args=[p.pk]),
        {
            "name": "x",
            "project_type": "industry",
            "region_code": tree.village_a.code,
            "implementing_unit": "u",
            "start_date": "2024-03-01",
            "deadline": "2099-12-31",
            "version": opened,
        },
    )
    assert r.status_code == 409 and "changed by someone else" in r.content.decode()


def test_the_service_refuses_a_stale_version_itself(tree, people):
    p = make_project(people["village"], tree.village_a)
    opened = services.project_version(p)
    _someone_else_renames(p, people["village"])
    d = services.ProjectData(
        name="我的名称",
        project_type="industry",
        region_code=tree.village_a.code,
        implementing_unit="u",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
    )
    with pytest.raises(EditConflict):
        services.update_project(people["village"], p, d, version=opened)
    with pytest.raises(EditConflict):
        services.transition(people["village"], p, "submit", version=opened)
    assert Project.objects.get(pk=p.pk).name == "他人改过的名称"
