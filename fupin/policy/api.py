"""Policy API (/api/policy): read parameters and the value in force; approvers change them.

A parameter's read names its version (the ETag header and `version`); a change or removal sent with it as
If-Match is refused (409) if the row changed meanwhile."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.api_types import Key, Year
from fupin.policy import services
from fupin.policy.definitions import DEFINITIONS
from fupin.policy.models import Parameter
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()


class ParameterIn(Schema):
    name: str
    region_code: str = ""
    year_from: Year
    year_to: Year | None = None
    value: float
    source: str = ""
    reason: str


class ParameterOut(Schema):
    id: int
    name: str
    label: dict
    unit: str
    region_code: str
    year_from: int
    year_to: int | None
    value: float
    source: str
    editable: bool
    version: str = Field(
        description="this version of the row (also the ETag header of its read): send it as "
        "If-Match with a change or removal to have it refused (409) if the row "
        "changed meanwhile"
    )


class ResolvedOut(Schema):
    name: str
    year: int
    region_code: str
    value: float | None


def _out(request, p: Parameter) -> dict:
    zh, en, unit = DEFINITIONS.get(p.name, (p.name, p.name, ""))
    return {
        "id": p.pk,
        "name": p.name,
        "label": {"zh": zh, "en": en},
        "unit": unit,
        "region_code": p.region_code,
        "year_from": p.year_from,
        "year_to": p.year_to,
        "value": float(p.value),
        "source": p.source,
        "editable": services.can_edit(request.auth, p.region_code),
        "version": services.parameter_version(p),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a parameter read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


@router.get("/parameters", response=list[ParameterOut], summary="Parameters that apply to your region")
def list_parameters(request, name: str | None = None):
    qs = services.visible_to(request.auth).order_by("name", "region_code", "year_from")
    if name:
        qs = qs.filter(name=name)
    return [_out(request, p) for p in qs]


@router.get("/resolve", response=ResolvedOut, summary="The value in force for a year in a region")
def resolve(request, name: str, year: Year | None = None, region: str | None = None):
    if name not in DEFINITIONS:
        raise services.PolicyError("name", f"未知参数：{name}", f"unknown parameter: {name}")
    code = scope.resolve(request.auth, region).code  # OutOfScope: 404; BadRegionCode: 422
    year = year or date.today().year
    return {"name": name, "year": year, "region_code": code, "value": services.resolve(name, year, code)}


@router.post("/parameters", response={201: ParameterOut}, summary="Add a value (approvers, own region)")
def create_parameter(request, body: ParameterIn):
    p = services.save_parameter(request.auth, **body.dict())
    return Status(201, _out(request, p))


@router.get("/parameters/{pk}", response={200: ParameterOut, **ERRORS}, summary="One value")
def get_parameter(request, pk: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the row: send it back as If-Match with a change
    or removal, which is refused (409) if the row changed meanwhile."""
    return _tagged(response, _out(request, services.visible_to(request.auth).get(pk=pk)))


@router.put(
    "/parameters/{pk}",
    response={200: ParameterOut, **ERRORS},
    summary="Change a value (approvers, own region)",
)
def update_parameter(request, pk: Key, body: ParameterIn, response: HttpResponse):
    p = services.save_parameter(request.auth, pk=pk, version=versions.if_match(request), **body.dict())
    return _tagged(response, _out(request, p))


@router.delete(
    "/parameters/{pk}", response={204: None, **ERRORS}, summary="Remove a value (its history is kept)"
)
def delete_parameter(request, pk: Key, reason: str):
    services.delete_parameter(request.auth, pk, reason=reason, version=versions.if_match(request))
    return Status(204, None)
