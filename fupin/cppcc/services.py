"""Writes of 政协助推行动 and 网络议政: committee members and the households linked to them, 关键小事 logged and
closed, joint supervision entries, consultation topics opened, posted on, answered and closed.

Every write checks the role (accounts/roles.py: `manages_cppcc` for the office, `posts_cppcc` for a member's
own account) and the region scope, validates everything before it saves anything, records who and when,
and runs in one transaction. Refused input raises CppccRejected with every problem (field, code, zh, en)
and saves nothing; an edit of a member or the closing of a matter or a topic may name the version it was
based on, and a stale one is refused with EditConflict (409).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import Denied, InputRejected, Problem
from fupin.cppcc import selectors
from fupin.cppcc.codes import MatterStatus, MemberLevel, PostKind, SupervisionBody, TopicStatus
from fupin.cppcc.models import CommitteeMember, Link, Matter, Post, SupervisionEntry, Topic
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.registry.selectors import get_household_for

MANAGE_DENIED = (
    "只有政协办公室（县级审定、系统管理员）可以管理委员、结对、联合监督和议题",
    "only the office (county approvers, system administrators) manages members, links, supervision and topics",
)
MATTER_DENIED = (
    "只有政协办公室或与该户结对的委员本人可以登记关键小事",
    "only the office or a member linked to the household may log a key matter for it",
)
CLOSE_MATTER_DENIED = (
    "只有政协办公室或登记该事项的委员本人可以办结关键小事",
    "only the office or the member the matter belongs to may close it",
)
POST_DENIED = (
    "只有政协委员账户或政协办公室可以在议题下发言",
    "only committee members' accounts and the office may post on a topic",
)
TEXT_MAX = 4000


class CppccRejected(InputRejected):
    """Input refused: every problem (field, code, zh, en). Nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__(*problems)


def _p(field: str, code: str, zh: str, en: str, value: Any = None) -> Problem:
    return Problem(field, f"cppcc.{code}", zh, en, None if value is None else str(value))


def can_manage(user) -> bool:
    return user is None or user.can("manages_cppcc")


def _require_manage(user) -> None:
    if not can_manage(user):
        raise Denied(*MANAGE_DENIED)


def member_version(m: CommitteeMember) -> str:
    return versions.stamp(m)


def matter_version(m: Matter) -> str:
    return versions.stamp(m)


def topic_version(t: Topic) -> str:
    return versions.stamp(t)


# --- cleaning: each adds its problems and returns the clean value (None when refused) -------------------


def _text(
    problems: list[Problem],
    values: dict,
    field: str,
    zh: str,
    en: str,
    *,
    required: bool = True,
    max_len: int = TEXT_MAX,
) -> str:
    value = str(values.get(field) or "").strip()
    if required and not value:
        problems.append(_p(field, "required", f"请填写{zh}", f"{en} is required"))
    elif len(value) > max_len:
        problems.append(
            _p(
                field,
                "too_long",
                f"{zh}过长（最多 {max_len} 字）",
                f"{en} is too long (at most {max_len} characters)",
            )
        )
    return value


def _date(
    problems: list[Problem], values: dict, field: str, zh: str, en: str, *, default_today: bool = True
) -> date | None:
    raw = values.get(field)
    if raw in (None, ""):
        if default_today:
            return timezone.localdate()
        problems.append(_p(field, "required", f"请填写{zh}", f"{en} is required"))
        return None
    if isinstance(raw, date):
        value = raw
    else:
        try:
            value = date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(
                _p(
                    field,
                    "date",
                    f"{zh}应为日期（如 2024-05-01）",
                    f"{en} must be a date (e.g. 2024-05-01)",
                    raw,
                )
            )
            return None
    if value > timezone.localdate():
        problems.append(_p(field, "future", f"{zh}不能晚于今天", f"{en} cannot be in the future", value))
        return None
    return value


