"""Writes of the assistance app: every one checks who may write, validates, saves and keeps history.

Who may write (domain.md §9):
- a registry-writing role (village operator, township reviewer, county approver, administrator): anything
  of its region subtree;
- an assistance cadre: the plan measures and visits of the households assigned to them now, nothing else;
- an approver (county approver, administrator): the measure catalogue;
- read-only roles: nothing.
Refusals raise Denied (the reason in Chinese and English); bad input raises AssistanceError (422).

A change of a plan measure may name the measure's version it was based on (`measure_version`, the API's
ETag and the form's hidden field): the measure is read locked in the transaction that writes it, and a
change based on an older version is refused with EditConflict (409).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from fupin import codes
from fupin.accounts import scope
from fupin.assistance import catalogue
from fupin.assistance.codes import PLAN_STATUS
from fupin.assistance.models import (
    Assignment,
    Cadre,
    CauseMeasure,
    KeyMatter,
    MeasureType,
    MeasureTypeChange,
    PlanMeasure,
    Visit,
)
from fupin.core import amounts, versions
from fupin.core.errors import Denied, InputRejected, Problem

NO_WRITE = ("您无权修改此处的帮扶信息", "you may not change assistance records here")


class AssistanceError(InputRejected):
    def __init__(self, problems: list[tuple[str, str, str]]):
        """`problems`: (field, zh, en) of every problem found."""
        super().__init__(*(Problem(f, "assistance.invalid", zh, en) for f, zh, en in problems))


# ---- reference data ---------------------------------------------------------------------------------


def load_catalogue() -> int:
    """Create the shipped catalogue rows, cause suggestions and the cadre-limit parameter that are missing.
    Idempotent; never touches rows users created or changed. Returns how many measures were created."""
    have = set(MeasureType.objects.values_list("code", flat=True))
    new = [
        MeasureType(code=code, name_zh=zh, name_en=en, category=cat, kind=kind, is_default=True)
        for code, zh, en, cat, kind in catalogue.MEASURES
        if code not in have
    ]
    MeasureType.objects.bulk_create(new)
    if new:  # suggestions only for measures created now: a user's removal of a suggestion stays removed
        ids = {m.code: m.pk for m in MeasureType.objects.filter(code__in=[m.code for m in new])}
        CauseMeasure.objects.bulk_create(
            [
                CauseMeasure(cause=cause, measure_type_id=ids[code])
                for cause, measure_codes in catalogue.CAUSE_MEASURES.items()
                for code in measure_codes
                if code in ids
            ],
            ignore_conflicts=True,
        )
    _ensure_limit_parameter()
    return len(new)


def _ensure_limit_parameter() -> None:
    from fupin.policy.models import Parameter

    if not Parameter.objects.filter(name=catalogue.CADRE_LIMIT_PARAMETER, is_deleted=False).exists():
        Parameter.objects.create(
            name=catalogue.CADRE_LIMIT_PARAMETER,
            region_code="",
            year_from=2014,
            value=Decimal(catalogue.CADRE_LIMIT_DEFAULT),
            source=catalogue.CADRE_LIMIT_SOURCE,
            is_default=True,
        )


def cadre_limit(year: int, region_code: str = "") -> int:
    """The most households one cadre may have (policy parameter `cadre_household_limit`, default 5)."""
    from fupin.policy.services import resolve

    try:
        value = resolve(catalogue.CADRE_LIMIT_PARAMETER, year, region_code)
    except Exception:  # noqa: BLE001 - a bad region code or no parameter table: fall back
        value = None
    return int(value) if value is not None else catalogue.CADRE_LIMIT_DEFAULT


def save_measure_type(
    user,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    category: str,
    kind: str,
    active_from: int,
    active_to: int | None,
    reason: str = "",
) -> MeasureType:
    if user is None or not user.can("approves"):
        raise Denied("只有审定角色可以修改措施目录", "only approvers may change the measure catalogue")
    problems = []
    code = (code or "").strip().upper()
    if not code:
        problems.append(("code", "代码不能为空", "code is required"))
    if not (name_zh or "").strip():
        problems.append(("name_zh", "中文名称不能为空", "Chinese name is required"))
    if category not in catalogue.CATEGORIES:
        problems.append(("category", f"未知措施类别：{category}", f"unknown category: {category}"))
    if kind not in catalogue.KINDS:
        problems.append(("kind", f"未知措施性质：{kind}", f"unknown kind: {kind}"))
    if active_to is not None and active_from is not None and active_to < active_from:
        problems.append(("active_to", "截止年度早于起始年度", "in force to is before in force from"))
    if problems:
        raise AssistanceError(problems)
    with transaction.atomic():
        mt = MeasureType.objects.select_for_update().filter(code=code).first()
        before = mt.as_dict() if mt else None
        mt = mt or MeasureType(code=code)
        mt.name_zh, mt.name_en, mt.category, mt.kind = (
            name_zh.strip(),
            (name_en or "").strip(),
            category,
            kind,
        )
        mt.active_from, mt.active_to, mt.updated_by = active_from, active_to, user
        mt.save()
        MeasureTypeChange.objects.create(
            measure_type=mt, user=user, before=before, after=mt.as_dict(), reason=reason
        )
    return mt


def suggestions(household_year) -> list[MeasureType]:
    """Catalogue measures suggested for the household's causes (main + other) that year."""
    if household_year is None:
        return []
    causes = [c for c in [household_year.main_cause, *household_year.other_cause_list] if c]
    year = household_year.year
    return list(
        MeasureType.objects.filter(causes__cause__in=causes, active_from__lte=year)
        .exclude(active_to__lt=year)
        .distinct()
        .order_by("category", "code")
    )


