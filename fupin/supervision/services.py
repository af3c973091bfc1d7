"""Writes of 挂牌督战: list (挂牌) regions from the rules' proposal, record a visit and its findings, close
(销号) an item.

Every write checks the role (accounts/roles.py) and the region scope, validates everything before it saves
anything, records who and when, and runs in one transaction. Refused input raises SupervisionRejected with
every problem (field, code, message zh/en) and saves nothing; what a role may not do raises Denied (403).
Closing may name the item's version it was based on (ETag / the form's hidden field): a stale one is
refused with EditConflict (409).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import Denied, InputRejected, Problem, in_language
from fupin.engine import supervision as engine
from fupin.policy.models import Parameter
from fupin.regions.codes import COUNTY, VILLAGE, RegionCodeError, level_of, normalise
from fupin.regions.models import Region
from fupin.supervision import selectors
from fupin.supervision.codes import Reason
from fupin.supervision.models import SupervisionItem, SupervisionVisit

LIST_DENIED = (
    "您的角色不能挂牌督战（须为县级及以上的审定人员）",
    "your role may not list regions for supervision (county approvers of a county or a larger region)",
)
CLOSE_DENIED = ("您的角色不能销号", "your role may not close a supervision item")
OVERRIDE_DENIED = (
    "只有县级审定人员可以在规则仍提示时销号",
    "only a county approver may close an item while the rules still flag it",
)
VISIT_DENIED = ("您的角色不能录入督战走访", "your role may not record supervision visits")
NOTE_MAX = 500
TEXT_MAX = 5000


class SupervisionRejected(InputRejected):
    """Input refused: every problem (field, code, zh, en). Nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__(*problems)

    @classmethod
    def one(
        cls, field: str | None, zh: str, en: str, code: str = "supervision.invalid"
    ) -> SupervisionRejected:
        return cls([Problem(field, code, zh, en)])

    def texts(self) -> list[tuple[str, str]]:
        return [(p.zh, p.en) for p in self.problems]

    def messages(self) -> list[str]:
        """Each problem in the active language (a page's)."""
        return [in_language(zh, en) for zh, en in self.texts()]


def ensure_parameters() -> int:
    """Create the supervision parameters' default rows that are missing (never touches rows users changed)."""
    have = set(
        Parameter.objects.filter(name__in=engine.PARAM_DEFINITIONS).values_list(
            "name", "region_code", "year_from"
        )
    )
    new = [
        Parameter(
            name=n, region_code=r, year_from=yf, year_to=yt, value=Decimal(str(v)), source=s, is_default=True
        )
        for n, r, yf, yt, v, s in engine.PARAM_DEFAULTS
        if (n, r, yf) not in have
    ]
    Parameter.objects.bulk_create(new)
    return len(new)


def item_version(item: SupervisionItem) -> str:
    return versions.stamp(item)


# --- who may ----------------------------------------------------------------------------------------------


def can_list(user) -> bool:
    """County approvers bound to a county or a larger region, system administrators (and the operator)."""
    if user is None:
        return True
    return user.can("lists_supervision") and len(scope.prefix_for(user)) <= 6


def can_record(user, item: SupervisionItem) -> bool:
    """Supervisors (督导) and the item's own supervisor record its visits."""
    if user is None:
        return True
    return user.can("records_supervision_visits") or item.supervisor_id == user.pk


def can_override(user) -> bool:
    return user is None or user.can("overrides_supervision")


# --- cleaning ---------------------------------------------------------------------------------------------


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise SupervisionRejected.one("year", "年度应为整数", "the year must be a whole number") from None
    if not 2014 <= year <= 2100:
        raise SupervisionRejected.one(
            "year", "年度超出范围（2014–2100）", "the year is out of range (2014–2100)"
        )
    return year


def _date(field: str, value: Any) -> date | Problem:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return Problem(
            field,
            "supervision.date",
            f"日期格式错误（应为 年-月-日）：{value}",
            f"bad date (year-month-day): {value}",
        )


