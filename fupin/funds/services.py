"""Writes to the project library: each validates, checks scope and permission, saves and records, in one
transaction. Pages, the API and the CLI call these; every refusal says why in Chinese and English.

A change of a project (`update_project`, `transition`) may name the project's version it was based on
(`project_version`, the API's ETag and the forms' hidden field): the project is read locked, inside the
transaction that writes, and an edit based on an older version is refused with EditConflict (409)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from fupin.accounts import scope
from fupin.core import amounts, lengths, versions
from fupin.core.errors import Denied, InputRejected, Problem
from fupin.engine import idnumber
from fupin.funds import lifecycle
from fupin.funds.codes import FUND_SOURCE, PAYMENT_KIND, PROJECT_TYPE
from fupin.funds.models import Beneficiary, BudgetLine, Payment, Project, Transition
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.registry.selectors import members_for


class FundsError(InputRejected):
    """Input refused by a rule of the project library (field, code, message zh/en)."""

    def __init__(self, field: str | None, code: str, zh: str, en: str):
        super().__init__(Problem(field, f"funds.{code}", zh, en))


def _deny(zh: str, en: str):
    raise Denied(zh, en)


def _require(user, permission: str) -> None:
    if user is None or not user.can(permission):
        if permission == "approves":
            _deny("只有县级审定人员可以执行此操作", "only a county approver may do this")
        _deny("您的角色不能修改项目库", "your role may not change the project library")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise FundsError(field, "amount", f"金额无效：{value}", f"not an amount: {value}") from None
    if not amount.is_finite() or amount <= 0:
        raise FundsError(field, "amount", "金额必须大于0", "the amount must be more than 0")
    column = Payment._meta.get_field("amount")  # budget lines have the same column
    if (fitted := amounts.for_column(amount, column)) is None:
        most = amounts.largest(column)
        raise FundsError(
            field, "amount", f"金额不能超过 {most} 元", f"the amount cannot be more than {most} yuan"
        )
    return fitted


# ------------------------------------------------------------------------------------------ projects


@dataclass
class ProjectData:
    name: str
    project_type: str
    region_code: str
    implementing_unit: str
    start_date: date
    deadline: date
    content: str = ""
    poverty_link: str = ""
    performance_targets: str = ""
    budget: dict[str, object] | None = None  # source code → amount


def _too_long(model, **values: str | None) -> None:
    if problem := lengths.too_long(model, **values):
        raise FundsError(problem.field, problem.code, problem.zh, problem.en)


def _validate(user, d: ProjectData) -> Region:
    if not d.name.strip():
        raise FundsError("name", "required", "项目名称不能为空", "the project name is required")
    _too_long(Project, name=d.name.strip(), implementing_unit=d.implementing_unit.strip())
    if d.project_type not in PROJECT_TYPE:
        raise FundsError(
            "project_type",
            "code",
            f"未知项目类型：{d.project_type}",
            f"unknown project type: {d.project_type}",
        )
    if not d.implementing_unit.strip():
        raise FundsError(
            "implementing_unit", "required", "实施单位不能为空", "the implementing unit is required"
        )
    if d.deadline < d.start_date:
        raise FundsError(
            "deadline", "period", "完成期限早于开工日期", "the deadline is before the start date"
        )
    region = Region.objects.filter(code=(d.region_code or "").strip()).first()
    if region is None or region.level not in (3, 4, 5):
        raise FundsError(
            "region_code",
            "region",
            f"项目地点须为县、乡镇或村：{d.region_code}",
            f"the location must be a county, township or village: {d.region_code}",
        )
    if not scope.contains(user, region.code):
        raise FundsError(
            "region_code", "scope", "项目地点不在您的管辖范围内", "the location is outside your region"
        )
    for source in d.budget or {}:
        if source not in FUND_SOURCE:
            raise FundsError("budget", "code", f"未知资金来源：{source}", f"unknown fund source: {source}")
    return region


def _save_budget(project: Project, budget: dict[str, object]) -> None:
    lines = {s: _money(v, f"budget.{s}") for s, v in budget.items() if v not in (None, "", 0, "0")}
    project.budget_lines.exclude(source__in=list(lines)).delete()
    for source, amount in lines.items():
        BudgetLine.objects.update_or_create(project=project, source=source, defaults={"amount": amount})


@transaction.atomic
def create_project(user, d: ProjectData) -> Project:
    _require(user, "writes_registry")
    region = _validate(user, d)
    p = Project.objects.create(
        name=d.name.strip(),
        project_type=d.project_type,
        region=region,
        implementing_unit=d.implementing_unit.strip(),
        start_date=d.start_date,
        deadline=d.deadline,
        content=d.content,
        poverty_link=d.poverty_link,
        performance_targets=d.performance_targets,
        created_by=user,
    )
    _save_budget(p, d.budget or {})
    Transition.objects.create(project=p, action="create", from_status="", to_status="draft", user=user)
    return p


def project_version(project: Project) -> str:
    """The version of a project: changes with every save of it (details, budget, lifecycle step)."""
    return versions.stamp(project)


def _locked(project: Project, version: str | None) -> Project:
    """The project as stored now, its row locked until the transaction ends; EditConflict if it is no longer
    at `version` (None: not checked)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    versions.check(project_version(project), version)
    return project