def _code(problems: list[Problem], values: dict, field: str, codes, zh: str, en: str) -> str:
    raw = str(values.get(field) or "").strip()
    code = codes.lookup().get(raw, codes.lookup().get(raw.lower()))
    if code is None:
        allowed_zh = "、".join(c.zh for c in codes)
        allowed_en = ", ".join(c.code for c in codes)
        problems.append(
            _p(field, "code", f"{zh}应为：{allowed_zh}", f"{en} must be one of: {allowed_en}", raw)
        )
        return ""
    return code


def _region(problems: list[Problem], user, values: dict, field: str = "region") -> Region | None:
    raw = str(values.get(field) or "").strip()
    if not raw:
        if user is not None and user.region_id:
            return user.region
        problems.append(_p(field, "required", "请填写行政区划代码", "the region code is required"))
        return None
    try:
        code = normalise(raw)
    except RegionCodeError:
        problems.append(
            _p(field, "region.malformed", f"行政区划代码格式错误：{raw}", f"bad region code: {raw}", raw)
        )
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or not scope.contains(user, code):
        problems.append(
            _p(
                field,
                "region.unknown",
                f"您的管辖范围内没有该地区：{raw}",
                f"no such region in your scope: {raw}",
                raw,
            )
        )
        return None
    return region


def _household(problems: list[Problem], user, values: dict, field: str = "household") -> Household | None:
    raw = str(values.get(field) or "").strip()
    if not raw:
        problems.append(_p(field, "required", "请填写户编号", "the household number is required"))
        return None
    try:
        return get_household_for(user, raw)
    except Household.DoesNotExist:
        problems.append(
            _p(
                field,
                "household.unknown",
                f"您的管辖范围内没有该户：{raw}",
                f"no such household in your region: {raw}",
                raw,
            )
        )
        return None


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise CppccRejected(problems)


# --- members and links --------------------------------------------------------------------------------


def _account(problems: list[Problem], user, values: dict, member: CommitteeMember | None):
    raw = str(values.get("account") or "").strip()
    if not raw:
        return None
    account = get_user_model().objects.filter(username=raw).first()
    if account is None or not scope.contains(user, account.region_id):
        problems.append(
            _p(
                "account",
                "account.unknown",
                f"您的管辖范围内没有该账户：{raw}",
                f"no such account in your region: {raw}",
                raw,
            )
        )
        return None
    if not account.can("posts_cppcc"):
        problems.append(
            _p(
                "account",
                "account.role",
                f"该账户不是政协委员角色：{raw}",
                f"the account does not have the committee member role: {raw}",
                raw,
            )
        )
        return None
    others = CommitteeMember.objects.filter(account=account)
    other = (others.exclude(pk=member.pk) if member is not None else others).first()
    if other is not None:
        problems.append(
            _p(
                "account",
                "account.taken",
                f"该账户已属于委员 {other.name}",
                f"the account already belongs to member {other.name}",
                raw,
            )
        )
        return None
    return account


def save_member(user, values: dict, pk: int | None = None, version: str | None = None) -> CommitteeMember:
    """Create a member (pk None) or edit one: name, level, region, unit, phone, active, account (username)."""
    _require_manage(user)
    with transaction.atomic():
        member = None
        if pk is not None:
            member = selectors.members_in(user).select_for_update().get(pk=pk)
            versions.check(member_version(member), version)
        problems: list[Problem] = []
        name = _text(problems, values, "name", "姓名", "the name", max_len=50)
        level = _code(problems, values, "level", MemberLevel, "委员层级", "the level")
        region = _region(problems, user, values)
        unit = _text(problems, values, "unit", "工作单位", "the unit", required=False, max_len=100)
        phone = str(values.get("phone") or "").strip()
        if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
            problems.append(_p("phone", "phone", "电话号码格式错误", "bad phone number", phone))
        account = _account(problems, user, values, member)
        _raise(problems)
        active = values.get("active", True)
        active = (
            active
            if isinstance(active, bool)
            else str(active).strip().lower() in ("1", "true", "on", "yes", "是")
        )
        fields = {
            "name": name,
            "level": level,
            "region": region,
            "unit": unit,
            "phone": phone,
            "active": active,
            "account": account,
        }
        if member is None:
            member = CommitteeMember.objects.create(created_by=user, **fields)
        else:
            for k, v in fields.items():
                setattr(member, k, v)
            member.save()
        return member


