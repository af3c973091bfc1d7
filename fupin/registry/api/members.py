"""Members (/api/registry/households/{household_no}/members, /api/registry/members/{member_id}): list,
add, correct, leave and move to another household.
"""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Status

from fupin import codes
from fupin.accounts.export_log import log_api_page
from fupin.core.api_types import Key
from fupin.registry import schemas as s
from fupin.registry import selectors, services
from fupin.registry.api.common import auth_user, if_match, need_reason, refuse, tagged
from fupin.registry.api.edits import current_head, relation_code, save_members
from fupin.registry.api.out import member_out
from fupin.registry.models import Member

router = Router()
MEMBER_KEYS = [*s.MemberFields.model_fields]
MOVE_REASONS = {"marriage", "split", "move", "correction"}


def _stored_member(m: Member) -> dict:
    out = {k: getattr(m, k) for k in MEMBER_KEYS}
    out["name"] = m.name
    # The disability certificate number is the ID plus category and grade: keep it when correcting.
    out["id_number"] = m.disability_cert or m.id_number
    return out


@router.get(
    "/households/{household_no}/members",
    response={200: list[s.MemberOut], **s.ERRORS},
    summary="The current members of a household",
    operation_id="fupin_registry_api_list_members",
)
def list_members(request, household_no: str, response: HttpResponse):
    """The ETag header names the household's version, for If-Match on member edits."""
    user = auth_user(request)
    h = selectors.household_detail_for(user, household_no)
    items = [member_out(user, m, h.household_no) for m in h.current_members]
    log_api_page(request, "api.registry.members", len(items), household_no=h.household_no)
    tagged(response, {"version": services.household_version(h)})
    return items


@router.post(
    "/households/{household_no}/members",
    response={201: s.MemberOut, **s.ERRORS},
    summary="Add a member (birth, marriage in, registration)",
    operation_id="fupin_registry_api_add_member",
)
def add_member(request, household_no: str, body: s.MemberAddIn):
    user = auth_user(request)
    data = body.model_dump()
    reason = data.pop("reason") or "新增成员 / member added"
    with services.editing(user, household_no, if_match(request)) as household:
        data["household_no"] = household.household_no
        if relation_code(data.get("relation")) == "head" and current_head(household):
            raise refuse(
                "relation",
                "household.many_heads",
                "该户已有户主",
                "this household already has a head",
                data["relation"],
            )
        known = services.check(user, None, [data]).members["id_number"].drop_nulls().to_list()
        if known and household.members.filter(id_number__in=known, is_deleted=False).exists():
            raise refuse(
                "id_number",
                "member.exists",
                "此人已是该户成员，请修改成员信息",
                "this person is already a member of this household; correct the member instead",
                body.id_number,
            )
        save_members(user, household, [data], reason)  # an invalid ID number stops here (422)
    member = selectors.members_for(user).get(id_number=known[0])
    return Status(201, member_out(user, member, household.household_no))


@router.patch(
    "/members/{member_id}",
    response={200: s.MemberOut, **s.ERRORS},
    summary="Correct a member's attributes",
    operation_id="fupin_registry_api_patch_member",
)
def patch_member(request, member_id: Key, body: s.MemberPatchIn):
    user = auth_user(request)
    services.require(user, "writes_registry")
    reason = need_reason(body.reason)
    household_no = (
        selectors.members_for(user).values_list("household__household_no", flat=True).get(pk=member_id)
    )
    given = body.model_dump(exclude_unset=True, exclude={"reason"})
    with services.editing(user, household_no, if_match(request)) as household:
        member = selectors.members_for(user).get(pk=member_id, household=household)  # as stored now
        data = {**_stored_member(member), **given, "household_no": household.household_no}
        if relation_code(given.get("relation")) == "head" and current_head(household, member.id_number):
            raise refuse(
                "relation",
                "household.many_heads",
                "该户已有户主，请先更改原户主的关系",
                "this household already has a head; change the current head's relation first",
                given["relation"],
            )
        save_members(user, household, [data], reason)
    member.refresh_from_db()
    return member_out(user, member, member.household.household_no)


@router.post(
    "/members/{member_id}/leave",
    response={200: s.MemberOut, **s.ERRORS},
    summary="A member leaves the household (death, marriage out, move, split, removal)",
    operation_id="fupin_registry_api_leave",
)
def leave(request, member_id: Key, body: s.LeaveIn):
    user = auth_user(request)
    services.require(user, "writes_registry")
    id_number = selectors.members_for(user).values_list("id_number", flat=True).get(pk=member_id)
    member = services.end_membership(
        user,
        id_number,
        reason_code=body.reason_code,
        on_date=body.date,
        note=body.note,
        version=if_match(request),
    )
    return member_out(user, member, None)


@router.post(
    "/members/{member_id}/move",
    response={200: s.MemberOut, **s.ERRORS},
    summary="A member moves to another household",
    operation_id="fupin_registry_api_move",
)
def move(request, member_id: Key, body: s.MoveIn):
    user = auth_user(request)
    services.require(user, "writes_registry")
    id_number = selectors.movable_members(user).values_list("id_number", flat=True).get(pk=member_id)
    relation = relation_code(body.relation)
    if relation not in codes.RELATION:
        raise refuse(
            "relation",
            "code.unknown",
            "与户主关系不在代码表中",
            "the relation to the head is not in the code list",
            body.relation,
        )
    if body.reason_code not in MOVE_REASONS:
        raise refuse(
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
        version=if_match(request),
    )
    return member_out(user, member, body.to_household_no)
