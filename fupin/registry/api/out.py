"""What the registry API answers: a household with its members and yearly records, a yearly record, a member
(ID and phone numbers masked for roles that may not see them), code labels in both languages.
"""

from __future__ import annotations

from fupin import codes
from fupin.core.privacy import id_for, phone_for
from fupin.registry import services
from fupin.registry.api.common import code_label
from fupin.registry.models import Household, HouseholdYear, Member

YEAR_CODE_FIELDS = {
    "household_type": codes.HOUSEHOLD_TYPE,
    "status": codes.HOUSEHOLD_STATUS,
    "poverty_type": codes.POVERTY_TYPE,
    "standard": codes.STANDARD,
    "main_cause": codes.CAUSE,
    "housing_grade": codes.HOUSING_GRADE,
}
MEMBER_CODE_FIELDS = {
    "sex": codes.SEX,
    "relation": codes.RELATION,
    "health": codes.HEALTH,
    "labour": codes.LABOUR,
    "education": codes.EDUCATION,
    "school": codes.SCHOOL,
    "work_status": codes.WORK,
}


def region_out(village) -> dict:
    return {"code": village.code, "name": village.name}


def year_out(y: HouseholdYear) -> dict:
    out = {
        k: getattr(y, k)
        for k in (
            "year",
            "household_type",
            "status",
            "poverty_type",
            "standard",
            "main_cause",
            "identified_year",
            "exit_year",
            "housing_grade",
            "water_safe",
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_cost",
            "out_of_pocket",
            "size",
            "net_income",
            "net_income_per_capita",
            "updated_at",
        )
    }
    for field, codelist in YEAR_CODE_FIELDS.items():
        out[f"{field}_label"] = code_label(codelist, out[field])
    out["other_causes"] = y.other_cause_list
    out["other_causes_labels"] = [lab for c in y.other_cause_list if (lab := code_label(codes.CAUSE, c))]
    return out


def member_out(user, m: Member, household_no: str | None = None) -> dict:
    out = {
        k: getattr(m, k)
        for k in (
            "name",
            "sex",
            "birth_date",
            "relation",
            "health",
            "labour",
            "education",
            "school",
            "work_status",
            "work_months",
            "medical_insurance",
            "pension_insurance",
            "dibao",
            "tekun",
            "death_date",
        )
    }
    for field, codelist in MEMBER_CODE_FIELDS.items():
        out[f"{field}_label"] = code_label(codelist, out[field])
    out["id"] = m.pk  # URLs name a member by this id, never by the ID number (URLs end up in logs)
    out["id_number"] = id_for(user, m.id_number)
    out["disability_cert"] = id_for(user, m.disability_cert)
    out["household_no"] = household_no
    return out


def household_out(user, h: Household) -> dict:
    """Household + current members + every (non-deleted) yearly record; `h` from `household_detail_for`."""
    return {
        "household_no": h.household_no,
        "village": region_out(h.village),
        "phone": phone_for(user, h.phone),
        "head_name": h.head_name,
        "size": h.size,
        "is_deleted": h.is_deleted,
        "created_at": h.created_at,
        "updated_at": h.updated_at,
        "version": services.household_version(h),
        "members": [member_out(user, m, h.household_no) for m in h.current_members],
        "years": [year_out(y) for y in h.live_years],
    }
