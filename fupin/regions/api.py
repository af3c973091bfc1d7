"""Region API (/api/regions): the tree within the caller's scope. Out of scope answers 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fupin.accounts.scope import OutOfScope
from fupin.core import versions
from fupin.core.api_types import Limit
from fupin.regions import boundaries, selectors, services
from fupin.regions.models import Region
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()

MAX_RESULTS = 1000
NOT_FOUND = "未找到该行政区划 / region not found"


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent_id")
    is_poor: bool
    poverty_status: str = Field(
        "", description="poor_village, non_poor_village, poor_county, non_poor_county or ''"
    )
    exit_year: int | None = Field(None, description="出列 (village) or 摘帽 (county) year of a poor region")


class RegionRef(Schema):
    code: str
    name: str
    level: int


class RegionDetail(RegionOut):
    level_name: str
    ancestors: list[RegionRef]
    children: int
    poverty_status_label: str
    version: str = Field(
        description="this version of the region (also the ETag header): send it as If-Match with a status "
        "change to have it refused (409) if the region changed meanwhile"
    )


class RegionStatusIn(Schema):
    poverty_status: str = Field("", description="a code or label (贫困村, non-poor county …); '' clears")
    exit_year: int | None = Field(None, description="出列/摘帽 year; only for a poor village or county")


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


def _detail(request, user, region: Region, response: HttpResponse) -> dict:
    from django.utils.translation import get_language

    from fupin.regions.codes import POVERTY_STATUS

    version = services.region_version(region)
    versions.set_etag(response, version)
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_id": region.parent_id,
        "is_poor": region.is_poor,
        "poverty_status": region.poverty_status,
        "exit_year": region.exit_year,
        "poverty_status_label": POVERTY_STATUS.label(region.poverty_status, get_language() or "zh"),
        "level_name": region.level_name,
        "ancestors": selectors.ancestors_of(region),
        "children": selectors.children(user, region.code).count(),
        "version": version,
    }


@router.get("/{code}", response=RegionDetail)
def region_detail(request, code: str, response: HttpResponse):
    user = _user(request)
    try:
        region = selectors.get_region_for(user, code)
    except Region.DoesNotExist:
        raise HttpError(404, NOT_FOUND) from None
    return _detail(request, user, region, response)


@router.put(
    "/{code}/status",
    response={200: RegionDetail, **ERRORS},
    summary="Set a village's or county's poverty status and exit year (出列/摘帽)",
)
def set_status(request, code: str, body: RegionStatusIn, response: HttpResponse):
    """County approvers and administrators. Every problem answers 422 (nothing saved); a region outside
    your scope 404; an If-Match that is no longer the region's version 409."""
    user = _user(request)
    if not services.may_edit_status(user):
        raise PermissionDenied
    try:
        region = services.set_region_status(
            user,
            code,
            poverty_status=body.poverty_status,
            exit_year=body.exit_year,
            version=versions.if_match(request),
        )
    except (OutOfScope, Region.DoesNotExist):
        raise HttpError(404, NOT_FOUND) from None
    return _detail(request, user, region, response)


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
