"""Supervision API (/api/supervision): the rules' proposal, the listed items (挂牌), their visits and findings,
closing (销号), and the 四个不摘 worklist.

Out of scope answers 404 like a missing item; a role that may not act 403; refused input 422 with every
problem in the shared error shape. A read of an item names its version (ETag and `version`); closing sent
with it as If-Match is refused (409) if the item changed meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Year
from fupin.registry.schemas import ERRORS
from fupin.supervision import selectors, services
from fupin.supervision.models import SupervisionItem, SupervisionVisit

router = Router()
MAX_ITEMS = 500
MAX_KEEP = 5000


class ProposalOut(Schema):
    region_code: str
    region_name: str
    level: int
    year: int
    poor_persons: int
    rural_population: int | None
    incidence_pct: float | None
    overdue_cases: int
    uncovered: int
    reasons: list[str]
    listed: bool


class ListIn(Schema):
    year: Year
    regions: list[str] = Field(description="12-digit codes of counties or villages the rules flag")
    supervisor: str = Field(description="username of the supervisor (their scope must cover each region)")
    deadline: date
    note: str = ""


class SupervisionVisitIn(Schema):
    visited_on: date
    findings: str
    actions: str = ""


class SupervisionVisitOut(SupervisionVisitIn):
    id: int
    recorded_by: str | None
    created_at: datetime


class CloseIn(Schema):
    note: str
    override: bool = Field(False, description="close although the rules still flag it (county approvers)")


class ItemOut(Schema):
    id: int
    region: str
    region_name: str
    year: int
    reasons: list[str]
    figures: dict
    supervisor: str
    deadline: date
    status: str
    note: str
    listed_by: str | None
    listed_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str
    overridden: bool
    reasons_at_close: list[str]
    visits: list[SupervisionVisitOut]
    version: str = Field(description="this version (also the ETag): send it as If-Match with /close")


class KeepOut(Schema):
    check_id: str
    scope: str
    region_code: str
    household_no: str | None
    subject: str | None
    exit_year: int | None
    value: str | None
    message_zh: str
    message_en: str


def visit_out(v: SupervisionVisit) -> dict:
    return {
        "id": v.pk,
        "visited_on": v.visited_on,
        "findings": v.findings,
        "actions": v.actions,
        "recorded_by": v.recorded_by.username if v.recorded_by else None,
        "created_at": v.created_at,
    }


def item_out(it: SupervisionItem) -> dict:
    return {
        "id": it.pk,
        "region": it.region_id,
        "region_name": it.region.name,
        "year": it.year,
        "reasons": it.reasons,
        "figures": it.figures,
        "supervisor": it.supervisor.username,
        "deadline": it.deadline,
        "status": it.status,
        "note": it.note,
        "listed_by": it.listed_by.username if it.listed_by else None,
        "listed_at": it.listed_at,
        "closed_by": it.closed_by.username if it.closed_by else None,
        "closed_at": it.closed_at,
        "close_note": it.close_note,
        "overridden": it.overridden,
        "reasons_at_close": it.reasons_at_close,
        "visits": [visit_out(v) for v in it.visits.select_related("recorded_by")],
        "version": services.item_version(it),
    }


@router.get(
    "/proposal",
    response={200: list[ProposalOut], **ERRORS},
    summary="The counties and villages the rules flag",
)
def get_proposal(request, year: Year, region: str | None = None):
    df = selectors.proposal(request.auth, year=year, region=region)
    return df.drop("poverty_status", "exit_year").to_dicts()


@router.get("/items", response=list[ItemOut], summary="Listed regions in your region")
def list_items(request, year: Year | None = None, status: str | None = None):
    qs = selectors.items_for(request.auth)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return [item_out(it) for it in qs[:MAX_ITEMS]]


@router.post("/items", response={201: list[ItemOut], **ERRORS}, summary="List regions for supervision (挂牌)")
def create_items(request, body: ListIn):
    items = services.list_regions(
        request.auth,
        year=body.year,
        regions=body.regions,
        supervisor=body.supervisor,
        deadline=body.deadline,
        note=body.note,
    )
    return Status(201, [item_out(selectors.get_item(request.auth, it.pk)) for it in items])


@router.get("/items/{pk}", response={200: ItemOut, **ERRORS}, summary="One listed region with its visits")
def get_item(request, pk: Key, response: HttpResponse):
    out = item_out(selectors.get_item(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out


@router.post(
    "/items/{pk}/visits",
    response={201: SupervisionVisitOut, **ERRORS},
    summary="Record a visit and its findings",
)
def add_visit(request, pk: Key, body: SupervisionVisitIn):
    v = services.record_visit(
        request.auth, pk, visited_on=body.visited_on, findings=body.findings, actions=body.actions
    )
    return Status(201, visit_out(v))


@router.post("/items/{pk}/close", response={200: ItemOut, **ERRORS}, summary="Close (销号) a listed region")
def close_item(request, pk: Key, body: CloseIn, response: HttpResponse):
    """Refused (422) while the rules still flag the region, unless a county approver overrides with a note."""
    services.close_item(
        request.auth, pk, note=body.note, override=body.override, version=versions.if_match(request)
    )
    out = item_out(selectors.get_item(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out


@router.get(
    "/keep",
    response={200: list[KeepOut], **ERRORS},
    summary="四个不摘: exits within the buffer years that lost assistance",
)
def get_keep(request, year: Year, region: str | None = None):
    df = selectors.keep_worklist(request.auth, year=year, region=region)
    rows = df.head(MAX_KEEP).to_dicts()
    log_api_page(request, "api.supervision.keep", len(rows), year=year, region=region)
    return rows
