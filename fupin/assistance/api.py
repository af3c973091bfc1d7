"""Assistance API (/api/assistance): catalogue, my households, plans, visits, coverage and the
responsibility lists. Same selectors, services and permissions as the pages; out of scope answers 404,
a role that may not write 403, refused input 422 (one error shape, fupin/core/api_errors.py).

A plan measure's read names its version (the ETag header and `version`); a change sent with it as If-Match
is refused (409) if the measure changed meanwhile."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from fupin.accounts.export_log import log_api_page
from fupin.assistance import coverage as store_coverage
from fupin.assistance import selectors, services
from fupin.core import versions
from fupin.core.api_types import Key, Year
from fupin.core.errors import Denied
from fupin.core.privacy import phone_for
from fupin.engine import coverage as engine_coverage
from fupin.registry import selectors as registry_selectors
from fupin.registry.schemas import ERRORS, Label  # the one error shape of the API

router = Router()


class MeasureIn(Schema):
    year: Year
    measure_code: str
    amount: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    responsible_unit: str = ""
    responsible_person: str = ""
    status: str = "planned"
    result: str = ""


class MeasureOut(Schema):
    id: int
    household_no: str
    year: int
    measure_code: str
    measure: Label
    category: str
    amount: str | None
    start_date: date | None
    end_date: date | None
    responsible_unit: str
    responsible_person: str
    status: str
    result: str
    version: str = Field(
        description="this version of the measure (also the ETag header of its read): send it "
        "as If-Match with a change to have it refused (409) if the measure changed "
        "meanwhile"
    )


class AssistanceVisitIn(Schema):
    date: date
    found: str
    follow_up: str = ""
    risk: str = ""  # a code of codes.RISK: the visit found a risk and raises a monitoring alert


def _measure(pm) -> dict:
    return {
        "id": pm.pk,
        "household_no": pm.household.household_no,
        "year": pm.year,
        "measure_code": pm.measure_type.code,
        "measure": {"zh": pm.measure_type.name_zh, "en": pm.measure_type.name_en},
        "category": pm.measure_type.category,
        "amount": None if pm.amount is None else str(pm.amount),
        "start_date": pm.start_date,
        "end_date": pm.end_date,
        "responsible_unit": pm.responsible_unit,
        "responsible_person": pm.responsible_person,
        "status": pm.status,
        "result": pm.result,
        "version": services.measure_version(pm),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a measure read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


def _visit(v) -> dict:
    return {
        "id": v.pk,
        "household_no": v.household.household_no,
        "date": v.date,
        "visitor": v.visitor,
        "found": v.found,
        "follow_up": v.follow_up,
    }


def _household(request, household_no: str):
    return registry_selectors.get_household_for(request.auth, household_no)  # DoesNotExist → 404


@router.get("/measures", summary="The measure catalogue with the causes each measure is suggested for")
def measures(request):
    return [
        {**m.as_dict(), "causes": [c.cause for c in m.causes.all()]} for m in selectors.measure_catalogue()
    ]


@router.get("/my-households", summary="Households assigned now to the signed-in cadre")
def my_households(request):
    return [
        {"household_no": h.household_no, "head_name": h.head_name, "village": h.village_id}
        for h in selectors.my_households(request.auth).order_by("household_no")
    ]


@router.get("/households/{household_no}/plan", summary="A household's plan measures and visits for a year")
def plan(request, household_no: str, year: Year):
    h = _household(request, household_no)
    hy = h.years.filter(year=year, is_deleted=False).first()
    return {
        "household_no": h.household_no,
        "year": year,
        "cadres": [
            {
                "name": a.cadre.name,
                "unit": a.cadre.unit,
                "phone": phone_for(request.auth, a.cadre.phone),
                "start_date": a.start_date,
            }
            for a in selectors.current_assignments(h)
        ],
        "suggested": [m.code for m in services.suggestions(hy)],
        "measures": [
            _measure(pm)
            for pm in h.plan_measures.filter(year=year).select_related("measure_type", "household")
        ],
        "visits": [_visit(v) for v in h.visits.select_related("household")[:100]],
    }


@router.post("/households/{household_no}/measures", response={201: dict}, summary="Add a measure to a plan")
def add_measure(request, household_no: str, body: MeasureIn):
    h = _household(request, household_no)
    return Status(201, _measure(services.save_plan_measure(request.auth, h, **body.dict())))


def _plan_measure(request, measure_id: Key):
    return get_object_or_404(selectors.plan_measures_for(request.auth), pk=measure_id)


@router.get("/measures/{measure_id}", response={200: MeasureOut, **ERRORS}, summary="One plan measure")
def get_measure(request, measure_id: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the measure: send it back as If-Match with a
    change, which is refused (409) if the measure changed meanwhile."""
    return _tagged(response, _measure(_plan_measure(request, measure_id)))


