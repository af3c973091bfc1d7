"""Households (/api/registry/households): list one year, read one, create, replace or change its yearly
record, delete and restore.
"""

from __future__ import annotations

import re
import unicodedata

from django.http import HttpResponse
from ninja import Router, Status

from fupin import codes
from fupin.accounts.export_log import log_api_page
from fupin.core.api_types import Page, Year
from fupin.core.privacy import phone_for
from fupin.registry import schemas as s
from fupin.registry import selectors, services
from fupin.registry.api.common import auth_user, code_filter, code_label, if_match, page_range, refuse, tagged
from fupin.registry.api.edits import YEAR_KEYS, save_year
from fupin.registry.api.out import household_out, region_out

router = Router()
ORDERS = {  # ?order= → ORM ordering of the household list
    "household_no": "household__household_no",
    "-household_no": "-household__household_no",
    "head_name": "household__head_name",
    "-head_name": "-household__head_name",
    "size": "household__size",
    "-size": "-household__size",
    "village": "household__village_id",
    "-village": "-household__village_id",
    "income": "net_income_per_capita",
    "-income": "-net_income_per_capita",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


@router.get(
    "/households",
    response={200: s.HouseholdPage, **s.ERRORS},
    summary="List households (one year)",
    operation_id="fupin_registry_api_list_households",
)
def list_households(
    request,
    year: Year | None = None,
    region: str | None = None,
    q: str | None = None,
    status: str | None = None,
    household_type: str | None = None,
    cause: str | None = None,
    order: str = "household_no",
    page: Page = 1,
    page_size: int = 50,
):
    """One row per household for `year` (default: the latest year in your region). `q` matches a household
    number prefix, the head's name, any member's name or (for roles that see ID numbers) a full ID number.
    `order`: household_no, head_name, size, village, income, updated (prefix `-` for descending)."""
    user = auth_user(request)
    if order not in ORDERS:
        raise refuse("order", "order.unknown", "不支持的排序方式", "unsupported order", order)
    start, end = page_range(page, page_size)
    if year is None:
        year = selectors.latest_year(user)
    qs = selectors.household_years_for(
        user,
        year=year,
        region=region,
        q=q,
        order=ORDERS[order],
        status=code_filter("status", codes.HOUSEHOLD_STATUS, status),
        household_type=code_filter("household_type", codes.HOUSEHOLD_TYPE, household_type),
        cause=code_filter("cause", codes.CAUSE, cause),
    )
    items = []
    for y in qs[start:end]:
        h = y.household
        items.append(
            {
                "household_no": h.household_no,
                "village": region_out(h.village),
                "head_name": h.head_name,
                "size": h.size,
                "phone": phone_for(user, h.phone),
                "year": y.year,
                "status": y.status,
                "status_label": code_label(codes.HOUSEHOLD_STATUS, y.status),
                "household_type": y.household_type,
                "household_type_label": code_label(codes.HOUSEHOLD_TYPE, y.household_type),
                "main_cause": y.main_cause,
                "main_cause_label": code_label(codes.CAUSE, y.main_cause),
                "net_income_per_capita": y.net_income_per_capita,
            }
        )
    log_api_page(
        request,
        "api.registry.households",
        len(items),
        year=year,
        region=region,
        q=q,
        status=status,
        household_type=household_type,
        cause=cause,
        order=order,
        page=page,
        page_size=page_size,
    )
    return {"items": items, "count": qs.count(), "page": page, "page_size": page_size, "year": year}


@router.get(
    "/households/{household_no}",
    response={200: s.HouseholdOut, **s.ERRORS},
    summary="One household with its members and yearly records",
    operation_id="fupin_registry_api_get_household",
)
def get_household(request, household_no: str, response: HttpResponse):
    """The ETag header (also `version`) names this version of the household: send it back as If-Match with
    an edit, which is refused (409) if the household changed meanwhile."""
    user = auth_user(request)
    return tagged(response, household_out(user, selectors.household_detail_for(user, household_no)))


@router.post(
    "/households",
    response={201: s.HouseholdOut, **s.ERRORS},
    summary="Create a household",
    operation_id="fupin_registry_api_create_household",
)
def create_household(request, body: s.HouseholdCreateIn):
    """A new household with its first yearly record and its members (exactly one head)."""
    user = auth_user(request)
    data = body.model_dump()
    # the number as the validator stores it (full-width digits → ASCII, no spaces)
    data["household_no"] = re.sub(r"\s+", "", unicodedata.normalize("NFKC", data["household_no"]))
    members = data.pop("members")
    reason = data.pop("reason") or "新增 / created"
    services.save_household(user, data, members, reason=reason, create=True)
    return Status(201, household_out(user, selectors.household_detail_for(user, data["household_no"])))


@router.put(
    "/households/{household_no}",
    response={200: s.HouseholdOut, **s.ERRORS},
    summary="Replace a yearly record (and village/phone) of a household",
    operation_id="fupin_registry_api_put_household",
)
def put_household(request, household_no: str, body: s.HouseholdUpdateIn, response: HttpResponse):
    user = auth_user(request)
    given = body.model_dump(include=set(YEAR_KEYS))
    h = save_year(
        user,
        household_no,
        body.year,
        given,
        replace=True,
        reason=body.reason,
        version=if_match(request),
        region_code=body.region_code,
        phone=body.phone,
    )
    return tagged(response, household_out(user, h))


@router.patch(
    "/households/{household_no}",
    response={200: s.HouseholdOut, **s.ERRORS},
    summary="Change some fields of a household's yearly record",
    operation_id="fupin_registry_api_patch_household",
)
def patch_household(request, household_no: str, body: s.HouseholdUpdateIn, response: HttpResponse):
    user = auth_user(request)
    given = body.model_dump(include=set(YEAR_KEYS), exclude_unset=True)
    h = save_year(
        user,
        household_no,
        body.year,
        given,
        replace=False,
        reason=body.reason,
        version=if_match(request),
        region_code=body.region_code,
        phone=body.phone,
    )
    return tagged(response, household_out(user, h))


@router.delete(
    "/households/{household_no}",
    response={200: s.DeletedOut, **s.ERRORS},
    summary="Mark a household deleted (kept, hidden from lists)",
    operation_id="fupin_registry_api_delete_household",
)
def delete_household(request, household_no: str, reason: str = ""):
    h = services.delete_household(auth_user(request), household_no, reason=reason, version=if_match(request))
    return {"household_no": h.household_no, "is_deleted": h.is_deleted}


@router.post(
    "/households/{household_no}/restore",
    response={200: s.DeletedOut, **s.ERRORS},
    summary="Restore a deleted household",
    operation_id="fupin_registry_api_restore_household",
)
def restore_household(request, household_no: str, body: s.ReasonIn):
    h = services.restore_household(
        auth_user(request), household_no, reason=body.reason, version=if_match(request)
    )
    return {"household_no": h.household_no, "is_deleted": h.is_deleted}
