"""Registry API (/api/registry): households, yearly records, members, history and imports.

Thin handlers over `selectors` (reads, always scoped) and `services` (writes, the one validation path).
Missing and out-of-scope answer the same 404; a role that may not write answers 403; refused input 422,
all in the one error shape of `register_error_handlers` (`{"detail": [{field, code, message{zh,en}, row,
sheet}]}`, fupin/core/api_errors.py). ID and phone numbers are masked for roles that may not see them.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from fupin import codes
from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Limit, Page, Year
from fupin.core.privacy import id_for, masked_record, phone_for
from fupin.registry import schemas as s
from fupin.registry import selectors, services
from fupin.registry.codes import CHANGE_ACTION, IMPORT_STATUS
from fupin.registry.models import Household, HouseholdYear, ImportBatch, Member
from fupin.registry.services import ValidationFailed

router = Router()
log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500
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
YEAR_KEYS = [*s.YearFields.model_fields]
MEMBER_KEYS = [*s.MemberFields.model_fields]
MOVE_REASONS = {"marriage", "split", "move", "correction"}


# --- helpers ---------------------------------------------------------------------------------------


def _user(request):
    return request.auth


def _label(codelist: codes.CodeList, code: str | None) -> dict | None:
    if not code or code not in codelist:
        return None
    c = codelist.get(code)
    return {"zh": c.zh, "en": c.en}


def _choice_label(codelist: codes.CodeList, value: str) -> dict:
    return {"zh": codelist.label(value, "zh"), "en": codelist.label(value, "en")}


def _refuse(field: str, rule: str, zh: str, en: str, value=None) -> ValidationFailed:
    return ValidationFailed.single(field, rule, zh, en, None if value is None else str(value))


def _if_match(request) -> int | None:
    """The household version an edit is based on, from its If-Match header (the ETag of a read, `"v42"`)."""
    token = versions.if_match(request)
    if token is None:
        return None
    if not re.fullmatch(r"v\d{1,18}", token):
        raise versions.BadIfMatch(token)
    return int(token[1:])


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a household read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, f"v{out['version']}")
    return out


def _page(page: Page, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise _refuse("page", "page.range", "页码从1开始", "pages are numbered from 1", page)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise _refuse(
            "page_size",
            "page_size.range",
            f"每页条数应在1到{MAX_PAGE_SIZE}之间",
            f"page_size must be between 1 and {MAX_PAGE_SIZE}",
            page_size,
        )
    return (page - 1) * page_size, page * page_size


def _code_filter(field: str, codelist: codes.CodeList, value: str | None) -> str | None:
    if not value:
        return None
    code = codelist.lookup().get(value) or codelist.lookup().get(value.lower())
    if code is None:
        raise _refuse(
            field,
            "code.unknown",
            f"{codelist.zh}不在代码表中",
            f"{codelist.en} is not in the code list",
            value,
        )
    return code


def _region(village) -> dict:
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
        out[f"{field}_label"] = _label(codelist, out[field])
    out["other_causes"] = y.other_cause_list
    out["other_causes_labels"] = [lab for c in y.other_cause_list if (lab := _label(codes.CAUSE, c))]
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
        out[f"{field}_label"] = _label(codelist, out[field])
    out["id"] = m.pk  # URLs name a member by this id, never by the ID number (URLs end up in logs)
    out["id_number"] = id_for(user, m.id_number)
    out["disability_cert"] = id_for(user, m.disability_cert)
    out["household_no"] = household_no
    return out


def household_out(user, h: Household) -> dict:
    """Household + current members + every (non-deleted) yearly record; `h` from `household_detail_for`."""
    return {
        "household_no": h.household_no,
        "village": _region(h.village),
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


def _stored_year(record: HouseholdYear | None) -> dict:
    if record is None:
        return {}
    out = {k: getattr(record, k) for k in YEAR_KEYS if k != "other_causes"}
    out["other_causes"] = record.other_cause_list
    return out


def _stored_member(m: Member) -> dict:
    out = {k: getattr(m, k) for k in MEMBER_KEYS}
    out["name"] = m.name
    # The disability certificate number is the ID plus category and grade: keep it when correcting.
    out["id_number"] = m.disability_cert or m.id_number
    return out


def _need_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", "required", "请填写修改原因", "a reason is required")
    return reason


def _household_dict(
    h: Household, year_fields: dict, *, region_code: str | None, phone: str | None, year: Year
) -> dict:
    return {
        "household_no": h.household_no,
        "year": year,
        "region_code": region_code or h.village_id,
        "phone": h.phone if phone is None else phone,
        **year_fields,
    }


def _save_year(
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
    reason = _need_reason(reason)
    with services.editing(user, household_no, version) as household:
        records = {r.year: r for r in household.years.filter(is_deleted=False)}
        if year is None:
            if not records:
                raise _refuse("year", "required", "年度不能为空", "the year is required")
            year = max(records)
        fields = dict(given) if replace else {**_stored_year(records.get(year)), **given}
        services.save_household(
            user,
            _household_dict(household, fields, region_code=region_code, phone=phone, year=year),
            [],
            reason=reason,
            create=False,
        )
    return selectors.household_detail_for(user, household_no)


def _current_head(household: Household, except_id: str | None = None) -> bool:
    qs = household.members.filter(is_deleted=False, relation="head")
    if except_id:
        qs = qs.exclude(id_number=except_id)
    return qs.exists()


def _relation_code(value: str | None) -> str | None:
    if not value:
        return value
    lookup = codes.RELATION.lookup()
    return lookup.get(value.strip()) or lookup.get(value.strip().lower()) or value


def _save_members(user, household: Household, members: list[dict], reason: str) -> None:
    """Save members of an existing household. The household's latest yearly record goes along so that the
    derived size and per-capita income of that year follow the new membership."""
    latest = household.years.filter(is_deleted=False).order_by("-year").first()
    hh = None
    if latest is not None:
        hh = _household_dict(household, _stored_year(latest), region_code=None, phone=None, year=latest.year)
    services.save_household(user, hh, members, reason=reason, create=False)


# --- households -------------------------------------------------------------------------------------


@router.get("/households", response={200: s.HouseholdPage, **s.ERRORS}, summary="List households (one year)")
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
    user = _user(request)
    if order not in ORDERS:
        raise _refuse("order", "order.unknown", "不支持的排序方式", "unsupported order", order)
    start, end = _page(page, page_size)
    if year is None:
        year = selectors.latest_year(user)
    qs = selectors.household_years_for(
        user,
        year=year,
        region=region,
        q=q,
        order=ORDERS[order],
        status=_code_filter("status", codes.HOUSEHOLD_STATUS, status),
        household_type=_code_filter("household_type", codes.HOUSEHOLD_TYPE, household_type),
        cause=_code_filter("cause", codes.CAUSE, cause),
    )
    items = []
    for y in qs[start:end]:
        h = y.household
        items.append(
            {
                "household_no": h.household_no,
                "village": _region(h.village),
                "head_name": h.head_name,
                "size": h.size,
                "phone": phone_for(user, h.phone),
                "year": y.year,
                "status": y.status,
                "status_label": _label(codes.HOUSEHOLD_STATUS, y.status),
                "household_type": y.household_type,
                "household_type_label": _label(codes.HOUSEHOLD_TYPE, y.household_type),
                "main_cause": y.main_cause,
                "main_cause_label": _label(codes.CAUSE, y.main_cause),
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
)
def get_household(request, household_no: str, response: HttpResponse):
    """The ETag header (also `version`) names this version of the household: send it back as If-Match with
    an edit, which is refused (409) if the household changed meanwhile."""
    user = _user(request)
    return _tagged(response, household_out(user, selectors.household_detail_for(user, household_no)))


@router.post("/households", response={201: s.HouseholdOut, **s.ERRORS}, summary="Create a household")
def create_household(request, body: s.HouseholdCreateIn):
    """A new household with its first yearly record and its members (exactly one head)."""
    user = _user(request)
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
)
def put_household(request, household_no: str, body: s.HouseholdUpdateIn, response: HttpResponse):
    user = _user(request)
    given = body.model_dump(include=set(YEAR_KEYS))
    h = _save_year(
        user,
        household_no,
        body.year,
        given,
        replace=True,
        reason=body.reason,
        version=_if_match(request),
        region_code=body.region_code,
        phone=body.phone,
    )
    return _tagged(response, household_out(user, h))


@router.patch(
    "/households/{household_no}",
    response={200: s.HouseholdOut, **s.ERRORS},
    summary="Change some fields of a household's yearly record",
)
def patch_household(request, household_no: str, body: s.HouseholdUpdateIn, response: HttpResponse):
    user = _user(request)
    given = body.model_dump(include=set(YEAR_KEYS), exclude_unset=True)
    h = _save_year(
        user,
        household_no,
        body.year,
        given,
        replace=False,
        reason=body.reason,
        version=_if_match(request),
        region_code=body.region_code,
        phone=body.phone,
    )
    return _tagged(response, household_out(user, h))


@router.delete(
    "/households/{household_no}",
    response={200: s.DeletedOut, **s.ERRORS},
    summary="Mark a household deleted (kept, hidden from lists)",
)
def delete_household(request, household_no: str, reason: str = ""):
    h = services.delete_household(_user(request), household_no, reason=reason, version=_if_match(request))
    return {"household_no": h.household_no, "is_deleted": h.is_deleted}


@router.post(
    "/households/{household_no}/restore",
    response={200: s.DeletedOut, **s.ERRORS},
    summary="Restore a deleted household",
)
def restore_household(request, household_no: str, body: s.ReasonIn):
    h = services.restore_household(
        _user(request), household_no, reason=body.reason, version=_if_match(request)
    )
    return {"household_no": h.household_no, "is_deleted": h.is_deleted}


# --- yearly records ---------------------------------------------------------------------------------


@router.get(
    "/households/{household_no}/years",
    response={200: list[s.YearOut], **s.ERRORS},
    summary="The yearly records of a household",
)
def list_years(request, household_no: str):
    return [year_out(y) for y in selectors.household_detail_for(_user(request), household_no).live_years]


@router.put(
    "/households/{household_no}/years/{year}",
    response={200: s.YearOut, **s.ERRORS},
    summary="Create or replace the yearly record of one year",
)
def put_year(request, household_no: str, year: Year, body: s.YearIn):
    user = _user(request)
    h = _save_year(
        user,
        household_no,
        year,
        body.model_dump(include=set(YEAR_KEYS)),
        replace=True,
        reason=body.reason,
        version=_if_match(request),
    )
    return year_out(next(y for y in h.live_years if y.year == year))


@router.delete(
    "/households/{household_no}/years/{year}",
    response={200: s.YearDeletedOut, **s.ERRORS},
    summary="Mark one yearly record deleted",
)
def delete_year(request, household_no: str, year: Year, reason: str = ""):
    record = services.delete_household_year(
        _user(request), household_no, year, reason=reason, version=_if_match(request)
    )
    return {"household_no": household_no, "year": record.year, "is_deleted": record.is_deleted}


# --- members ----------------------------------------------------------------------------------------


@router.get(
    "/households/{household_no}/members",
    response={200: list[s.MemberOut], **s.ERRORS},
    summary="The current members of a household",
)
def list_members(request, household_no: str, response: HttpResponse):
    """The ETag header names the household's version, for If-Match on member edits."""
    user = _user(request)
    h = selectors.household_detail_for(user, household_no)
    items = [member_out(user, m, h.household_no) for m in h.current_members]
    log_api_page(request, "api.registry.members", len(items), household_no=h.household_no)
    _tagged(response, {"version": services.household_version(h)})
    return items