@transaction.atomic
def update_project(user, project: Project, d: ProjectData, *, version: str | None = None) -> Project:
    """Change a project's details and budget (before approval). `version`: the project's version the change
    is based on (None: not checked)."""
    _require(user, "writes_registry")
    scope.check(user, project.region_id)  # outside: 404, like a missing project
    project = _locked(project, version)
    if project.status not in lifecycle.EDITABLE_STATUSES:
        raise FundsError(
            None,
            "locked",
            f"项目已{lifecycle.status_label(project.status)}，不能再修改",
            f"the project is {lifecycle.status_label(project.status, 'en').lower()}; "
            "it can no longer be changed",
        )
    region = _validate(user, d)
    for field in (
        "name",
        "project_type",
        "implementing_unit",
        "start_date",
        "deadline",
        "content",
        "poverty_link",
        "performance_targets",
    ):
        value = getattr(d, field)
        setattr(project, field, value.strip() if field in ("name", "implementing_unit") else value)
    project.region = region
    project.save()
    if d.budget is not None:
        _save_budget(project, d.budget)
    return project


@transaction.atomic
def transition(user, project: Project, action: str, note: str = "", *, version: str | None = None) -> Project:
    """Move a project one step of its lifecycle and record who, when and why. `version`: the project's
    version the step is based on (None: not checked)."""
    scope.check(user, project.region_id)  # outside: 404, like a missing project
    a = lifecycle.ACTIONS.get(action)
    if a is None:
        raise FundsError("action", "action", f"未知操作：{action}", f"unknown action: {action}")
    if not user.can(a.permission):
        _deny(f"您的角色不能执行“{a.zh}”", f"your role may not {a.en.lower()} a project")
    project = _locked(project, version)
    if project.status not in a.sources:
        raise FundsError(
            "action",
            "state",
            f"项目当前状态为“{lifecycle.status_label(project.status)}”，不能“{a.zh}”",
            f"the project is {lifecycle.status_label(project.status, 'en').lower()}: "
            f"the step “{a.en}” is not possible",
        )
    if action == "submit" and not project.budget_lines.exists():
        raise FundsError(
            "budget", "budget", "提交前请填写资金来源和金额", "add the budget by source before submitting"
        )
    if action == "accept":
        project.acceptance_date = project.acceptance_date or date.today()
        project.acceptance_note = note or project.acceptance_note
    before = project.status
    project.status = a.target
    project.save()
    Transition.objects.create(
        project=project, action=action, from_status=before, to_status=a.target, user=user, note=note[:500]
    )
    return project


# ------------------------------------------------------------------------------------------ beneficiaries