def link_household(user, member_pk: int, values: dict) -> Link:
    """Link a household of the user's subtree (`household`: its number) to a member from `linked_on`."""
    _require_manage(user)
    with transaction.atomic():
        member = selectors.get_member(user, member_pk)
        problems: list[Problem] = []
        household = _household(problems, user, values)
        linked_on = _date(problems, values, "linked_on", "结对日期", "the date linked")
        if household is not None and Link.objects.filter(member=member, household=household).exists():
            problems.append(
                _p(
                    "household",
                    "link.exists",
                    "该户已与该委员结对",
                    "the household is already linked to this member",
                    household.household_no,
                )
            )
        _raise(problems)
        assert household is not None and linked_on is not None  # refused above otherwise
        try:
            with transaction.atomic():
                return Link.objects.create(
                    member=member, household=household, linked_on=linked_on, created_by=user
                )
        except IntegrityError:  # linked meanwhile by someone else
            raise CppccRejected(
                [
                    _p(
                        "household",
                        "link.exists",
                        "该户已与该委员结对",
                        "the household is already linked to this member",
                    )
                ]
            ) from None


def unlink_household(user, member_pk: int, link_pk: int) -> None:
    _require_manage(user)
    with transaction.atomic():
        member = selectors.get_member(user, member_pk)
        selectors.links_for(user, member).get(pk=link_pk).delete()


# --- 关键小事 -------------------------------------------------------------------------------------------


def log_matter(user, values: dict) -> Matter:
    """Log a key matter of a household (`household`: its number) for a member (`member`: id). The office logs
    for any member and household of its region; a member's own account only for households linked to it."""
    own = selectors.member_of(user)
    if not can_manage(user) and not (own is not None and user.can("posts_cppcc")):
        raise Denied(*MATTER_DENIED)
    with transaction.atomic():
        problems: list[Problem] = []
        household = _household(problems, user, values)
        member = own if not can_manage(user) else None
        if member is None:
            raw = str(values.get("member") or "").strip()
            member = (
                selectors.members_in(user).filter(active=True, pk=int(raw)).first() if raw.isdigit() else None
            )
            if member is None:
                problems.append(
                    _p(
                        "member",
                        "member.unknown",
                        "请选择本地区的在职委员",
                        "choose an active member of your region",
                        raw,
                    )
                )
        description = _text(problems, values, "description", "事项内容", "the description")
        logged_on = _date(problems, values, "logged_on", "登记日期", "the date logged")
        if household is not None and member is not None and not can_manage(user):
            if not Link.objects.filter(member=member, household=household).exists():
                raise Denied(*MATTER_DENIED)
        _raise(problems)
        assert (
            household is not None and member is not None and logged_on is not None
        )  # refused above otherwise
        return Matter.objects.create(
            household=household, member=member, description=description, logged_on=logged_on, created_by=user
        )