@router.post(
    "/households/{household_no}/members",
    response={201: s.MemberOut, **s.ERRORS},
    summary="Add a member (birth, marriage in, registration)",
)
def add_member(request, household_no: str, body: s.MemberAddIn):
    user = _user(request)
    data = body.model_dump()
    reason = data.pop("reason") or "新增成员 / member added"
    with services.editing(user, household_no, _if_match(request)) as household:
        data["household_no"] = household.household_no
        if _relation_code(data.get("relation")) == "head" and _current_head(household):
            raise _refuse(
                "relation",
                "household.many_heads",
                "该户已有户主",
                "this household already has a head",
                data["relation"],
            )
        known = services.check(user, None, [data]).members["id_number"].drop_nulls().to_list()
        if known and household.members.filter(id_number__in=known, is_deleted=False).exists():
            raise _refuse(
                "id_number",
                "member.exists",
                "此人已是该户成员，请修改成员信息",
                "this person is already a member of this household; correct the member instead",
                body.id_number,
            )
        _save_members(user, household, [data], reason)  # an invalid ID number stops here (422)
    member = selectors.members_for(user).get(id_number=known[0])
    return Status(201, member_out(user, member, household.household_no))


@router.patch(
    "/members/{member_id}", response={200: s.MemberOut, **s.ERRORS}, summary="Correct a member's attributes"
)
def patch_member(request, member_id: Key, body: s.MemberPatchIn):
    user = _user(request)
    services.require(user, "writes_registry")
    reason = _need_reason(body.reason)
    household_no = (
        selectors.members_for(user).values_list("household__household_no", flat=True).get(pk=member_id)
    )
    given = body.model_dump(exclude_unset=True, exclude={"reason"})
    with services.editing(user, household_no, _if_match(request)) as household:
        member = selectors.members_for(user).get(pk=member_id, household=household)  # as stored now
        data = {**_stored_member(member), **given, "household_no": household.household_no}
        if _relation_code(given.get("relation")) == "head" and _current_head(household, member.id_number):
            raise _refuse(
                "relation",
                "household.many_heads",
                "该户已有户主，请先更改原户主的关系",
                "this household already has a head; change the current head's relation first",
                given["relation"],
            )
        _save_members(user, household, [data], reason)
    member.refresh_from_db()
    return member_out(user, member, member.household.household_no)