# ---- permissions ------------------------------------------------------------------------------------


def can_write_region(user, region_code: str) -> bool:
    return user is not None and user.can("writes_registry") and scope.contains(user, region_code)


def cadre_of(user) -> Cadre | None:
    if user is None or not user.can("serves_households"):
        return None
    return Cadre.objects.filter(user=user).first()


def is_assigned(user, household, on: date | None = None) -> bool:
    cadre = cadre_of(user)
    if cadre is None:
        return False
    on = on or timezone.localdate()
    return (
        Assignment.objects.filter(cadre=cadre, household=household, start_date__lte=on)
        .exclude(end_date__lt=on)
        .exists()
    )


def cadre_visible(user, cadre: Cadre) -> bool:
    """A cadre of the user's subtree or of a region above it (county cadres serve villages)."""
    prefix = scope.prefix_for(user)
    return cadre.region_id.startswith(prefix) or prefix.startswith(cadre.region.prefix)


def can_write_plan(user, household) -> bool:
    """Plan measures, visits: a registry writer of the region, or the household's own cadre."""
    if user is None or not user.is_active:
        return False
    if user.can("writes_registry"):
        return scope.contains(user, household.village_id)
    return is_assigned(user, household)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Denied(*NO_WRITE)


# ---- plans and visits -------------------------------------------------------------------------------


def _date(value, field: str, problems: list) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(
            (field, f"日期格式错误：{value}（应为 YYYY-MM-DD）", f"bad date: {value} (use YYYY-MM-DD)")
        )
        return None


def _amount(value, problems: list) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        problems.append(("amount", f"金额不是数字：{value}", f"amount is not a number: {value}"))
        return None
    column = PlanMeasure._meta.get_field("amount")
    if (fitted := amounts.for_column(d, column)) is None:
        most = amounts.largest(column)
        problems.append(
            (
                "amount",
                f"金额应为不超过 {most} 元的数字：{value}",
                f"amount must be a number of at most {most} yuan: {value}",
            )
        )
        return None
    if fitted < 0:
        problems.append(("amount", "金额不能为负数", "amount cannot be negative"))
    return fitted


STATUS_CODES = set(PLAN_STATUS.values)


def measure_version(pm: PlanMeasure) -> str:
    """The version of a plan measure: changes with every save of it."""
    return versions.stamp(pm)


