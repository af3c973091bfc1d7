"""Region API (/api/regions): the tree within the caller's scope. Out of scope answers 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fupin.core.api_types import Limit
from fupin.regions import boundaries, selectors
from fupin.regions.models import Region

router = Router()

MAX_RESULTS = 1000
NOT_FOUND = "未找到该行政区划 / region not found"


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent_id")
    is_poor: bool


class RegionRef(Schema):
    code: str
    name: str
    level: int


class RegionDetail(RegionOut):
    level_name: str
    ancestors: list[RegionRef]
    children: int


class PopulationYear(Schema):
    year: int
    rural_population: int


class RegionPopulationOut(Schema):
    code: str
    name: str
    years: list[PopulationYear]


def _user(request):
    return request.auth


class BoundaryUploadOut(Schema):
    features: int
    created: int
    replaced: int
    skipped: int
    problems: list[dict]


@router.post(
    "/boundaries",
    response={201: BoundaryUploadOut},
    summary="Upload region boundaries (a GeoJSON FeatureCollection) for the map",
)
def upload_boundaries(request, file: File[UploadedFile], skip_invalid: Form[bool] = False):
    """Every rejected feature answers 422 (nothing saved) unless `skip_invalid`; re-uploading replaces."""
    user = _user(request)
    if not boundaries.may_upload(user):
        raise PermissionDenied
    if file.size > boundaries.MAX_BYTES:
        report = boundaries.too_large()
    else:
        report = boundaries.import_boundaries(
            file.read(), user, file_name=file.name or "", skip_invalid=skip_invalid
        )
    if not report.saved:
        raise boundaries.BoundariesRejected(report)
    return Status(
        201,
        {
            "features": report.features,
            "created": report.created,
            "replaced": report.replaced,
            "skipped": report.skipped,
            "problems": [p.as_item() for p in report.problems],
        },
    )


@router.get("/", response=list[RegionOut])
def list_regions(
    request, parent: str | None = None, level: int | None = None, q: str = "", limit: Limit = 200
):
    """Children of `parent` (default: the caller's own region, or the provinces when nationwide).

    With `q` (name contains) or `level`, searches the whole subtree below `parent` (or the caller's
    scope) instead of the direct children.
    """
    user = _user(request)
    limit = max(1, min(limit, MAX_RESULTS))
    try:
        if q or level is not None:
            qs = selectors.search(user, q, within=parent, level=level)
        else:
            qs = selectors.children(user, parent)
    except Region.DoesNotExist:
        raise HttpError(404, NOT_FOUND) from None
    return list(qs.order_by("code")[:limit])


@router.get("/{code}", response=RegionDetail)
def region_detail(request, code: str):
    user = _user(request)
    try:
        region = selectors.get_region_for(user, code)
    except Region.DoesNotExist:
        raise HttpError(404, NOT_FOUND) from None
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_id": region.parent_id,
        "is_poor": region.is_poor,
        "level_name": region.level_name,
        "ancestors": selectors.ancestors_of(region),
        "children": selectors.children(user, region.code).count(),
    }


@router.get("/{code}/population", response=RegionPopulationOut)
def region_population(request, code: str):
    user = _user(request)
    try:
        region = selectors.get_region_for(user, code)
    except Region.DoesNotExist:
        raise HttpError(404, NOT_FOUND) from None
    return {
        "code": region.code,
        "name": region.name,
        "years": list(selectors.population_for(user, region.code)),
    }


@router.get("/{code}/boundaries", response=dict, summary="The boundaries of a region's children (GeoJSON)")
def child_boundaries(request, code: str):
    try:
        found = boundaries.child_boundaries(_user(request), code)
    except Region.DoesNotExist:
        raise HttpError(404, NOT_FOUND) from None
    return boundaries.feature_collection(found)