@router.post(
    "/members/{member_id}/leave",
    response={200: s.MemberOut, **s.ERRORS},
    summary="A member leaves the household (death, marriage out, move, split, removal)",
)
def leave(request, member_id: Key, body: s.LeaveIn):
    user = _user(request)
    services.require(user, "writes_registry")
    id_number = selectors.members_for(user).values_list("id_number", flat=True).get(pk=member_id)
    member = services.end_membership(
        user,
        id_number,
        reason_code=body.reason_code,
        on_date=body.date,
        note=body.note,
        version=_if_match(request),
    )
    return member_out(user, member, None)


@router.post(
    "/members/{member_id}/move",
    response={200: s.MemberOut, **s.ERRORS},
    summary="A member moves to another household",
)
def move(request, member_id: Key, body: s.MoveIn):
    user = _user(request)
    services.require(user, "writes_registry")
    id_number = selectors.movable_members(user).values_list("id_number", flat=True).get(pk=member_id)
    relation = _relation_code(body.relation)
    if relation not in codes.RELATION:
        raise _refuse(
            "relation",
            "code.unknown",
            "与户主关系不在代码表中",
            "the relation to the head is not in the code list",
            body.relation,
        )
    if body.reason_code not in MOVE_REASONS:
        raise _refuse(
            "reason_code",
            "code.unknown",
            "变动原因应为 婚嫁(marriage)、分户(split)、迁移(move) 或 更正(correction)",
            "the reason must be marriage, split, move or correction",
            body.reason_code,
        )
    member = services.move_member(
        user,
        id_number,
        body.to_household_no,
        relation=relation,
        reason_code=body.reason_code,
        on_date=body.date,
        note=body.note,
        version=_if_match(request),
    )
    return member_out(user, member, body.to_household_no)


