"""Policy API (/api/policy): read parameters and the value in force; approvers change them."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema, Status
from ninja.errors import HttpError

from fupin.core.api_types import Key, Year
from fupin.policy import services
from fupin.policy.definitions import DEFINITIONS
from fupin.policy.models import Parameter

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


class ResolvedOut(Schema):
    name: str
    year: int
    region_code: str
    value: float | None


def _out(request, p: Parameter) -> dict:
    zh, en, unit = DEFINITIONS.get(p.name, (p.name, p.name, ""))
    return {"id": p.pk, "name": p.name, "label": {"zh": zh, "en": en}, "unit": unit, "region_code": p.region_code,
            "year_from": p.year_from, "year_to": p.year_to, "value": float(p.value), "source": p.source,
            "editable": services.can_edit(request.auth, p.region_code)}


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
    code = region or request.auth.region_id or ""
    if code and not code.ljust(12, "0").startswith(request.auth.scope_prefix):
        raise HttpError(404, "not found")
    year = year or date.today().year
    return {"name": name, "year": year, "region_code": code, "value": services.resolve(name, year, code)}


@router.post("/parameters", response={201: ParameterOut}, summary="Add a value (approvers, own region)")
def create_parameter(request, body: ParameterIn):
    p = services.save_parameter(request.auth, **body.dict())
    return Status(201, _out(request, p))


@router.put("/parameters/{pk}", response=ParameterOut, summary="Change a value (approvers, own region)")
def update_parameter(request, pk: Key, body: ParameterIn):
    return _out(request, services.save_parameter(request.auth, pk=pk, **body.dict()))


@router.delete("/parameters/{pk}", response={204: None}, summary="Remove a value (its history is kept)")
def delete_parameter(request, pk: Key, reason: str):
    services.delete_parameter(request.auth, pk, reason=reason)
    return Status(204, None)