def _text(field: str, value: Any, limit: int, zh: str, en: str, *, required: bool = True) -> str | Problem:
    text = str(value or "").strip()
    if required and not text:
        return Problem(field, "supervision.required", f"请填写{zh}", f"{en} is required")
    if len(text) > limit:
        return Problem(
            field, "supervision.too_long", f"{zh}不能超过 {limit} 字", f"{en}: at most {limit} characters"
        )
    return text


def _supervisor(value: Any):
    name = str(getattr(value, "username", value) or "").strip()
    found = get_user_model().objects.filter(username=name, is_active=True).first() if name else None
    if found is None:
        return Problem(
            "supervisor",
            "supervision.supervisor",
            f"督战责任人应为一个有效账户：{name}",
            f"the supervisor must be an active account: {name}",
        )
    return found


# --- list (挂牌) -------------------------------------------------------------------------------------------


def list_regions(
    user,
    *,
    year: Any,
    regions: list[str],
    supervisor: Any,
    deadline: Any,
    note: str = "",
    today: date | None = None,
) -> list[SupervisionItem]:
    """挂牌: an item per region (county or village) of the rules' proposal for `year`, with its reasons and
    figures, the supervisor (an account whose scope covers the region) and a deadline."""
    if not can_list(user):
        raise Denied(*LIST_DENIED)
    today = today or timezone.localdate()
    y = _year(year)
    problems: list[Problem] = []
    due = _date("deadline", deadline)
    if isinstance(due, Problem):
        problems.append(due)
    elif due < today:
        problems.append(
            Problem(
                "deadline",
                "supervision.deadline",
                "督战期限不能早于今天",
                "the deadline cannot be in the past",
            )
        )
    who = _supervisor(supervisor)
    if isinstance(who, Problem):
        problems.append(who)
    text = _text("note", note, NOTE_MAX, "备注", "the note", required=False)
    if isinstance(text, Problem):
        problems.append(text)
    codes: list[str] = []
    for raw in regions or []:
        try:
            code = normalise(str(raw))
        except RegionCodeError:
            problems.append(
                Problem(
                    "regions",
                    "region.malformed",
                    f"行政区划代码格式错误：{raw}",
                    f"bad region code: {raw}",
                    str(raw),
                )
            )
            continue
        scope.check(user, code)
        if code not in codes:
            codes.append(code)
    if not codes and not any(p.field == "regions" for p in problems):
        problems.append(
            Problem(
                "regions",
                "supervision.regions",
                "请至少选择一个县或村",
                "choose at least one county or village",
            )
        )
    if problems:
        raise SupervisionRejected(problems)
    where = scope.resolve(user, None)
    proposal = {
        r["region_code"]: r for r in selectors.proposal_for_prefix(where.prefix, y, as_of=today).to_dicts()
    }
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    listed = set(
        SupervisionItem.objects.filter(year=y, region_id__in=codes).values_list("region_id", flat=True)
    )
    for code in codes:
        if code not in known or level_of(code) not in (COUNTY, VILLAGE):
            problems.append(
                Problem(
                    "regions",
                    "supervision.level",
                    f"只能挂牌县或村：{code}",
                    f"only counties and villages are listed: {code}",
                    code,
                )
            )
        elif code in listed:
            problems.append(
                Problem(
                    "regions",
                    "supervision.listed",
                    f"该地区本年度已挂牌：{code}",
                    f"already listed this year: {code}",
                    code,
                )
            )
        elif code not in proposal:
            problems.append(
                Problem(
                    "regions",
                    "supervision.not_flagged",
                    f"规则未提示该地区，不能挂牌：{code}",
                    f"the rules do not flag this region: it cannot be listed: {code}",
                    code,
                )
            )
        elif not isinstance(who, Problem) and not scope.contains(who, code):
            problems.append(
                Problem(
                    "supervisor",
                    "supervision.supervisor_scope",
                    f"督战责任人的管辖范围不包括该地区：{code}",
                    f"the region lies outside the supervisor's scope: {code}",
                    code,
                )
            )
    if problems:
        raise SupervisionRejected(problems)
    assert not isinstance(due, Problem) and not isinstance(who, Problem) and not isinstance(text, Problem)
    with transaction.atomic():
        items = [
            SupervisionItem.objects.create(
                region_id=code,
                year=y,
                reasons=list(proposal[code]["reasons"]),
                figures=selectors.figures_of(proposal[code]),
                supervisor=who,
                deadline=due,
                note=text,
                listed_by=user,
            )
            for code in codes
        ]
    return items