# --- history ----------------------------------------------------------------------------------------


@router.get(
    "/households/{household_no}/history",
    response={200: s.ChangePage, **s.ERRORS},
    summary="Every change to a household, newest first",
)
def history(request, household_no: str, page: Page = 1, page_size: int = 100):
    user = _user(request)
    start, end = _page(page, page_size)
    household = selectors.get_household_for(user, household_no, include_deleted=True)
    qs = selectors.changes_for(user, household)
    items = [
        {
            "id": c.id,
            "at": c.at,
            "user": c.user.username if c.user else None,
            "action": c.action,
            "action_label": _choice_label(CHANGE_ACTION, c.action),
            "entity": c.entity,
            "entity_id": c.entity_id,
            "before": masked_record(user, c.before),
            "after": masked_record(user, c.after),
            "reason": c.reason,
            "batch_id": c.batch_id,
        }
        for c in qs[start:end]
    ]
    return {"items": items, "count": qs.count(), "page": page, "page_size": page_size}


# --- imports ----------------------------------------------------------------------------------------


def _batches_for(user):
    qs = ImportBatch.objects.all()
    return qs if user.can("acts_for_every_role") else qs.filter(user=user)


def _problem(p: dict) -> dict:
    return {
        "field": p.get("field"),
        "code": p.get("rule") or "invalid",
        "message": {"zh": p.get("message_zh") or "", "en": p.get("message_en") or ""},
        "row": p.get("row"),
        "sheet": p.get("sheet"),
        "value": p.get("value"),
        "household_no": p.get("household_no"),
        "severity": p.get("severity") or "error",
    }


