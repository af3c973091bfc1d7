"""Evaluation API (/api/evaluation): evaluations with their rates, the sample, visits, closing.

Out of scope answers 404 like a missing evaluation; a role that may not act 403; refused input 422 with every
problem in the shared error shape. A read of an evaluation or a visit names its version (ETag and `version`);
a visit's correction or the closing sent with it as If-Match is refused (409) if it changed meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Page, Year
from fupin.evaluation import selectors, services
from fupin.evaluation.models import Evaluation, Visit
from fupin.registry.schemas import ERRORS

router = Router()
PAGE_SIZE = 500


class EvaluationIn(Schema):
    county: str
    year: Year
    kind: str = Field(description="effectiveness (成效考核), third_party (第三方评估) or census (普查)")
    seed: int | None = Field(None, description="empty: a new seed is chosen and kept")
    sizes: dict[str, int] | None = Field(
        None, description="sample sizes replacing the parameters: villages, exited, poor, unregistered"
    )
    note: str = ""


class RateOut(Schema):
    indicator: str
    numerator: int
    denominator: int
    unit: str
    visited: int
    population: int | None
    pct: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float


class EvaluationOut(Schema):
    id: int
    county: str
    county_name: str
    year: int
    kind: str
    status: str
    seed: int
    sample_sizes: dict
    villages: list[str]
    populations: dict
    note: str
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    rates: list[RateOut]
    version: str = Field(description="this version (also the ETag): send it as If-Match with /close")


class EvaluationVisitIn(Schema):
    visited_on: date
    income_pc: float = Field(description="per-capita net income re-measured at the visit (yuan)")
    food: bool
    clothing: bool
    education: bool
    medical: bool
    housing: bool
    water: bool
    approves: bool
    note: str = ""


class EvaluationVisitOut(EvaluationVisitIn):
    recorded_by: str | None
    updated_at: datetime
    version: str


class SampledOut(Schema):
    id: int
    household_no: str
    head_name: str
    village: str
    stratum: str
    rank: int
    size: int
    visit: EvaluationVisitOut | None


class SamplePage(Schema):
    items: list[SampledOut]
    page: int
    count: int


def evaluation_out(e: Evaluation) -> dict:
    return {
        "id": e.pk,
        "county": e.county_id,
        "county_name": e.county.name,
        "year": e.year,
        "kind": e.kind,
        "status": e.status,
        "seed": e.seed,
        "sample_sizes": e.sample_sizes,
        "villages": e.villages,
        "populations": e.populations,
        "note": e.note,
        "created_by": e.created_by.username if e.created_by else None,
        "created_at": e.created_at,
        "closed_at": e.closed_at,
        "rates": selectors.rates(e).to_dicts(),
        "version": services.evaluation_version(e),
    }


def visit_out(v: Visit) -> dict:
    return {
        "visited_on": v.visited_on,
        "income_pc": float(v.income_pc),
        **{g: getattr(v, g) for g in ("food", "clothing", "education", "medical", "housing", "water")},
        "approves": v.approves,
        "note": v.note,
        "recorded_by": v.recorded_by.username if v.recorded_by else None,
        "updated_at": v.updated_at,
        "version": services.visit_version(v),
    }


@router.get("/", response=list[EvaluationOut], summary="Evaluations in your region, with their rates")
def list_evaluations(request, year: Year | None = None, county: str | None = None):
    qs = selectors.evaluations_for(request.auth)
    if year:
        qs = qs.filter(year=year)
    if county:
        qs = qs.filter(county_id=county)
    return [evaluation_out(e) for e in qs[:200]]


@router.post("/", response={201: EvaluationOut, **ERRORS}, summary="Set up an evaluation and draw its sample")
def create_evaluation(request, body: EvaluationIn):
    e = services.create_evaluation(
        request.auth,
        county=body.county,
        year=body.year,
        kind=body.kind,
        seed=body.seed,
        sizes=body.sizes,
        note=body.note,
    )
    return Status(201, evaluation_out(selectors.get_evaluation(request.auth, e.pk)))


@router.get("/{pk}", response={200: EvaluationOut, **ERRORS}, summary="One evaluation with its rates")
def get_evaluation(request, pk: Key, response: HttpResponse):
    out = evaluation_out(selectors.get_evaluation(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out


@router.get(
    "/{pk}/sample",
    response={200: SamplePage, **ERRORS},
    summary="The sampled households and their visits (those who record visits)",
)
def get_sample(request, pk: Key, page: Page = 1, stratum: str | None = None):
    e = selectors.get_evaluation(request.auth, pk)
    qs = selectors.sample_for(request.auth, e)
    if stratum:
        qs = qs.filter(stratum=stratum)
    count = qs.count()
    items = [
        {
            "id": s.pk,
            "household_no": s.household.household_no,
            "head_name": s.household.head_name,
            "village": s.village,
            "stratum": s.stratum,
            "rank": s.rank,
            "size": s.size,
            "visit": visit_out(s.visit) if hasattr(s, "visit") else None,
        }
        for s in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    log_api_page(request, "api.evaluation.sample", len(items), evaluation=pk, page=page, stratum=stratum)
    return {"items": items, "page": page, "count": count}


@router.put(
    "/{pk}/sample/{sampled_id}/visit",
    response={200: EvaluationVisitOut, **ERRORS},
    summary="Record or correct the verification visit of a sampled household",
)
def put_visit(request, pk: Key, sampled_id: Key, body: EvaluationVisitIn, response: HttpResponse):
    """Send the visit's ETag as If-Match when correcting it: refused (409) if it changed meanwhile."""
    values = body.dict()
    values["income_pc"] = str(values["income_pc"])
    v = services.record_visit(request.auth, pk, sampled_id, values, version=versions.if_match(request))
    out = visit_out(v)
    versions.set_etag(response, out["version"])
    return out


@router.post(
    "/{pk}/close",
    response={200: EvaluationOut, **ERRORS},
    summary="Close the evaluation: its figures feed the county exit evaluation",
)
def close(request, pk: Key, response: HttpResponse):
    services.close_evaluation(request.auth, pk, version=versions.if_match(request))
    out = evaluation_out(selectors.get_evaluation(request.auth, pk))
    versions.set_etag(response, out["version"])
    return out
