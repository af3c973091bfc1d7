"""/api/cppcc: members, links, matters, indicators, supervision and topics; 403 for roles that may not act,
404 outside the region, 422 with every problem (zh and en), 409 for a stale If-Match."""

import json

from factories import api_client, assert_edit_conflict

from fupin.cppcc.models import CommitteeMember, Matter, Topic


def _post(c, url, body, **headers):
    return c.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_office_manages_members_and_the_member_logs_and_closes_a_matter(world):
    office = api_client(world.office)
    r = _post(
        office,
        "/api/cppcc/members",
        {"name": "王", "level": "县政协委员", "phone": "13912345678", "account": "weiyuan"},
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = _post(office, f"/api/cppcc/members/{pk}/links", {"household": "A001", "linked_on": "2024-03-01"})
    assert r.status_code == 201 and [h["household"] for h in r.json()["linked_households"]] == ["A001"]
    member = api_client(world.member_user)
    r = _post(
        member,
        "/api/cppcc/matters",
        {"household": "A001", "description": "修水管", "logged_on": "2024-04-01"},
    )
    assert r.status_code == 201
    matter = r.json()
    assert (
        _post(
            member, f"/api/cppcc/matters/{matter['id']}/close", {"result": "已修"}, **{"If-Match": '"t1"'}
        ).status_code
        == 409
    )
    r = _post(
        member,
        f"/api/cppcc/matters/{matter['id']}/close",
        {"result": "已修", "closed_on": "2024-04-02"},
        **{"If-Match": f'"{matter["version"]}"'},
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = member.get("/api/cppcc/indicators?year=2024&by=level")
    assert r.status_code == 200 and r.json()[0]["matters_solved"] == 1
    # phones masked for the member's role
    assert member.get(f"/api/cppcc/members/{pk}").json()["phone"] == "139****5678"


def test_refusals(world, member):
    sup = api_client(world.supervisor)
    r = _post(sup, "/api/cppcc/members", {"name": "李", "level": "city"})
    assert r.status_code == 403 and r.json()["detail"][0]["message"]["en"]
    assert _post(sup, "/api/cppcc/topics", {"title": "t", "body": "b"}).status_code == 403
    assert api_client(world.reviewer).get(f"/api/cppcc/members/{member.pk}").status_code == 404
    r = _post(api_client(world.office), "/api/cppcc/members", {"name": "", "level": "x"})
    assert r.status_code == 422
    assert {i["field"] for i in r.json()["detail"]} == {"name", "level"}
    assert all(i["message"]["zh"] and i["message"]["en"] for i in r.json()["detail"])
    r = _post(api_client(world.member_user), "/api/cppcc/matters", {"household": "A002", "description": "x"})
    assert r.status_code == 403
    assert CommitteeMember.objects.count() == 1 and not Matter.objects.exists()


def test_topic_round_trip_and_stale_close(world, member):
    office = api_client(world.office)
    r = _post(office, "/api/cppcc/topics", {"title": "光伏收益", "body": "征集意见"})
    assert r.status_code == 201
    topic = r.json()
    assert (
        _post(
            api_client(world.member_user),
            f"/api/cppcc/topics/{topic['id']}/posts",
            {"kind": "proposal", "text": "公益岗"},
        ).status_code
        == 201
    )
    assert_edit_conflict(
        _post(
            office,
            f"/api/cppcc/topics/{topic['id']}/close",
            {"reply": "r"},
            **{"If-Match": f'"{topic["version"]}"'},
        )
    )
    current = office.get(f"/api/cppcc/topics/{topic['id']}")
    r = _post(
        office, f"/api/cppcc/topics/{topic['id']}/close", {"reply": "已采纳"}, **{"If-Match": current["ETag"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "closed" and len(r.json()["posts"]) == 1
    assert Topic.objects.get().reply == "已采纳"