@transaction.atomic
def add_beneficiaries(user, project: Project, household_nos: list[str]) -> int:
    """Link registry households to the project: each must be in the user's scope and the project's region."""
    _require(user, "writes_registry")
    scope.check(user, project.region_id)  # outside: 404, like a missing project
    if project.status in lifecycle.FINISHED_STATUSES:
        raise FundsError(
            "household_no",
            "locked",
            "项目已结束，不能再增加受益户",
            "the project is finished; no beneficiaries can be added",
        )
    wanted = sorted({n.strip() for n in household_nos if n and n.strip()})
    if not wanted:
        raise FundsError("household_no", "required", "请填写户编号", "enter household numbers")
    found = {
        h.household_no: h
        for h in Household.objects.filter(
            household_no__in=wanted, is_deleted=False, village__code__startswith=scope.prefix_for(user)
        )
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise FundsError(
            "household_no",
            "not_found",
            f"未找到户编号：{'、'.join(missing[:10])}",
            f"household numbers not found: {', '.join(missing[:10])}",
        )
    from fupin.regions.codes import prefix_of

    prefix = prefix_of(project.region_id)
    outside = [n for n, h in found.items() if not h.village_id.startswith(prefix)]
    if outside:
        raise FundsError(
            "household_no",
            "region",
            f"以下农户不在项目所在区域内：{'、'.join(outside[:10])}",
            f"these households are outside the project's region: {', '.join(outside[:10])}",
        )
    have = set(project.beneficiaries.values_list("household_id", flat=True))
    new = [Beneficiary(project=project, household=h) for h in found.values() if h.pk not in have]
    Beneficiary.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def remove_beneficiary(user, project: Project, household_id: int) -> None:
    _require(user, "writes_registry")
    scope.check(user, project.region_id)  # outside: 404, like a missing project
    if project.status in lifecycle.FINISHED_STATUSES:
        raise FundsError(
            "household_no",
            "locked",
            "项目已结束，不能再修改受益户",
            "the project is finished; beneficiaries can no longer change",
        )
    project.beneficiaries.filter(household_id=household_id).delete()


# ------------------------------------------------------------------------------------------ payments


@dataclass
class PaymentData:
    kind: str  # household | contractor
    payee_name: str
    item: str
    amount: object
    paid_on: date
    id_number: str = ""


@transaction.atomic
def add_payment(user, project: Project, d: PaymentData) -> Payment:
    """Record a disbursement. A payee ID number that is not in the registry is kept as typed (the anomaly
    checks report it); a malformed one is refused."""
    _require(user, "writes_registry")
    scope.check(user, project.region_id)  # outside: 404, like a missing project
    if project.status in lifecycle.FINISHED_STATUSES:
        raise FundsError(
            None,
            "closed",
            "项目已验收、公告或关闭，不能再付款",
            "the project is accepted, announced or closed: it cannot take payments",
        )
    if project.status not in lifecycle.PAYABLE_STATUSES:
        raise FundsError(
            None,
            "not_approved",
            "项目尚未审批，不能付款",
            "the project is not approved yet: it cannot take payments",
        )
    if d.kind not in PAYMENT_KIND:
        raise FundsError("kind", "code", f"未知付款对象：{d.kind}", f"unknown payee kind: {d.kind}")
    if not d.item.strip():
        raise FundsError("item", "required", "付款事项不能为空", "the item is required")
    _too_long(Payment, payee_name=d.payee_name.strip(), item=d.item.strip())
    amount = _money(d.amount, "amount")
    if d.paid_on > date.today():
        raise FundsError("paid_on", "future", "付款日期晚于今天", "the payment date is in the future")
    member, id_number, name = None, "", d.payee_name.strip()
    if d.kind == "household":
        id_number = idnumber.clean(d.id_number or "")
        if not idnumber.is_valid(id_number):
            raise FundsError(
                "id_number",
                "id_number",
                "收款人证件号码无效(应为18位且校验位正确)",
                "the payee's ID number is not valid (18 characters with a correct check digit)",
            )
        # Looked up in the user's region only: a payee registered elsewhere is kept as typed (the anomaly
        # checks report a payee outside the registry), and nothing of that person is shown here.
        member = members_for(user).filter(id_number=id_number).first()
        name = name or (member.name if member else "")
    if not name:
        raise FundsError("payee_name", "required", "收款人不能为空", "the payee is required")
    return Payment.objects.create(
        project=project,
        kind=d.kind,
        id_number=id_number,
        member=member,
        payee_name=name,
        item=d.item.strip(),
        amount=amount,
        paid_on=d.paid_on,
        created_by=user,
    )
