"""Cases: the identification workflow (监测对象识别认定, domain.md §6.6) and risk elimination (风险消除, §6.8).

A case is a list of steps fixed when it opens (村级公示 is left out when the parameter `publicity_enabled`
is 0 for the household's region and year). Each step names the roles that may do it; the user must also
have the household in their region. A review step may reject (the case closes, rejected); an objection
during publicity sends the case back to the village review; `rollback` steps an open case back one step,
or — for an approved elimination — rolls the elimination back (风险消除回退): the household is monitored
again. The deadline is `case_deadline_days` working days (Mon–Fri) after opening; an open case past it
is overdue. The green channel (先落实帮扶再履行程序) makes the household monitored from the day it opens.

Every action on a case reads it again with its row locked (into the caller's instance) and may name the
case's version it was based on (`case_version`, the API's ETag and the page's hidden field): an action based
on an older version is refused with EditConflict (409). A note moves the version on too (it is history).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count

from fupin.accounts import scope
from fupin.core import versions
from fupin.engine import monitoring as engine
from fupin.engine.params import Resolved
from fupin.monitoring.dashboard import identified
from fupin.monitoring.models import Alert, AlertStatus, Case, CaseEvent, CaseKind, MonitorType, Outcome
from fupin.monitoring.selectors import monitored_frame
from fupin.monitoring.services import DENIED, MonitoringError, ensure_parameters
from fupin.policy.services import params_frame
from fupin.registry.selectors import registry_frames

VILLAGE, TOWN, COUNTY = ("does_village_steps",), ("does_township_steps",), ("does_county_steps",)
# step code → (zh, en, permissions that may do it: accounts/roles.py); `acts_for_every_role` does every step
STEP_INFO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "home_checked": ("入户核查", "Home check", VILLAGE + TOWN),
    "authorized": ("承诺授权", "Household consent to data checks", VILLAGE),
    "data_compared": ("信息比对", "Data comparison", COUNTY),
    "village_reviewed": ("民主评议", "Village democratic review", VILLAGE),
    "publicized": ("村级公示", "Village publicity", VILLAGE),
    "town_approved": ("乡镇审核", "Township review", TOWN),
    "county_approved": ("县级审定", "County approval", COUNTY),
    "announced": ("公告", "Announcement", COUNTY),
    "recorded": ("系统标注", "Recorded in the system", COUNTY + TOWN),
}
STEPS = {
    CaseKind.IDENTIFICATION: [
        "home_checked",
        "authorized",
        "data_compared",
        "village_reviewed",
        "publicized",
        "town_approved",
        "county_approved",
        "recorded",
    ],
    CaseKind.ELIMINATION: [
        "home_checked",
        "village_reviewed",
        "publicized",
        "town_approved",
        "county_approved",
        "announced",
        "recorded",
    ],
}
REVIEW_STEPS = {"village_reviewed", "town_approved", "county_approved"}
CASE_PARAMS = ("publicity_enabled", "case_deadline_days")


def step_label(code: str, lang: str = "zh") -> str:
    zh, en, _roles = STEP_INFO.get(code, (code, code, ()))
    return en if lang.startswith("en") else zh


def add_working_days(start: date, days: int) -> date:
    return np.busday_offset(np.datetime64(start), days, roll="forward").astype(date)


def is_overdue(case: Case, today: date | None = None) -> bool:
    return case.is_open and (today or date.today()) > case.deadline


def can_act(user, case: Case, step: str | None = None) -> bool:
    """May `user` do `step` (default: the step waiting) of `case`?"""
    step = step if step is not None else case.step
    if user is None or not user.is_active or not step or not scope.contains(user, case.region_id):
        return False
    return user.can("acts_for_every_role") or any(user.can(p) for p in STEP_INFO[step][2])


def _need(user, case: Case, step: str | None = None) -> None:
    if not can_act(user, case, step):
        raise PermissionDenied(DENIED)


def case_version(case: Case) -> str:
    """The version of a case: changes with every action on it."""
    return versions.stamp(case)


def _lock(case: Case) -> None:
    """Read the case again into `case` (which the caller goes on using), its row locked until the transaction
    ends. The permission checks then see the step as it is now."""
    case.refresh_from_db(from_queryset=Case.objects.select_for_update())


def _need_note(note: str) -> str:
    if not (note or "").strip():
        raise MonitoringError("note", "请填写理由", "give a reason")
    return note.strip()


def measure_counts(household_ids: list[int], year: int) -> pl.DataFrame:
    """Assistance measures applied (in progress or done) per household in `year`, from fupin.assistance."""
    try:
        model = apps.get_model("assistance", "PlanMeasure")
    except LookupError:
        return pl.DataFrame(schema={"household_id": pl.Int64, "measures": pl.Int64})
    rows = (
        model.objects.filter(
            household_id__in=household_ids, year__lte=year, status__in=["in_progress", "done"]
        )
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    return pl.DataFrame(list(rows), orient="row", schema={"household_id": pl.Int64, "measures": pl.Int64})


def elimination_worklist(
    user, year: int, region: str | None = None, *, today: date | None = None
) -> pl.DataFrame:
    """Every monitored household of the scope with whether it may be marked 风险消除 now, and why not."""
    prefix = scope.resolve(user, region).prefix
    ensure_parameters()
    monitored = monitored_frame(prefix)
    out_schema = {
        "household_id": pl.Int64,
        "months": pl.Int64,
        "measures": pl.Int64,
        "eligible": pl.Boolean,
        "blockers": pl.List(pl.String),
    }
    if monitored.is_empty():
        return pl.DataFrame(schema=out_schema)
    hy, members = registry_frames(prefix, [year - 1, year])
    params = params_frame()
    wide, _ = engine.registry_frame(hy, members, params, year)
    measures = measure_counts(monitored["household_id"].to_list(), year)
    return engine.elimination(monitored, wide, measures, params, as_of=today or date.today())


# -------------------------------------------------------------------------------------------- actions
def _event(case, action, user, note="", step=None):
    CaseEvent.objects.create(
        case=case, action=action, step=case.step if step is None else step, user=user, note=note
    )


MAX_RISKS = 5  # 致贫/返贫风险1..5 (domain.md §2.2, code table 100A27)
SIGNAL_PREFIXES = ("MON-", "DEPT-", "SELF-", "VISIT-")
# 脱贫不稳定户 are 脱贫户 and 边缘易致贫户 are 一般农户 (domain.md §6.2); a sudden-difficulty household may be either.
TYPE_NEEDS_HOUSEHOLD_TYPE = {MonitorType.UNSTABLE: "exited", MonitorType.EDGE: "ordinary"}


def _check_risks(risks: list[str]) -> None:
    from fupin.codes import RISK

    # a risk is a 100A27 code, or the id of the signal that raised the case (registry, department, visit,
    # self-report), which the alert pages carry over
    unknown = [r for r in risks if r not in RISK and not r.startswith(SIGNAL_PREFIXES)]
    if unknown:
        raise MonitoringError(
            "risks",
            f"风险类型不在代码表中：{'、'.join(unknown)}",
            f"risks not in the code list: {', '.join(unknown)}",
        )
    if len(set(risks)) != len(risks) or len(risks) > MAX_RISKS:
        raise MonitoringError(
            "risks", f"风险类型最多{MAX_RISKS}项且不能重复", f"at most {MAX_RISKS} different risks"
        )


def _check_type_invariant(household, year: int, monitor_type: str) -> None:
    wanted = TYPE_NEEDS_HOUSEHOLD_TYPE.get(monitor_type)
    if wanted is None:
        return
    record = household.years.filter(is_deleted=False, year__lte=year).order_by("-year").first()
    actual = record.household_type if record else ""
    if actual and actual != wanted:
        from fupin.codes import HOUSEHOLD_TYPE

        raise MonitoringError(
            "monitor_type",
            f"监测对象类别与户类型不符：{MonitorType.label(monitor_type, 'zh')}须为{HOUSEHOLD_TYPE.label(wanted, 'zh')}，"
            f"该户为{HOUSEHOLD_TYPE.label(actual, 'zh')}",
            f"the monitoring type does not fit the household type: it needs a "
            f"{HOUSEHOLD_TYPE.label(wanted, 'en')}, this is a {HOUSEHOLD_TYPE.label(actual, 'en')}",
        )


@transaction.atomic
def open_case(
    user,
    household,
    kind: str,
    *,
    year: int,
    alert: Alert | None = None,
    monitor_type: str = "",
    risks: list[str] | None = None,
    green_channel: bool = False,
    method: str = "",
    note: str = "",
    today: date | None = None,
) -> Case:
    today = today or date.today()
    if user is None or not user.can("writes_registry") or not scope.contains(user, household.village_id):
        raise PermissionDenied(DENIED)
    if kind not in CaseKind.values:
        raise MonitoringError("kind", f"未知的类型：{kind}", f"unknown kind: {kind}")
    if Case.objects.filter(household=household, kind=kind).exclude(step="").exists():
        raise MonitoringError(
            "kind", "该户已有办理中的同类事项", "the household already has an open case of this kind"
        )
    monitored = set(monitored_frame(household.village_id)["household_id"].to_list())
    if kind == CaseKind.IDENTIFICATION:
        if household.pk in monitored:
            raise MonitoringError("kind", "该户已是监测对象", "the household is already monitored")
        if monitor_type not in MonitorType.values:
            raise MonitoringError("monitor_type", "请选择监测对象类别", "choose the monitoring type")
        _check_type_invariant(household, year, monitor_type)
        _check_risks(risks or [])
    else:
        if household.pk not in monitored:
            raise MonitoringError("kind", "该户不是监测对象", "the household is not monitored")
        if method not in ("assisted", "natural"):
            raise MonitoringError("method", "请选择风险消除方式", "choose how the risk was removed")
        check = elimination_worklist(user, year, household.village_id, today=today).filter(
            pl.col("household_id") == household.pk
        )
        blockers = check["blockers"][0].to_list() if check.height else ["income_unknown"]
        if blockers:
            raise MonitoringError(
                "kind",
                "不符合风险消除条件：" + engine.blocker_text(blockers, "zh"),
                "the criteria for risk elimination are not met: " + engine.blocker_text(blockers, "en"),
                code="monitoring.elimination_blocked",
            )
    ensure_parameters()
    R = Resolved(
        params_frame(), CASE_PARAMS, pl.DataFrame({"village": [household.village_id], "year": [year]})
    )
    steps = list(STEPS[kind])
    if not R.value("publicity_enabled"):
        steps.remove("publicized")
    case = Case.objects.create(
        household=household,
        region_id=household.village_id,
        kind=kind,
        year=year,
        alert=alert,
        monitor_type=monitor_type if kind == CaseKind.IDENTIFICATION else "",
        risks=risks or [],
        elimination_method=method if kind == CaseKind.ELIMINATION else "",
        green_channel=green_channel,
        steps=steps,
        step=steps[0],
        opened_on=today,
        deadline=add_working_days(today, int(R.value("case_deadline_days") or 20)),
        opened_by=user,
    )
    _event(case, "open", user, note, step="")
    if alert is not None:
        alert.status, alert.updated_by = AlertStatus.CASE_OPENED, user
        alert.save(update_fields=["status", "updated_by", "updated_at"])
    return case


@transaction.atomic
def advance(
    user, case: Case, note: str = "", today: date | None = None, *, version: str | None = None
) -> Case:
    """Record the waiting step as done; after the last step the case closes, approved."""
    _lock(case)
    _need(user, case)
    versions.check(case_version(case), version)
    done = case.step
    i = case.steps.index(done)
    _event(case, "advance", user, note.strip())
    if i + 1 < len(case.steps):
        case.step = case.steps[i + 1]
    else:
        case.step, case.outcome, case.closed_on = "", Outcome.APPROVED, today or date.today()
    case.save()
    return case


@transaction.atomic
def reject(user, case: Case, note: str, today: date | None = None, *, version: str | None = None) -> Case:
    """Reject at a review step (民主评议, 乡镇审核, 县级审定): the case closes, rejected."""
    _lock(case)
    _need(user, case)
    versions.check(case_version(case), version)
    if case.step not in REVIEW_STEPS:
        raise MonitoringError("step", "只有评议或审核环节可以不予通过", "only a review step can reject")
    _event(case, "reject", user, _need_note(note))
    case.step, case.outcome, case.closed_on = "", Outcome.REJECTED, today or date.today()
    case.save()
    return case


@transaction.atomic
def object_(user, case: Case, note: str, *, version: str | None = None) -> Case:
    """An objection during publicity (公示有异议): back to the village review."""
    _lock(case)
    _need(user, case)
    versions.check(case_version(case), version)
    if case.step != "publicized":
        raise MonitoringError("step", "只有公示期间可以提出异议", "objections are raised during publicity")
    _event(case, "object", user, _need_note(note))
    case.step = "village_reviewed"
    case.save()
    return case


@transaction.atomic
def rollback(user, case: Case, note: str, *, version: str | None = None) -> Case:
    """An open case: back one step. An approved elimination: 风险消除回退 (county approvers)."""
    note = _need_note(note)
    _lock(case)
    if case.is_open:
        i = case.steps.index(case.step)
        if i == 0:
            raise MonitoringError("step", "已是第一步", "already at the first step")
        _need(user, case, case.steps[i - 1])
        versions.check(case_version(case), version)
        _event(case, "rollback", user, note)
        case.step = case.steps[i - 1]
    else:
        if case.kind != CaseKind.ELIMINATION or case.outcome != Outcome.APPROVED:
            raise MonitoringError(
                "step", "只有已批准的风险消除可以回退", "only an approved elimination can be rolled back"
            )
        _need(user, case, "county_approved")
        versions.check(case_version(case), version)
        _event(case, "rollback", user, note, step="")
        case.outcome = Outcome.ROLLED_BACK
    case.save()
    return case


@transaction.atomic
def add_note(user, case: Case, note: str, *, version: str | None = None) -> Case:
    if user is None or not user.can("writes_registry") or not scope.contains(user, case.region_id):
        raise PermissionDenied(DENIED)
    note = _need_note(note)
    _lock(case)
    versions.check(case_version(case), version)
    _event(case, "note", user, note, step="")
    case.save(update_fields=["updated_at"])  # the note is part of the case's history: its version moves on
    return case


def cases_for(user, *, region: str | None = None):
    prefix = scope.resolve(user, region).prefix
    qs = Case.objects.select_related("household", "region")
    return qs.filter(region__code__startswith=prefix) if prefix else qs


def get_case_for(user, pk: int) -> Case:
    return cases_for(user).get(pk=pk)


def case_counts(user, *, year: int, region: str | None = None, today: date | None = None) -> dict:
    """Dashboard figures: monitored now, new identifications in the year, eliminated in the year, open and
    overdue cases, and 风险消除率 = households with the risk eliminated / households ever monitored."""
    today = today or date.today()
    prefix = scope.resolve(user, region).prefix
    qs = Case.objects.filter(region__code__startswith=prefix)
    ident = qs.filter(kind=CaseKind.IDENTIFICATION)
    approved = set(ident.filter(outcome=Outcome.APPROVED).values_list("household_id", flat=True))
    monitored = set(monitored_frame(prefix)["household_id"].to_list())
    open_ = qs.exclude(step="")
    return {
        "monitored": len(monitored),
        "ever_monitored": len(approved),
        "new_identified": identified(prefix).filter(identified_on__year=year).count(),
        "eliminated": qs.filter(
            kind=CaseKind.ELIMINATION, outcome=Outcome.APPROVED, closed_on__year=year
        ).count(),
        "open": open_.count(),
        "overdue": open_.filter(deadline__lt=today).count(),
        "elimination_rate_pct": round(100 * len(approved - monitored) / len(approved), 1)
        if approved
        else None,
        "by_type": dict(
            ident.filter(outcome=Outcome.APPROVED)
            .values_list("monitor_type")
            .annotate(n=Count("id"))
            .order_by()
        ),
    }
