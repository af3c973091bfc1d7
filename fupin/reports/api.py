"""Reports API (/api/reports): statistics, identification and exit runs (stored), county exit inputs.

Out of scope answers 404, like a missing record; refused input answers 422 in the shared error shape.
A county's figures' read names their version (the ETag header and `version`); a change or deletion sent with
it as If-Match is refused (409) if the figures changed meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from fupin.accounts.scope import OutOfScope
from fupin.core import versions
from fupin.core.api_types import Key, Limit, Page, Year
from fupin.registry.schemas import ERRORS  # the one error shape of the API
from fupin.reports import headline, services
from fupin.reports.models import Run
from fupin.reports.statistics import LEVELS, region_stats

router = Router()
MAX_PAGE_SIZE = 1000


class ReportRunIn(Schema):
    year: Year
    region: str | None = None


class ExitRunIn(ReportRunIn):
    level: str = "household"


class ReportRunOut(Schema):
    id: int
    kind: str
    year: int
    region_code: str
    status: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    rows: int
    summary: dict
    parameters: list[dict]
    reproduces: int | None


class RunPage(ReportRunOut):
    items: list[dict]
    page: int
    page_size: int
    count: int


class CountyInputIn(Schema):
    county: str
    year: Year
    exit_sample: int | None = None
    wrong_exit_found: int | None = None
    missed_sample_population: int | None = None
    missed_found: int | None = None
    survey_households: int | None = None
    survey_approving: int | None = None
    note: str = ""


class CountyInputOut(CountyInputIn):
    id: int
    county_name: str
    updated_by: str | None
    updated_at: datetime
    editable: bool
    version: str = Field(
        description="this version of the figures (also the ETag header of their read): send it "
        "as If-Match with a change or deletion to have it refused (409) if the "
        "figures changed meanwhile"
    )


def _not_found():
    return HttpError(404, "not found")


def run_out(run: Run) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "year": run.year,
        "region_code": run.region_code,
        "status": run.status,
        "created_by": run.created_by.username if run.created_by else None,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "rows": run.rows,
        "summary": run.summary,
        "parameters": run.parameters,
        "reproduces": run.reproduces_id,
    }


def input_out(user, obj) -> dict:
    return {
        "id": obj.pk,
        "county": obj.county_id,
        "county_name": obj.county.name,
        "year": obj.year,
        **{f: getattr(obj, f) for f in services.INPUT_FIELDS},
        "note": obj.note,
        "updated_by": obj.updated_by.username if obj.updated_by else None,
        "updated_at": obj.updated_at,
        "editable": services.can_edit_inputs(user, obj.county_id),
        "version": services.county_input_version(obj),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a county's figures' read or write (their version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


@router.get("/stats", response=list[dict], summary="Counts and incidence by region (fupin stats)")
def stats(request, year: Year, region: str | None = None, by: str | None = None):
    """The same table as `fupin stats --format json`: one object per region (`by`: province, city, county,
    township or village; default the region itself)."""
    if by and by not in LEVELS:
        raise services.ReportInputError("by", "不支持的统计层级", "unsupported level", code="reports.by")
    try:
        return region_stats(request.auth, year=year, region=region, by=by).to_dicts()
    except OutOfScope:
        raise _not_found() from None


class HeadlineOut(Schema):
    region: str = Field(description="the region's 12-digit code ('' = every region, nationwide users)")
    region_name: str
    year: int
    years: list[int]
    by_year: list[dict] = Field(description="the region's counts in each year of `years`")
    children: list[dict] = Field(description="each child region's counts in `year`, its status and exit year")
    exits: list[dict] = Field(
        description="exits by year: households, persons, villages (出列), counties (摘帽)"
    )
    poor_regions: dict[str, int]


@router.get(
    "/headline",
    response={200: HeadlineOut, **ERRORS},
    summary="Headline counts (三个一万人): remaining poor and the three monitoring groups",
)
def headline_counts(request, year: Year, region: str | None = None, years: int = 1):
    """Households and persons of the remaining poor (`poor_*`), 脱贫不稳定户 (`unstable_*`), 边缘易致贫户
    (`edge_*`) and 突发严重困难户 (`sudden_*`), and all monitored (`monitored_*`), for the region (default
    yours) in the `years` years up to `year` and for each of its child regions in `year`. Outside your
    region 404."""
    try:
        h = headline.headline(request.auth, year=year, region=region, years=years)
    except OutOfScope:
        raise _not_found() from None
    own = h.own.to_dicts()
    return {
        "region": h.code,
        "region_name": own[0]["region_name"] if own else "",
        "year": h.year,
        "years": h.years,
        "by_year": [{k: v for k, v in r.items() if k not in ("region_code", "region_name")} for r in own],
        "children": h.children.to_dicts(),
        "exits": h.exits.to_dicts(),
        "poor_regions": h.poor_regions,
    }


@router.post("/identify", response={201: ReportRunOut}, summary="Run identification and store the result")
def identify(request, body: ReportRunIn):
    try:
        run = services.run_identification(request.auth, body.year, body.region)
    except OutOfScope:
        raise _not_found() from None
    return Status(201, run_out(run))


@router.post(
    "/exits", response={201: ReportRunOut}, summary="Run exit evaluation (household, village or county)"
)
def exits(request, body: ExitRunIn):
    try:
        run = services.run_exits(request.auth, body.year, body.region, body.level)
    except OutOfScope:
        raise _not_found() from None
    return Status(201, run_out(run))


@router.get("/runs", response=list[ReportRunOut], summary="Stored runs in your region")
def list_runs(request, kind: str | None = None, year: Year | None = None, limit: Limit = 100):
    qs = services.runs_for(request.auth)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    return [run_out(r) for r in qs[: max(1, min(limit, 1000))]]


@router.get("/runs/{run_id}", response=RunPage, summary="One stored run with its result rows (paginated)")
def get_run(request, run_id: Key, page: Page = 1, page_size: int = 100):
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise services.ReportInputError(
            "page_size",
            f"页码从1开始，每页条数应在1到{MAX_PAGE_SIZE}之间",
            f"pages start at 1 and page_size is 1 to {MAX_PAGE_SIZE}",
            code="reports.page",
        )
    run = services.get_run(request.auth, run_id)
    items = []
    if run.status == "done":
        items = services.result(run).slice((page - 1) * page_size, page_size).to_dicts()
    return {**run_out(run), "items": items, "page": page, "page_size": page_size, "count": run.rows}


@router.get("/county-inputs", response=list[CountyInputOut], summary="County exit evaluation samples")
def list_inputs(request, year: Year | None = None):
    qs = services.county_inputs_for(request.auth)
    if year:
        qs = qs.filter(year=year)
    return [input_out(request.auth, o) for o in qs]


@router.post("/county-inputs", response={201: CountyInputOut}, summary="Enter a county's figures (approvers)")
def create_input(request, body: CountyInputIn):
    return Status(201, _save(request, body, None))


@router.get("/county-inputs/{pk}", response={200: CountyInputOut, **ERRORS}, summary="One county's figures")
def get_input(request, pk: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the figures: send it back as If-Match with a
    change or deletion, which is refused (409) if the figures changed meanwhile."""
    return _tagged(response, input_out(request.auth, services.county_inputs_for(request.auth).get(pk=pk)))


@router.put(
    "/county-inputs/{pk}",
    response={200: CountyInputOut, **ERRORS},
    summary="Change a county's figures (approvers)",
)
def update_input(request, pk: Key, body: CountyInputIn, response: HttpResponse):
    return _tagged(response, _save(request, body, pk, version=versions.if_match(request)))


@router.delete(
    "/county-inputs/{pk}", response={204: None, **ERRORS}, summary="Delete a county's figures (approvers)"
)
def delete_input(request, pk: Key):
    services.delete_county_input(request.auth, pk, version=versions.if_match(request))
    return Status(204, None)


def _save(request, body: CountyInputIn, pk: Key | None, version: str | None = None) -> dict:
    data = body.dict()
    try:
        obj = services.save_county_input(
            request.auth,
            county=data.pop("county"),
            year=data.pop("year"),
            note=data.pop("note"),
            values=data,
            pk=pk,
            version=version,
        )
    except OutOfScope:
        raise _not_found() from None
    return input_out(request.auth, obj)
