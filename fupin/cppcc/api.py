"""CPPCC API (/api/cppcc): committee members and their links, 关键小事, the indicators, joint supervision,
and the consultation space (topics, posts, the office's reply and closing).

Out of scope answers 404 like a missing record; a role that may not act 403; refused input 422 with every
problem in the shared error shape. A member, a matter and a topic name their version (ETag and `version`);
an edit or a closing sent with it as If-Match is refused (409) if it changed meanwhile. Phone numbers are
masked for roles that may not see them.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.core import versions
from fupin.core.api_types import Key, Page, Year
from fupin.cppcc import selectors, services
from fupin.cppcc.models import CommitteeMember, Matter, Post, SupervisionEntry, Topic
from fupin.engine.cppcc import GROUPINGS
from fupin.registry.schemas import ERRORS

router = Router()
PAGE_SIZE = 200


class CppccMemberIn(Schema):
    name: str
    level: str = Field(description="national, province, city or county (or the Chinese label)")
    region: str = Field("", description="region code; empty: your own region")
    unit: str = ""
    phone: str = ""
    account: str = Field("", description="user name of the member's own account (role cppcc_member)")
    active: bool = True


class CppccMemberOut(Schema):
    id: int
    name: str
    level: str
    region: str
    region_name: str
    unit: str
    phone: str
    account: str | None
    active: bool
    links: int
    open_matters: int
    version: str


class LinkIn(Schema):
    household: str = Field(description="household number (户编号) in your region")
    linked_on: date | None = None


class LinkOut(Schema):
    id: int
    household: str
    head_name: str
    village: str
    persons: int
    linked_on: date


class MemberDetail(CppccMemberOut):
    linked_households: list[LinkOut]


class MatterIn(Schema):
    household: str
    member: int | None = Field(None, description="the member's id (a member's own account: itself)")
    description: str
    logged_on: date | None = None


class MatterClose(Schema):
    result: str
    closed_on: date | None = None


class MatterOut(Schema):
    id: int
    household: str
    member: int
    member_name: str
    description: str
    logged_on: date
    status: str
    result: str
    closed_on: date | None
    version: str


class IndicatorOut(Schema):
    region: str | None = None
    level: str | None = None
    active_members: int
    linked_members: int
    mobilisation_pct: float | None
    participating: int
    participation_pct: float | None
    households: int
    persons: int
    matters_logged: int
    matters_solved: int


class SupervisionIn(Schema):
    body: str = Field(description="discipline (纪委监委), congress (人大) or cppcc (政协)")
    region: str = ""
    date: dt.date | None = None
    finding: str
    follow_up: str = ""


class SupervisionOut(Schema):
    id: int
    body: str
    region: str
    date: dt.date
    finding: str
    follow_up: str


class TopicIn(Schema):
    title: str
    body: str
    region: str = ""


class PostIn(Schema):
    kind: str = Field(description="proposal or comment")
    text: str


class PostOut(Schema):
    id: int
    kind: str
    member: int | None
    member_name: str | None
    author: str | None
    text: str
    created_at: datetime


class TopicClose(Schema):
    reply: str


class TopicOut(Schema):
    id: int
    title: str
    body: str
    region: str
    status: str
    reply: str
    opened_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    posts: list[PostOut]
    version: str


def member_out(user, m: CommitteeMember) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "level": m.level,
        "region": m.region_id,
        "region_name": m.region.name,
        "unit": m.unit,
        "phone": selectors.phone_shown(user, m),
        "account": m.account.username if m.account else None,
        "active": m.active,
        "links": getattr(m, "n_links", 0),
        "open_matters": getattr(m, "n_open", 0),
        "version": services.member_version(m),
    }


def matter_out(m: Matter) -> dict:
    return {
        "id": m.pk,
        "household": m.household.household_no,
        "member": m.member_id,
        "member_name": m.member.name,
        "description": m.description,
        "logged_on": m.logged_on,
        "status": m.status,
        "result": m.result,
        "closed_on": m.closed_on,
        "version": services.matter_version(m),
    }


def post_out(p: Post) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "member": p.member_id,
        "member_name": p.member.name if p.member else None,
        "author": p.author.username if p.author else None,
        "text": p.text,
        "created_at": p.created_at,
    }


def topic_out(t: Topic) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "body": t.body,
        "region": t.region_id,
        "status": t.status,
        "reply": t.reply,
        "opened_by": t.opened_by.username if t.opened_by else None,
        "opened_at": t.opened_at,
        "closed_at": t.closed_at,
        "posts": [post_out(p) for p in selectors.posts_of(t)],
        "version": services.topic_version(t),
    }


def supervision_out(s: SupervisionEntry) -> dict:
    return {
        "id": s.pk,
        "body": s.body,
        "region": s.region_id,
        "date": s.date,
        "finding": s.finding,
        "follow_up": s.follow_up,
    }


def _member_detail(user, pk: int) -> dict:
    m = selectors.get_member(user, pk)
    links = [
        {
            "id": link.pk,
            "household": link.household.household_no,
            "head_name": link.household.head_name,
            "village": link.household.village_id,
            "persons": link.household.size,
            "linked_on": link.linked_on,
        }
        for link in selectors.links_for(user, m)
    ]
    return {**member_out(user, m), "linked_households": links}


@router.get("/members", response=list[CppccMemberOut], summary="Committee members in your region")
def list_members(request, level: str | None = None, active: bool | None = None, page: Page = 1):
    qs = selectors.members_for(request.auth, level=level, active=active)
    return [member_out(request.auth, m) for m in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]


@router.post(
    "/members", response={201: MemberDetail, **ERRORS}, summary="Add a committee member (the office)"
)
def create_member(request, body: CppccMemberIn):
    m = services.save_member(request.auth, body.dict())
    return Status(201, _member_detail(request.auth, m.pk))


@router.get(
    "/members/{pk}", response={200: MemberDetail, **ERRORS}, summary="A member with the linked households"
)
def get_member(request, pk: Key, response: HttpResponse):
    out = _member_detail(request.auth, pk)
    versions.set_etag(response, out["version"])
    return out


@router.put("/members/{pk}", response={200: MemberDetail, **ERRORS}, summary="Edit a member (the office)")
def put_member(request, pk: Key, body: CppccMemberIn, response: HttpResponse):
    services.save_member(request.auth, body.dict(), pk=pk, version=versions.if_match(request))
    out = _member_detail(request.auth, pk)
    versions.set_etag(response, out["version"])
    return out


@router.post(
    "/members/{pk}/links", response={201: MemberDetail, **ERRORS}, summary="Link a household to a member"
)
def link(request, pk: Key, body: LinkIn):
    services.link_household(request.auth, pk, body.dict())
    return Status(201, _member_detail(request.auth, pk))


@router.get("/matters", response=list[MatterOut], summary="关键小事 of the households in your region")
def list_matters(request, status: str | None = None, year: Year | None = None, page: Page = 1):
    qs = selectors.matters_for(request.auth, status=status, year=year)
    return [matter_out(m) for m in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]


@router.post("/matters", response={201: MatterOut, **ERRORS}, summary="Log a key matter of a household")
def log_matter(request, body: MatterIn):
    m = services.log_matter(request.auth, body.dict())
    return Status(201, matter_out(selectors.get_matter(request.auth, m.pk)))


@router.post(
    "/matters/{pk}/close", response={200: MatterOut, **ERRORS}, summary="Close a key matter with its result"
)
def close_matter(request, pk: Key, body: MatterClose, response: HttpResponse):
    services.close_matter(request.auth, pk, body.dict(), version=versions.if_match(request))
    out = matter_out(selectors.get_matter(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="委员动员面, 参与率, 结对户 and 关键小事",
)
def get_indicators(request, year: Year, by: str = "total"):
    """`by`: total, level, region or region_level."""
    if by not in GROUPINGS:
        by = "total"
    return selectors.indicators(request.auth, year, by).to_dicts()


@router.get("/supervision", response=list[SupervisionOut], summary="Joint supervision entries in your region")
def list_supervision(request, body: str | None = None, page: Page = 1):
    qs = selectors.supervision_for(request.auth, body=body)
    return [supervision_out(s) for s in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]


@router.post(
    "/supervision", response={201: SupervisionOut, **ERRORS}, summary="Record a joint supervision entry"
)
def add_supervision(request, body: SupervisionIn):
    return Status(201, supervision_out(services.add_supervision(request.auth, body.dict())))


@router.get("/topics", response=list[TopicOut], summary="Consultation topics in your region")
def list_topics(request, status: str | None = None, page: Page = 1):
    qs = selectors.topics_for(request.auth, status=status)
    return [topic_out(t) for t in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]


@router.post("/topics", response={201: TopicOut, **ERRORS}, summary="Open a consultation topic (the office)")
def open_topic(request, body: TopicIn):
    t = services.open_topic(request.auth, body.dict())
    return Status(201, topic_out(selectors.get_topic(request.auth, t.pk)))


@router.get("/topics/{pk}", response={200: TopicOut, **ERRORS}, summary="A topic with its posts")
def get_topic(request, pk: Key, response: HttpResponse):
    out = topic_out(selectors.get_topic(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out


@router.post("/topics/{pk}/posts", response={201: PostOut, **ERRORS}, summary="Post a proposal or a comment")
def add_post(request, pk: Key, body: PostIn):
    return Status(201, post_out(services.add_post(request.auth, pk, body.dict())))


@router.post(
    "/topics/{pk}/close",
    response={200: TopicOut, **ERRORS},
    summary="The office's reply, and the topic closed",
)
def close_topic(request, pk: Key, body: TopicClose, response: HttpResponse):
    services.close_topic(request.auth, pk, body.dict(), version=versions.if_match(request))
    out = topic_out(selectors.get_topic(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out