@router.put(
    "/measures/{measure_id}",
    response={200: MeasureOut, **ERRORS},
    summary="Change a plan measure (status, result …)",
)
def change_measure(request, measure_id: Key, body: MeasureIn, response: HttpResponse):
    pm = _plan_measure(request, measure_id)
    pm = services.save_plan_measure(
        request.auth, pm.household, instance=pm, version=versions.if_match(request), **body.dict()
    )
    return _tagged(response, _measure(pm))


@router.post("/households/{household_no}/visits", response={201: dict}, summary="Record a visit")
def add_visit(request, household_no: str, body: AssistanceVisitIn):
    h = _household(request, household_no)
    v = services.record_visit(
        request.auth, h, date_=body.date, found=body.found, follow_up=body.follow_up, risk=body.risk
    )
    return Status(201, _visit(v))


@router.get("/coverage", summary="Coverage findings (poor households without cadre or matched measure, …)")
def coverage(request, year: Year, region: str | None = None, check: str | None = None, format: str = "json"):
    user = request.auth
    df = store_coverage.findings_for(user, year=year, region=region, check=check)  # OutOfScope: 404
    if format == "xlsx":
        if not user.can("exports"):
            raise Denied("您的角色不能导出", "your role may not export")
        data = store_coverage.export_xlsx(
            user, df, channel="api", filters={"year": year, "region": region, "check": check}
        )
        resp = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f'attachment; filename="coverage-{year}.xlsx"'
        return resp
    log_api_page(request, "api.assistance.coverage", df.height, year=year, region=region, check=check)
    return {"year": year, "summary": engine_coverage.summary(df).to_dicts(), "findings": df.to_dicts()}


@router.get("/teams", summary="Village work teams and their members")
def teams(request):
    return [
        {
            "id": t.pk,
            "village": t.village_id,
            "name": t.name,
            "sending_unit": t.sending_unit,
            "start_date": t.start_date,
            "end_date": t.end_date,
            "members": [
                {"name": m.name, "unit": m.unit, "is_first_secretary": m.is_first_secretary}
                for m in t.members.all()
            ],
        }
        for t in selectors.teams_for(request.auth)
    ]


@router.get("/units", summary="Paired units, east–west partners, designated central units")
def units(request):
    return [
        {
            "region": u.region_id,
            "name": u.name,
            "kind": u.kind,
            "start_date": u.start_date,
            "end_date": u.end_date,
        }
        for u in selectors.paired_units_for(request.auth)
    ]


@router.get("/leaders", summary="Leaders' contact points")
def leaders(request):
    return [
        {"region": x.region_id, "name": x.name, "post": x.post, "level": x.level}
        for x in selectors.leaders_for(request.auth)
    ]


@router.get("/matters", summary="Key small matters")
def matters(request):
    return [
        {
            "id": m.pk,
            "household_no": m.household.household_no,
            "title": m.title,
            "helper": m.helper.name if m.helper else None,
            "due_date": m.due_date,
            "resolved_date": m.resolved_date,
            "resolution": m.resolution,
        }
        for m in selectors.matters_for(request.auth)
    ]