def import_out(request, batch: ImportBatch) -> dict:
    from fupin.registry import jobs

    stage, done, total = batch.stage, batch.done_rows, batch.total_rows
    live = jobs.live(batch.id) if batch.status in ("queued", "running") else None
    if live:
        stage, done, total = live["stage"], live["done"], live["total"]
    report = dict(batch.report or {})
    problems = [_problem(p) for p in report.pop("problems", [])]
    report.pop("errors_path", None)  # a server path: the client downloads it from errors_url
    errors_url = None
    if batch.errors_path and Path(batch.errors_path).exists():
        errors_url = request.build_absolute_uri(
            f"{request.path.split('/imports')[0]}/imports/{batch.id}/errors.xlsx"
        )
    return {
        "id": batch.id,
        "filename": batch.filename,
        "year": batch.year,
        "skip_invalid": batch.skip_invalid,
        "status": batch.status,
        "status_label": _choice_label(IMPORT_STATUS, batch.status),
        "stage": stage,
        "done": done,
        "total": total,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "report": report,
        "problems": problems,
        "errors_url": errors_url,
    }


def _safe_name(name: str) -> str:
    name = Path(name or "upload.xlsx").name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name)[-120:] or "upload.xlsx"


@router.post(
    "/imports",
    response={201: s.ImportOut, 202: s.ImportOut, **s.ERRORS},
    summary="Import a registry workbook (.xlsx, or .zip of 户.csv and 成员.csv)",
)
def create_import(
    request,
    file: File[UploadedFile],
    year: Form[Year | None] = None,
    skip_invalid: Form[bool] = False,
    wait: bool = False,
):
    """Stores the upload and runs the import in the background (202; poll GET /imports/{id}).
    `?wait=true` runs it before answering (201), for scripts. A rejected file saves nothing unless
    `skip_invalid` is true; the rejected rows are in errors.xlsx."""
    user = _user(request)
    services.require(user, "writes_registry")
    name = _safe_name(file.name)
    batch = ImportBatch.objects.create(
        user=user, filename=name, year=year, skip_invalid=skip_invalid, status="queued", stage="queued"
    )
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(batch.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    batch.path, batch.errors_path = str(path), ""
    batch.save(update_fields=["path", "errors_path"])
    from fupin.registry import importer

    importer.refuse_too_large(batch)  # a zip bomb: 422 at once (the batch rejected), no run started
    if wait:
        batch = importer.import_households(
            path,
            user=user,
            year=year,
            skip_invalid=skip_invalid,
            errors_path=folder / f"{path.stem}-errors.xlsx",
            batch=batch,
        )
        importer.refuse_too_large(batch)  # over a limit found while reading
        return Status(201, import_out(request, batch))
    from fupin.registry import jobs

    jobs.start_import(batch.id)
    batch.refresh_from_db()
    return Status(202, import_out(request, batch))


@router.get("/imports", response={200: list[s.ImportOut], **s.ERRORS}, summary="Your recent imports")
def list_imports(request, limit: Limit = 20):
    batches = _batches_for(_user(request))[: max(1, min(limit, 200))]
    return [import_out(request, b) for b in batches]


@router.get(
    "/imports/{batch_id}",
    response={200: s.ImportOut, **s.ERRORS},
    summary="An import's status, stage, progress, report and problems",
)
def get_import(request, batch_id: Key):
    return import_out(request, _batches_for(_user(request)).get(pk=batch_id))


@router.get(
    "/imports/{batch_id}/errors.xlsx",
    response={200: None, **s.ERRORS},
    summary="The errors workbook of an import (rejected rows with their reasons)",
)
def import_errors(request, batch_id: Key):
    batch = _batches_for(_user(request)).get(pk=batch_id)
    path = Path(batch.errors_path) if batch.errors_path else None
    if path is None or not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{Path(batch.filename).stem}-errors.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
