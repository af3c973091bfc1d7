"""Edits of a household through the API, all through `services.save_household` (validation, scope,
history): a yearly record replaced or merged over the stored one, members saved with the household's
latest yearly record.
"""

from __future__ import annotations

from fupin import codes
from fupin.core.api_types import Year
from fupin.registry import schemas as s
from fupin.registry import selectors, services
from fupin.registry.api.common import need_reason, refuse
from fupin.registry.models import Household, HouseholdYear

YEAR_KEYS = [*s.YearFields.model_fields]


def stored_year(record: HouseholdYear | None) -> dict:
    if record is None:
        return {}
    out = {k: getattr(record, k) for k in YEAR_KEYS if k != "other_causes"}
    out["other_causes"] = record.other_cause_list
    return out


def household_dict(
    h: Household, year_fields: dict, *, region_code: str | None, phone: str | None, year: Year
) -> dict:
    return {
        "household_no": h.household_no,
        "year": year,
        "region_code": region_code or h.village_id,
        "phone": h.phone if phone is None else phone,
        **year_fields,
    }


def save_year(
    user,
    household_no: str,
    year: Year | None,
    given: dict,
    *,
    replace: bool,
    reason: str,
    version: int | None,
    region_code: str | None = None,
    phone: str | None = None,
) -> Household:
    """Write one yearly record: PUT (`replace`) takes the given fields as the whole record, PATCH merges them
    over the stored record, read inside the edit's lock (services.editing) so that concurrent PATCHes of other
    fields are kept. Goes through services.save_household (validation, scope, history)."""
    reason = need_reason(reason)
    with services.editing(user, household_no, version) as household:
        records = {r.year: r for r in household.years.filter(is_deleted=False)}
        if year is None:
            if not records:
                raise refuse("year", "required", "年度不能为空", "the year is required")
            year = max(records)
        fields = dict(given) if replace else {**stored_year(records.get(year)), **given}
        services.save_household(
            user,
            household_dict(household, fields, region_code=region_code, phone=phone, year=year),
            [],
            reason=reason,
            create=False,
        )
    return selectors.household_detail_for(user, household_no)


def current_head(household: Household, except_id: str | None = None) -> bool:
    qs = household.members.filter(is_deleted=False, relation="head")
    if except_id:
        qs = qs.exclude(id_number=except_id)
    return qs.exists()


def relation_code(value: str | None) -> str | None:
    if not value:
        return value
    lookup = codes.RELATION.lookup()
    return lookup.get(value.strip()) or lookup.get(value.strip().lower()) or value


def save_members(user, household: Household, members: list[dict], reason: str) -> None:
    """Save members of an existing household. The household's latest yearly record goes along so that the
    derived size and per-capita income of that year follow the new membership."""
    latest = household.years.filter(is_deleted=False).order_by("-year").first()
    hh = None
    if latest is not None:
        hh = household_dict(household, stored_year(latest), region_code=None, phone=None, year=latest.year)
    services.save_household(user, hh, members, reason=reason, create=False)
