"""The page frame: navigation by role, language switch, messages, local assets only."""

import re

import pytest
from factories import region_tree, user


@pytest.fixture
def tree(db):
    return region_tree()


def test_frame_for_a_writer(client, tree):
    client.force_login(user("village_operator", tree.village_a, username="op"))
    body = client.get("/registry/").content.decode()
    assert "扶贫监测" in body
    for href in ('href="/registry/"', 'href="/regions/"', 'href="/registry/import/"', 'href="/accounts/me/"'):
        assert href in body
    assert 'action="/i18n/setlang/"' in body and 'name="csrfmiddlewaretoken"' in body
    assert 'action="/accounts/logout/"' in body
    assert "村级操作员" in body and "石板村" in body


def test_read_only_role_sees_no_import(client, tree):
    client.force_login(user("auditor", tree.county))
    body = client.get("/registry/").content.decode()
    assert 'href="/registry/import/"' not in body and "导入" not in body


def test_language_switch_sets_english(client, tree):
    client.force_login(user("supervisor", tree.county))
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/registry/"})
    assert r.status_code == 302 and r["Location"] == "/registry/"
    body = client.get("/registry/").content.decode()
    assert '<html lang="en">' in body and "Sign out" in body and ">中文<" in body


def test_every_asset_is_local_and_served(client, tree):
    client.force_login(user("supervisor", tree.county))
    body = client.get("/registry/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', body)
    assert any(a.endswith("fupin.css") for a in assets) and any("htmx" in a for a in assets)
    for a in assets:
        assert a.startswith("/static/")
        r = client.get(a)
        assert r.status_code == 200, a


def test_not_found_page_says_nothing_about_other_regions(client, tree):
    client.force_login(user("village_operator", tree.village_a))
    r = client.get(f"/regions/{tree.village_b.code}/")
    body = r.content.decode()
    assert r.status_code == 404 and "页面不存在" in body and "龙场村" not in body