def save_plan_measure(
    user,
    household,
    *,
    year: int,
    measure_code: str,
    amount=None,
    start_date=None,
    end_date=None,
    responsible_unit: str = "",
    responsible_person: str = "",
    status: str = "planned",
    result: str = "",
    instance: PlanMeasure | None = None,
    version: str | None = None,
) -> PlanMeasure:
    """Create (or, with `instance`, change) one measure of the household's plan for `year`. `version`: the
    measure's version a change is based on (None: not checked)."""
    _require(can_write_plan(user, household))
    problems: list[tuple[str, str, str]] = []
    mt = MeasureType.objects.filter(code=(measure_code or "").strip().upper()).first()
    if mt is None:
        problems.append(
            (
                "measure_code",
                f"措施目录中没有该措施：{measure_code}",
                f"no such measure in the catalogue: {measure_code}",
            )
        )
    elif mt.active_from > year or (mt.active_to is not None and mt.active_to < year):
        problems.append(
            (
                "measure_code",
                f"措施 {mt.code} 在{year}年不适用",
                f"measure {mt.code} is not in force in {year}",
            )
        )
    if not 2014 <= int(year) <= 2100:
        problems.append(("year", f"年度不合理：{year}", f"implausible year: {year}"))
    if status not in STATUS_CODES:
        problems.append(("status", f"未知状态：{status}", f"unknown status: {status}"))
    value = _amount(amount, problems)
    start, end = _date(start_date, "start_date", problems), _date(end_date, "end_date", problems)
    if start and end and end < start:
        problems.append(("end_date", "结束日期早于开始日期", "the end is before the start"))
    with transaction.atomic():
        if instance is not None:  # read locked and checked before anything is refused or written
            instance = PlanMeasure.objects.select_for_update().get(pk=instance.pk)
            versions.check(measure_version(instance), version)
        if problems:
            raise AssistanceError(problems)
        assert mt is not None  # an unknown measure is one of the problems
        pm = instance or PlanMeasure(household=household)
        pm.year, pm.measure_type, pm.amount, pm.start_date, pm.end_date = int(year), mt, value, start, end
        pm.responsible_unit, pm.responsible_person = responsible_unit.strip(), responsible_person.strip()
        pm.status, pm.result, pm.updated_by = status, (result or "").strip(), user
        pm.save()
    return pm


def record_visit(
    user, household, *, date_, found: str, follow_up: str = "", visitor: str = "", risk: str = ""
) -> Visit:
    """走访记录: the visitor defaults to the signed-in person (and their cadre record, if they are one).
    A `risk` (a code of `codes.RISK`) found on the visit also raises a monitoring alert for the household."""
    _require(can_write_plan(user, household))
    problems: list[tuple[str, str, str]] = []
    when = _date(date_, "date", problems)
    if when is None and not problems:
        problems.append(("date", "走访日期不能为空", "the visit date is required"))
    if when and when > timezone.localdate():
        problems.append(("date", "走访日期不能晚于今天", "the visit date cannot be in the future"))
    if not (found or "").strip():
        problems.append(("found", "请填写走访发现的情况", "say what the visit found"))
    if risk and risk not in codes.RISK:
        problems.append(("risk", "风险类型不在代码表中", "the risk is not in the code list"))
    if problems:
        raise AssistanceError(problems)
    assert when is not None  # a missing date is one of the problems
    cadre = cadre_of(user)
    name = (visitor or "").strip() or (cadre.name if cadre else (user.get_full_name() or user.username))
    with transaction.atomic():
        visit = Visit.objects.create(
            household=household,
            cadre=cadre,
            visitor=name,
            date=when,
            found=found.strip(),
            follow_up=(follow_up or "").strip(),
            created_by=user,
        )
        if risk:
            from fupin.monitoring.services import alert_from_visit

            alert_from_visit(visit, risk)
    return visit


# ---- responsibility ---------------------------------------------------------------------------------


def assign_cadre(user, household, cadre: Cadre, *, start_date=None, note: str = "") -> Assignment:
    """Make `cadre` responsible for the household from `start_date`; the current assignment, if any, ends the
    day before (history kept)."""
    _require(can_write_region(user, household.village_id) and cadre_visible(user, cadre))
    problems: list[tuple[str, str, str]] = []
    start = _date(start_date, "start_date", problems) or timezone.localdate()
    if problems:
        raise AssistanceError(problems)
    with transaction.atomic():
        current = Assignment.objects.filter(household=household, end_date__isnull=True)
        if current.filter(cadre=cadre).exists():
            return current.get(cadre=cadre)
        for a in current:
            a.end_date = max(a.start_date, start - timedelta(days=1))
            a.save(update_fields=["end_date"])
        return Assignment.objects.create(
            cadre=cadre, household=household, start_date=start, note=note, created_by=user
        )


def end_assignment(user, assignment: Assignment, *, end_date=None) -> Assignment:
    _require(can_write_region(user, assignment.household.village_id))
    assignment.end_date = _date(end_date, "end_date", []) or timezone.localdate()
    assignment.save(update_fields=["end_date"])
    return assignment


def resolve_matter(user, matter: KeyMatter, *, resolution: str, resolved_date=None) -> KeyMatter:
    _require(can_write_region(user, matter.household.village_id))
    if not (resolution or "").strip():
        raise AssistanceError([("resolution", "请填写办理结果", "say how the matter was resolved")])
    matter.resolution = resolution.strip()
    matter.resolved_date = _date(resolved_date, "resolved_date", []) or timezone.localdate()
    matter.save(update_fields=["resolution", "resolved_date"])
    return matter


def cause_label(code: str, lang: str = "zh") -> str:
    return codes.CAUSE.label(code, lang)
