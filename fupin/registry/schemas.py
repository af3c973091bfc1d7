"""Request and response schemas of the registry API (/api/registry), as the OpenAPI document shows them.

Code fields carry the stable codes of `fupin/codes.py`; responses add `<field>_label` = {zh, en}. Input
code fields are plain strings on purpose: the code, the Chinese label or the English label are all
accepted, and the one validation path (validation.py) reports anything else with a zh/en message.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from fupin.core.api_types import Year


class Label(Schema):
    zh: str
    en: str


class Message(Schema):
    zh: str
    en: str


class ErrorItem(Schema):
    field: str | None = None
    code: str
    message: Message
    row: int | None = None
    sheet: str | None = None
    value: str | None = None


class ErrorOut(Schema):
    """The one error shape of the whole API (401, 403, 404, 422)."""

    detail: list[ErrorItem]


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- reads ------------------------------------------------------------------------------------------


class VillageRef(Schema):
    code: str
    name: str


class YearOut(Schema):
    year: int
    household_type: str
    household_type_label: Label | None = None
    status: str
    status_label: Label | None = None
    poverty_type: str
    poverty_type_label: Label | None = None
    standard: str
    standard_label: Label | None = None
    main_cause: str
    main_cause_label: Label | None = None
    other_causes: list[str]
    other_causes_labels: list[Label]
    identified_year: int | None = None
    exit_year: int | None = None
    housing_grade: str
    housing_grade_label: Label | None = None
    water_safe: bool | None = None
    wage_income: Decimal
    business_income: Decimal
    property_income: Decimal
    transfer_income: Decimal
    business_cost: Decimal
    out_of_pocket: Decimal
    size: int
    net_income: Decimal
    net_income_per_capita: Decimal | None = None
    updated_at: datetime


class HouseholdListItem(Schema):
    household_no: str
    village: VillageRef
    head_name: str
    size: int
    phone: str = Field(description="masked for roles that may not see phone numbers")
    year: int
    status: str
    status_label: Label | None = None
    household_type: str
    household_type_label: Label | None = None
    main_cause: str
    main_cause_label: Label | None = None
    net_income_per_capita: Decimal | None = None


class HouseholdPage(Schema):
    items: list[HouseholdListItem]
    count: int
    page: int
    page_size: int
    year: int | None = None


class MemberOut(Schema):
    id: int = Field(description="the member's id, which names the member in URLs (/members/{member_id})")
    id_number: str = Field(description="masked for roles that may not see ID numbers")
    disability_cert: str
    name: str
    household_no: str | None = None
    sex: str
    sex_label: Label | None = None
    birth_date: date
    relation: str
    relation_label: Label | None = None
    health: str
    health_label: Label | None = None
    labour: str
    labour_label: Label | None = None
    education: str
    education_label: Label | None = None
    school: str
    school_label: Label | None = None
    work_status: str
    work_status_label: Label | None = None
    work_months: int | None = None
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    death_date: date | None = None


class HouseholdOut(Schema):
    household_no: str
    village: VillageRef
    phone: str
    head_name: str
    size: int
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description='this version of the household (also the ETag header, "v<version>"): '
        "send it as If-Match with an edit to have it refused (409) if the household "
        "changed meanwhile"
    )
    members: list[MemberOut]
    years: list[YearOut]


class ChangeOut(Schema):
    id: int
    at: datetime
    user: str | None = None
    action: str
    action_label: Label
    entity: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str
    batch_id: int | None = None


class ChangePage(Schema):
    items: list[ChangeOut]
    count: int
    page: int
    page_size: int


class DeletedOut(Schema):
    household_no: str
    is_deleted: bool


class YearDeletedOut(Schema):
    household_no: str
    year: int
    is_deleted: bool


# --- writes -----------------------------------------------------------------------------------------


class YearFields(Schema):
    """The fields of one yearly record (年度记录). Codes, Chinese or English labels are accepted."""

    household_type: str | None = Field(None, examples=["poor"])
    status: str | None = Field(None, examples=["poor"])
    poverty_type: str | None = None
    standard: str | None = None
    main_cause: str | None = Field(None, examples=["illness"])
    other_causes: list[str] | None = None
    identified_year: int | None = None
    exit_year: int | None = None
    housing_grade: str | None = None
    water_safe: bool | None = None
    wage_income: Decimal | None = None
    business_income: Decimal | None = None
    property_income: Decimal | None = None
    transfer_income: Decimal | None = None
    business_cost: Decimal | None = None
    out_of_pocket: Decimal | None = None


class MemberFields(Schema):
    sex: str | None = None
    relation: str | None = Field(None, examples=["head"])
    health: str | None = None
    labour: str | None = None
    education: str | None = None
    school: str | None = None
    work_status: str | None = None
    work_months: int | None = None
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    birth_date: date | None = None


class MemberIn(MemberFields):
    name: str
    id_number: str = Field(
        description="18-digit ID number (15-digit and 20/22-digit disability "
        "certificate numbers are accepted)"
    )


class MemberAddIn(MemberIn):
    reason: str = ""


class MemberPatchIn(MemberFields):
    """A correction of a member's attributes; the ID number is the key and cannot be changed here."""

    name: str | None = None
    reason: str


class HouseholdCreateIn(YearFields):
    household_no: str
    year: Year
    region_code: str = Field(description="12-digit village code")
    phone: str | None = None
    members: list[MemberIn]
    reason: str = ""


class HouseholdUpdateIn(YearFields):
    """PUT replaces the yearly record of `year` (omitted year fields become blank); PATCH changes only the
    fields given. `region_code` and `phone` keep their stored values unless given."""

    year: Year | None = Field(None, description="default: the household's latest year")
    region_code: str | None = None
    phone: str | None = None
    reason: str


class YearIn(YearFields):
    reason: str


class ReasonIn(Schema):
    reason: str


class LeaveIn(Schema):
    reason_code: str = Field(description="death | marriage | move | split | removed")
    date: date
    note: str = ""


class MoveIn(Schema):
    to_household_no: str
    relation: str = Field(description="relation to the new household's head (code or label)")
    reason_code: str = Field(description="marriage | split | move | correction")
    date: date
    note: str = ""


# --- imports ----------------------------------------------------------------------------------------


class ProblemOut(ErrorItem):
    household_no: str | None = None
    severity: str = "error"


class ImportOut(Schema):
    id: int
    filename: str
    year: int | None = None
    skip_invalid: bool
    status: str
    status_label: Label
    stage: str
    done: int
    total: int
    created_at: datetime
    finished_at: datetime | None = None
    report: dict[str, Any]
    problems: list[ProblemOut]
    errors_url: str | None = None
