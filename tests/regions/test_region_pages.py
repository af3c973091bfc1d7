"""The region browser: scope, breadcrumbs, and counts from one aggregate query per page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import household, region_tree, user


@pytest.fixture
def tree(db):
    t = region_tree()
    household(t.village_a, "A001", status="poor", members=3)
    household(t.village_a, "A002", status="exited_policy", members=4)
    household(t.village_a2, "A201", status="returned", members=2)
    household(t.village_b, "B001", status="poor", members=5)
    return t


def _row(body: str, name: str) -> str:
    start = body.index(f">{name}</a>")
    return body[start : body.index("</tr>", start)]


def test_county_page_counts_children_in_one_aggregate_query(tree, client):
    client.force_login(user("county_approver", tree.county))
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/regions/{tree.county.code}/")
    body = r.content.decode()
    assert r.status_code == 200
    town_a = _row(body, "草海镇")
    assert [">3<" in town_a, ">9<" in town_a, ">2<" in town_a] == [
        True,
        True,
        True,
    ]  # households, members, poor
    town_b = _row(body, "幺站镇")
    assert ">1<" in town_b and ">5<" in town_b
    assert "共 4 户" in body and "贫困户 3 户" in body
    aggregates = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(aggregates) == 1
    assert len(ctx.captured_queries) <= 10  # not one query per child
    assert f"/registry/?region={tree.town_a.code}" in body


def test_breadcrumbs_and_start_page(tree, client):
    client.force_login(user("township_reviewer", tree.town_a))
    body = client.get("/regions/").content.decode()
    assert "草海镇" in body and "幺站镇" not in body
    body = client.get(f"/regions/{tree.village_a.code}/").content.decode()
    crumbs = body[body.index('class="crumbs"') : body.index("</nav>", body.index('class="crumbs"'))]
    assert "贵州省" in crumbs and "威宁彝族回族苗族自治县" in crumbs
    assert f'href="/regions/{tree.county.code}/"' not in crumbs  # above the scope: no link
    assert f'href="/regions/{tree.town_a.code}/"' in crumbs
    assert "共 2 户" in body  # the village's own figures


def test_region_outside_scope_is_404(tree, client):
    client.force_login(user("township_reviewer", tree.town_a))
    assert client.get(f"/regions/{tree.town_b.code}/").status_code == 404
    assert client.get(f"/regions/{tree.county.code}/").status_code == 404
    assert client.get("/regions/not-a-code/").status_code == 404


def test_nationwide_user_starts_at_provinces(tree, client):
    client.force_login(user("supervisor", None))
    body = client.get("/regions/").content.decode()
    assert "贵州省" in body and "共 4 户" in body


def test_english_region_page(tree, client):
    client.force_login(user("county_approver", tree.county))
    client.cookies["django_language"] = "en"
    body = client.get(f"/regions/{tree.county.code}/").content.decode()
    assert "4 households" in body and "Poor households" in body and "Township" in body
