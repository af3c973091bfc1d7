"""Yearly records of a household (/api/registry/households/{household_no}/years)."""

from __future__ import annotations

from ninja import Router

from fupin.core.api_types import Year
from fupin.registry import schemas as s
from fupin.registry import selectors, services
from fupin.registry.api.common import auth_user, if_match
from fupin.registry.api.edits import YEAR_KEYS, save_year
from fupin.registry.api.out import year_out

router = Router()


@router.get(
    "/households/{household_no}/years",
    response={200: list[s.YearOut], **s.ERRORS},
    summary="The yearly records of a household",
    operation_id="fupin_registry_api_list_years",
)
def list_years(request, household_no: str):
    return [year_out(y) for y in selectors.household_detail_for(auth_user(request), household_no).live_years]


@router.put(
    "/households/{household_no}/years/{year}",
    response={200: s.YearOut, **s.ERRORS},
    summary="Create or replace the yearly record of one year",
    operation_id="fupin_registry_api_put_year",
)
def put_year(request, household_no: str, year: Year, body: s.YearIn):
    user = auth_user(request)
    h = save_year(
        user,
        household_no,
        year,
        body.model_dump(include=set(YEAR_KEYS)),
        replace=True,
        reason=body.reason,
        version=if_match(request),
    )
    return year_out(next(y for y in h.live_years if y.year == year))


@router.delete(
    "/households/{household_no}/years/{year}",
    response={200: s.YearDeletedOut, **s.ERRORS},
    summary="Mark one yearly record deleted",
    operation_id="fupin_registry_api_delete_year",
)
def delete_year(request, household_no: str, year: Year, reason: str = ""):
    record = services.delete_household_year(
        auth_user(request), household_no, year, reason=reason, version=if_match(request)
    )
    return {"household_no": household_no, "year": record.year, "is_deleted": record.is_deleted}