def close_matter(user, pk: int, values: dict, version: str | None = None) -> Matter:
    """Close an open matter with its result and the date it was solved."""
    with transaction.atomic():
        matter = selectors.matters_in(user).select_for_update().get(pk=pk)
        own = selectors.member_of(user)
        if not can_manage(user) and not (
            own is not None and own.pk == matter.member_id and user.can("posts_cppcc")
        ):
            raise Denied(*CLOSE_MATTER_DENIED)
        versions.check(matter_version(matter), version)
        problems: list[Problem] = []
        if matter.status == MatterStatus.CLOSED:
            problems.append(_p("status", "matter.closed", "该事项已办结", "the matter is closed already"))
        result = _text(problems, values, "result", "办理结果", "the result")
        closed_on = _date(problems, values, "closed_on", "办结日期", "the date closed")
        if closed_on is not None and closed_on < matter.logged_on:
            problems.append(
                _p(
                    "closed_on",
                    "before_logged",
                    "办结日期不能早于登记日期",
                    "the matter cannot close before it was logged",
                    closed_on,
                )
            )
        _raise(problems)
        matter.status, matter.result, matter.closed_on, matter.closed_by = (
            MatterStatus.CLOSED,
            result,
            closed_on,
            user,
        )
        matter.save()
        return matter


# --- joint supervision --------------------------------------------------------------------------------


def add_supervision(user, values: dict) -> SupervisionEntry:
    """A joint supervision entry: body (纪委/人大/政协), region, date, finding, follow-up."""
    _require_manage(user)
    problems: list[Problem] = []
    body = _code(problems, values, "body", SupervisionBody, "监督主体", "the supervising body")
    region = _region(problems, user, values)
    when = _date(problems, values, "date", "日期", "the date")
    finding = _text(problems, values, "finding", "发现的问题", "the finding")
    follow_up = _text(problems, values, "follow_up", "整改跟进", "the follow-up", required=False)
    _raise(problems)
    assert region is not None and when is not None  # refused above otherwise
    with transaction.atomic():
        return SupervisionEntry.objects.create(
            body=body, region=region, date=when, finding=finding, follow_up=follow_up, created_by=user
        )


# --- 网络议政、远程协商 ----------------------------------------------------------------------------------


def open_topic(user, values: dict) -> Topic:
    _require_manage(user)
    problems: list[Problem] = []
    title = _text(problems, values, "title", "议题标题", "the title", max_len=200)
    body = _text(problems, values, "body", "议题说明", "the description")
    region = _region(problems, user, values)
    _raise(problems)
    assert region is not None  # refused above otherwise
    with transaction.atomic():
        return Topic.objects.create(title=title, body=body, region=region, opened_by=user)


def add_post(user, topic_pk: int, values: dict) -> Post:
    """A proposal or a comment on an open topic, by a member's account or by the office."""
    own = selectors.member_of(user)
    if not can_manage(user) and not (own is not None and user.can("posts_cppcc")):
        raise Denied(*POST_DENIED)
    with transaction.atomic():
        topic = selectors.topics_in(user).select_for_update().get(pk=topic_pk)
        problems: list[Problem] = []
        if topic.status != TopicStatus.OPEN:
            problems.append(
                _p("topic", "topic.closed", "议题已办结，不能再发言", "the topic is closed: no more posts")
            )
        kind = _code(problems, values, "kind", PostKind, "发言类型", "the kind of post")
        text = _text(problems, values, "text", "发言内容", "the text")
        _raise(problems)
        post = Post.objects.create(topic=topic, kind=kind, member=own, author=user, text=text)
        topic.save(update_fields=["updated_at"])
        return post


def close_topic(user, topic_pk: int, values: dict, version: str | None = None) -> Topic:
    """The office's reply, and the topic closed."""
    _require_manage(user)
    with transaction.atomic():
        topic = selectors.topics_in(user).select_for_update().get(pk=topic_pk)
        versions.check(topic_version(topic), version)
        problems: list[Problem] = []
        if topic.status != TopicStatus.OPEN:
            problems.append(_p("topic", "topic.closed", "议题已办结", "the topic is closed already"))
        reply = _text(problems, values, "reply", "办理答复", "the office's reply")
        _raise(problems)
        topic.status, topic.reply, topic.closed_by, topic.closed_at = (
            TopicStatus.CLOSED,
            reply,
            user,
            timezone.now(),
        )
        topic.save()
        return topic
