"""Reads of 政协助推行动 and 网络议政, always inside the user's region subtree (accounts/scope.py).

A member, matter, supervision entry or topic outside the subtree is not found, exactly like a missing one
(404). A member's links and matters show only the households of the user's subtree. The indicators are
computed in the engine (engine/cppcc.py) over the frames read here.
"""

from __future__ import annotations

import polars as pl
from django.db.models import Count, Q, QuerySet

from fupin.accounts import scope
from fupin.core.privacy import phone_for
from fupin.cppcc.models import CommitteeMember, Link, Matter, Post, SupervisionEntry, Topic
from fupin.engine import cppcc as engine


def members_in(user) -> QuerySet[CommitteeMember]:
    """The members of the user's subtree, plain (a write locks them with select_for_update)."""
    return CommitteeMember.objects.filter(region__code__startswith=scope.prefix_for(user))


def members_for(user, *, active: bool | None = None, level: str | None = None) -> QuerySet[CommitteeMember]:
    """The members of the user's subtree with their links and open matters counted (in the subtree)."""
    prefix = scope.prefix_for(user)
    qs = members_in(user).select_related("region", "account")
    if active is not None:
        qs = qs.filter(active=active)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("level", "name", "id").annotate(
        n_links=Count("links", filter=Q(links__household__village__code__startswith=prefix), distinct=True),
        n_open=Count(
            "matters",
            filter=Q(matters__status="open", matters__household__village__code__startswith=prefix),
            distinct=True,
        ),
    )


def get_member(user, pk: int) -> CommitteeMember:
    """One member the user may see (CommitteeMember.DoesNotExist otherwise: missing and out of scope alike)."""
    return members_for(user).get(pk=pk)


def member_of(user) -> CommitteeMember | None:
    """The member record whose account `user` is (a cppcc_member signs in as the member)."""
    if user is None:
        return None
    return CommitteeMember.objects.filter(account=user, active=True).first()


def phone_shown(user, member: CommitteeMember) -> str:
    """The member's phone number, masked for roles that may not see phone numbers (None: the operator)."""
    return member.phone if user is None else phone_for(user, member.phone)


def links_for(user, member: CommitteeMember) -> QuerySet[Link]:
    """The member's linked households that lie in the user's subtree."""
    return Link.objects.filter(
        member=member, household__village__code__startswith=scope.prefix_for(user)
    ).select_related("household", "household__village")


def matters_in(user) -> QuerySet[Matter]:
    """The matters of the households in the user's subtree, plain (a write locks them)."""
    return Matter.objects.filter(household__village__code__startswith=scope.prefix_for(user))


def matters_for(
    user, *, status: str | None = None, member: CommitteeMember | None = None, year: int | None = None
) -> QuerySet[Matter]:
    """关键小事 of the households in the user's subtree."""
    qs = matters_in(user).select_related("household", "household__village", "member")
    if status:
        qs = qs.filter(status=status)
    if member is not None:
        qs = qs.filter(member=member)
    if year:
        qs = qs.filter(logged_on__year=year)
    return qs


def get_matter(user, pk: int) -> Matter:
    return matters_for(user).get(pk=pk)


def supervision_for(user, *, body: str | None = None) -> QuerySet[SupervisionEntry]:
    qs = SupervisionEntry.objects.filter(region__code__startswith=scope.prefix_for(user)).select_related(
        "region", "created_by"
    )
    return qs.filter(body=body) if body else qs


def topics_in(user) -> QuerySet[Topic]:
    """The topics of the user's subtree, plain (a write locks them with select_for_update)."""
    return Topic.objects.filter(region__code__startswith=scope.prefix_for(user))


def topics_for(user, *, status: str | None = None) -> QuerySet[Topic]:
    qs = topics_in(user).select_related("region", "opened_by", "closed_by").annotate(n_posts=Count("posts"))
    qs = qs.order_by("status", "-opened_at", "-id")
    return qs.filter(status=status) if status else qs


def get_topic(user, pk: int) -> Topic:
    return topics_for(user).get(pk=pk)


def posts_of(topic: Topic) -> QuerySet[Post]:
    return topic.posts.select_related("member", "author")


# --- the indicators -----------------------------------------------------------------------------------


def _frame(rows: list, name: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=engine.SCHEMAS[name], orient="row")


def indicator_frames(user) -> dict[str, pl.DataFrame]:
    """The engine's input frames: the members of the user's subtree, and of their links, matters and posts
    those about the subtree's households (the posts: every post of the members)."""
    prefix = scope.prefix_for(user)
    members = CommitteeMember.objects.filter(region__code__startswith=prefix)
    ids = list(members.values_list("id", flat=True))
    in_scope = {"member_id__in": ids, "household__village__code__startswith": prefix}
    posts = Post.objects.filter(member_id__in=ids).values_list("member_id", "created_at")
    return {
        "members": _frame(list(members.values_list("id", "level", "region_id", "active")), "members"),
        "links": _frame(
            list(
                Link.objects.filter(**in_scope).values_list(
                    "member_id", "household_id", "household__size", "linked_on"
                )
            ),
            "links",
        ),
        "matters": _frame(
            list(Matter.objects.filter(**in_scope).values_list("member_id", "logged_on", "closed_on")),
            "matters",
        ),
        "posts": _frame([(m, at.date()) for m, at in posts], "posts"),
    }


def indicators(user, year: int, by: str = "total") -> pl.DataFrame:
    """委员动员面, 委员参与率, households and persons linked, matters logged and solved in `year`, by `by`
    (engine.GROUPINGS: total, level, region, region_level)."""
    f = indicator_frames(user)
    return engine.indicators(f["members"], f["links"], f["matters"], f["posts"], year, by)