# --- visits -----------------------------------------------------------------------------------------------


def record_visit(
    user, item_pk: int, *, visited_on: Any, findings: Any, actions: Any = "", today: date | None = None
) -> SupervisionVisit:
    """A visit to a listed region: its date (not in the future) and findings, the actions required."""
    item = selectors.get_item(user, item_pk)
    if not can_record(user, item):
        raise Denied(*VISIT_DENIED)
    today = today or timezone.localdate()
    problems: list[Problem] = []
    when = _date("visited_on", visited_on)
    if isinstance(when, Problem):
        problems.append(when)
    elif when > today:
        problems.append(
            Problem(
                "visited_on",
                "supervision.future",
                "走访日期不能晚于今天",
                "the visit cannot be in the future",
            )
        )
    found = _text("findings", findings, TEXT_MAX, "发现的问题", "the findings")
    todo = _text("actions", actions, TEXT_MAX, "整改要求", "the actions required", required=False)
    problems += [p for p in (found, todo) if isinstance(p, Problem)]
    if item.status != "open":
        problems.append(
            Problem(None, "supervision.closed", "该督战事项已销号", "this supervision item is closed")
        )
    if problems:
        raise SupervisionRejected(problems)
    assert isinstance(when, date) and isinstance(found, str) and isinstance(todo, str)
    with transaction.atomic():
        return SupervisionVisit.objects.create(
            item=item, visited_on=when, findings=found, actions=todo, recorded_by=user
        )


# --- close (销号) ------------------------------------------------------------------------------------------


def close_item(
    user,
    item_pk: int,
    *,
    note: Any,
    override: bool = False,
    version: str | None = None,
    as_of: date | None = None,
) -> SupervisionItem:
    """销号: close an item with a note once the rules no longer flag its region. While they still do, it is
    refused, unless a county approver closes it with `override` (the note says why)."""
    item = selectors.get_item(user, item_pk)
    if not can_list(user):
        raise Denied(*CLOSE_DENIED)
    if override and not can_override(user):
        raise Denied(*OVERRIDE_DENIED)
    text = _text("note", note, NOTE_MAX, "销号说明", "the closing note")
    if isinstance(text, Problem):
        raise SupervisionRejected([text])
    reasons, figures = selectors.region_reasons(item.region_id, item.year, as_of=as_of)
    with transaction.atomic():
        item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
        versions.check(item_version(item), version)
        if item.status != "open":
            raise SupervisionRejected.one(
                None, "该督战事项已销号", "this supervision item is already closed", "supervision.closed"
            )
        if reasons and not override:
            zh = "、".join(Reason.label(r, "zh") for r in reasons)
            en = "; ".join(Reason.label(r, "en") for r in reasons)
            raise SupervisionRejected.one(
                "note",
                f"规则仍提示该地区（{zh}），不能销号；县级审定人员可注明理由后强制销号",
                f"the rules still flag this region ({en}): it cannot be closed; a county approver may "
                f"override with a note",
                "supervision.still_flagged",
            )
        item.status, item.closed_by, item.closed_at = "closed", user, timezone.now()
        item.close_note, item.overridden, item.reasons_at_close = text, bool(reasons), reasons
        item.figures = {**item.figures, "at_close": figures}
        item.save()
    return item
