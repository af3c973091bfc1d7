"""Funds API (/api/funds): projects, lifecycle steps, beneficiaries, payments, anomalies — scoped by region.

A project's read names its version (the ETag header and `version`); a change or a lifecycle step sent with
it as If-Match is refused (409) if the project changed meanwhile."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Limit, Offset, Year
from fupin.core.privacy import id_for
from fupin.funds import anomalies as fund_anomalies
from fupin.funds import exports, services
from fupin.funds.models import Project
from fupin.funds.selectors import get_project_for, projects_for
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()


class ProjectIn(Schema):
    name: str
    project_type: str
    region_code: str
    implementing_unit: str
    start_date: date
    deadline: date
    content: str = ""
    poverty_link: str = ""
    performance_targets: str = ""
    budget: dict[str, float] = {}


class ProjectOut(Schema):
    id: int
    name: str
    project_type: str
    region_code: str
    region_name: str
    implementing_unit: str
    start_date: date
    deadline: date
    status: str
    budget: float
    paid: float
    budget_lines: dict[str, float]
    version: str = Field(
        description="this version of the project (also the ETag header): send it as If-Match "
        "with a change or a lifecycle step to have it refused (409) if the project "
        "changed meanwhile"
    )


class ActionIn(Schema):
    action: str
    note: str = ""


class BeneficiariesIn(Schema):
    household_nos: list[str]


class PaymentIn(Schema):
    kind: str
    payee_name: str = ""
    id_number: str = ""
    item: str
    amount: float
    paid_on: date


class PaymentOut(Schema):
    id: int
    project_id: int
    kind: str
    payee_name: str
    id_number: str
    item: str
    amount: float
    paid_on: date


def _out(p: Project) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "project_type": p.project_type,
        "region_code": p.region_id,
        "region_name": p.region.name,
        "implementing_unit": p.implementing_unit,
        "start_date": p.start_date,
        "deadline": p.deadline,
        "status": p.status,
        "budget": float(getattr(p, "budget", 0) or 0),
        "paid": float(getattr(p, "paid", 0) or 0),
        "budget_lines": {b.source: float(b.amount) for b in p.budget_lines.all()},
        "version": services.project_version(p),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a project read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


def _get(request, pk: Key) -> Project:
    return get_project_for(request.auth, pk)  # DoesNotExist → 404


def _data(body: ProjectIn) -> services.ProjectData:
    return services.ProjectData(**body.dict())


@router.get("/projects", response=list[ProjectOut], summary="Projects in your region")
def list_projects(
    request,
    region: str | None = None,
    status: str | None = None,
    project_type: str | None = None,
    year: Year | None = None,
    q: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = projects_for(request.auth, region=region, status=status, project_type=project_type, year=year, q=q)
    return [
        _out(p)
        for p in qs.order_by("-start_date", "-pk").prefetch_related("budget_lines")[
            offset : offset + min(limit, 1000)
        ]
    ]


@router.post("/projects", response={201: ProjectOut}, summary="Propose a project (operators)")
def create_project(request, body: ProjectIn):
    p = services.create_project(request.auth, _data(body))
    return Status(201, _out(_get(request, p.pk)))


@router.get("/projects/{pk}", response={200: ProjectOut, **ERRORS}, summary="One project")
def get_project(request, pk: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the project: send it back as If-Match with a
    change or a lifecycle step, which is refused (409) if the project changed meanwhile."""
    return _tagged(response, _out(_get(request, pk)))


@router.put(
    "/projects/{pk}", response={200: ProjectOut, **ERRORS}, summary="Change a project before approval"
)
def update_project(request, pk: Key, body: ProjectIn, response: HttpResponse):
    services.update_project(request.auth, _get(request, pk), _data(body), version=versions.if_match(request))
    return _tagged(response, _out(_get(request, pk)))


@router.post(
    "/projects/{pk}/transitions",
    response={200: ProjectOut, **ERRORS},
    summary="Move a project: submit, library, approve, start, accept, announce, return, close",
)
def move_project(request, pk: Key, body: ActionIn, response: HttpResponse):
    services.transition(
        request.auth, _get(request, pk), body.action, body.note, version=versions.if_match(request)
    )
    return _tagged(response, _out(_get(request, pk)))


@router.get("/projects/{pk}/transitions", summary="The project's lifecycle history")
def project_history(request, pk: Key):
    p = _get(request, pk)
    return [
        {
            "action": t.action,
            "from": t.from_status,
            "to": t.to_status,
            "at": t.at.isoformat(),
            "user": t.user.username if t.user else None,
            "note": t.note,
        }
        for t in p.transitions.select_related("user")
    ]


@router.get("/projects/{pk}/beneficiaries", summary="Beneficiary households")
def list_beneficiaries(request, pk: Key):
    p = _get(request, pk)
    items = [
        {
            "household_no": b.household.household_no,
            "head_name": b.household.head_name,
            "village_code": b.household.village_id,
        }
        for b in p.beneficiaries.select_related("household")
    ]
    log_api_page(request, "api.funds.beneficiaries", len(items), project=p.pk)
    return items


@router.post("/projects/{pk}/beneficiaries", summary="Add beneficiary households (by household number)")
def add_beneficiaries(request, pk: Key, body: BeneficiariesIn):
    return {"added": services.add_beneficiaries(request.auth, _get(request, pk), body.household_nos)}


def _payment(request, x) -> dict:
    return {
        "id": x.pk,
        "project_id": x.project_id,
        "kind": x.kind,
        "payee_name": x.payee_name,
        "id_number": id_for(request.auth, x.id_number),
        "item": x.item,
        "amount": float(x.amount),
        "paid_on": x.paid_on,
    }


@router.get("/projects/{pk}/payments", response=list[PaymentOut])
def list_payments(request, pk: Key):
    items = [_payment(request, x) for x in _get(request, pk).payments.all()]
    log_api_page(request, "api.funds.payments", len(items), project=pk)
    return items


@router.post(
    "/projects/{pk}/payments", response={201: PaymentOut}, summary="Record a payment (approved projects)"
)
def add_payment(request, pk: Key, body: PaymentIn):
    x = services.add_payment(request.auth, _get(request, pk), services.PaymentData(**body.dict()))
    return Status(201, _payment(request, x))


@router.get("/anomalies", summary="Fund anomaly findings in your region")
def list_anomalies(request, region: str | None = None, check: str | None = None, severity: str | None = None):
    items = fund_anomalies.anomalies_for(
        request.auth, region=region, check=check, severity=severity
    ).to_dicts()
    log_api_page(request, "api.funds.anomalies", len(items), region=region, check=check, severity=severity)
    return items


@router.get("/projects.xlsx", summary="Excel export of projects and payments (logged)")
def export_projects(request, region: str | None = None, status: str | None = None):
    if not request.auth.can("exports"):
        raise PermissionDenied
    content = exports.export_projects(request.auth, "api", region=region, status=status)
    r = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    r["Content-Disposition"] = 'attachment; filename="projects.xlsx"'
    return r
