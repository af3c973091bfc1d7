"""Writes to the registry from forms, the API and the CLI. Each validates through the one validation path,
checks the user's role and region, saves, and records who changed what and why, in one transaction.

Single-household saves go through the same validator and the same writer (`bulk.save_validated`) as
the workbook import: a form is a one-household import.

Every write holds the registry's write lock (locks.py) from its checks to its commit, so rules across
households hold under concurrency, and an edit reads what it merges inside that lock, so two edits of one
household never lose each other's fields. An edit may name the household's `version` it was based on
(`household_version`: the id of the household's latest Change); if the household changed since, it is
refused with EditConflict (the API answers 409) and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.db.models import Max

from fupin.core.errors import Denied, EditConflict, InputRejected, Problem
from fupin.registry import bulk
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_MEMBER_COLUMNS
from fupin.registry.locks import registry_write
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership
from fupin.registry.selectors import get_household_for, load_context, members_for, movable_members
from fupin.registry.validation import PROBLEM_SCHEMA, Validated, validate

HOUSEHOLD_KEYS = [c.key for c in HOUSEHOLD_COLUMNS]
MEMBER_KEYS = [c.key for c in MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS]
END_REASONS = {"death", "marriage", "move", "split", "removed"}


class ValidationFailed(InputRejected):
    """The input was refused; `frame` holds every problem the validator found (field, rule, zh/en message,
    severity), the errors among them are the problems of the refusal."""

    names_value = True

    def __init__(self, problems: pl.DataFrame):
        self.frame = problems
        super().__init__(
            *(
                Problem(
                    p["field"],
                    p["rule"],
                    p["message_zh"],
                    p["message_en"],
                    p["value"],
                    p["row"],
                    p["sheet"] or None,
                )
                for p in problems.to_dicts()
                if p.get("severity", "error") == "error"
            ),
            text="; ".join(problems["message_en"].to_list()[:5]),
        )

    def as_list(self) -> list[dict]:
        return self.frame.to_dicts()

    @classmethod
    def single(cls, field: str, rule: str, zh: str, en: str, value: str | None = None) -> ValidationFailed:
        return cls(
            pl.DataFrame(
                [
                    {
                        "sheet": "",
                        "row": 1,
                        "household_no": None,
                        "field": field,
                        "column": field,
                        "value": value,
                        "rule": rule,
                        "severity": "error",
                        "message_zh": zh,
                        "message_en": en,
                    }
                ],
                schema=PROBLEM_SCHEMA,
            )
        )


def require(user, permission: str) -> None:
    if user is not None and not user.can(permission):
        raise Denied("您的角色无此权限", f"your role may not do this ({permission})")


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def raw_frames(household: dict | None, members: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A form or API body as the all-string frames the validator reads (row 1 = the household, members
    numbered from 1 in the order given)."""
    hh_rows = (
        [] if household is None else [{k: _as_text(household.get(k)) for k in HOUSEHOLD_KEYS} | {"_row": 1}]
    )
    mm_rows = [{k: _as_text(m.get(k)) for k in MEMBER_KEYS} | {"_row": i} for i, m in enumerate(members, 1)]
    hh = pl.DataFrame(
        hh_rows, schema={**{k: pl.String for k in HOUSEHOLD_KEYS}, "_row": pl.Int64}, orient="row"
    )
    mm = pl.DataFrame(mm_rows, schema={**{k: pl.String for k in MEMBER_KEYS}, "_row": pl.Int64}, orient="row")
    return hh, mm


def check(user, household: dict | None, members: list[dict]) -> Validated:
    hh, mm = raw_frames(household, members)
    return validate(hh, mm, load_context(user, hh, mm))


def save_household(
    user,
    household: dict | None,
    members: Sequence[dict] = (),
    *,
    reason: str = "",
    create: bool | None = None,
    version: int | None = None,
) -> Household:
    """Create or update one household (its yearly record for `household['year']`) and the given members.

    `household` may be None to save members of an existing household only (then each member dict carries
    `household_no`). `create=True` refuses an existing household number, `create=False` a new one.
    `version`: the household's version the edit is based on (None: not checked).
    """
    require(user, "writes_registry")
    with registry_write(), transaction.atomic():
        return _save_household(user, household, list(members), reason=reason, create=create, version=version)


def _save_household(
    user,
    household: dict | None,
    members: list[dict],
    *,
    reason: str,
    create: bool | None,
    version: int | None,
) -> Household:
    household_no = (household or {}).get("household_no") or (
        members[0].get("household_no") if members else None
    )
    if not household_no:
        raise ValidationFailed.single(
            "household_no", "required", "户编号不能为空", "the household number is required"
        )
    household_no = str(household_no).strip()
    for m in members:
        m.setdefault("household_no", household_no)
    exists = Household.objects.filter(household_no=household_no).exists()
    if create is True and exists:
        raise ValidationFailed.single(
            "household_no",
            "household.exists",
            "该户编号已存在",
            "this household number already exists",
            household_no,
        )
    if create is False or household is None:
        stored = get_household_for(user, household_no)  # Household.DoesNotExist when missing or out of scope
        check_version(stored, version)
    result = check(user, household, members)
    if not result.ok:
        raise ValidationFailed(result.errors)
    bulk.save_validated(
        result, user=user, reason=reason or ("新增 / created" if not exists else "修改 / edited")
    )
    return Household.objects.get(household_no=household_no)


def household_version(household: Household) -> int:
    """The household's version: the id of its latest Change (0 before any). Every write to a household, its
    yearly records or its members records a Change, in the same transaction, imports included."""
    return Change.objects.filter(household=household).aggregate(v=Max("id"))["v"] or 0


def check_version(household: Household, version: int | None) -> None:
    """Refuse an edit based on an older version of the household (None: the editor named none)."""
    if version is not None and (current := household_version(household)) != version:
        raise EditConflict(version, current)


@contextmanager
def editing(
    user, household_no: str, version: int | None = None, *, include_deleted: bool = False
) -> Iterator[Household]:
    """One edit of a household: the registry's write lock and a transaction, the household read (in the
    user's scope: Household.DoesNotExist otherwise) and its version checked inside them."""
    require(user, "writes_registry")
    with registry_write(), transaction.atomic():
        household = get_household_for(user, household_no, include_deleted=include_deleted)
        check_version(household, version)
        yield household


def _snapshot(obj) -> dict:
    from fupin.registry.bulk import json_safe

    return {
        f.attname: json_safe(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in ("created_at", "updated_at")
    }


def _log(user, action: str, obj, household: Household, before: dict | None, reason: str) -> None:
    Change.objects.create(
        user=user,
        action=action,
        entity=obj._meta.model_name.replace("householdyear", "household_year"),
        entity_id=str(obj.pk),
        household=household,
        before=before,
        after=_snapshot(obj),
        reason=reason,
    )


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.single("reason", "required", "请填写原因", "a reason is required")
    return reason


def _mark_deleted(user, household_no: str, deleted: bool, *, reason: str, version: int | None) -> Household:
    require(user, "writes_registry")
    reason = _need_reason(reason)
    with editing(user, household_no, version, include_deleted=not deleted) as household:
        before = _snapshot(household)
        household.is_deleted = deleted
        household.save(update_fields=["is_deleted", "updated_at"])
        _log(user, "delete" if deleted else "restore", household, household, before, reason)
    return household


def delete_household(user, household_no: str, *, reason: str, version: int | None = None) -> Household:
    """Mark a household deleted (never erased); its members and records stay, hidden from lists."""
    return _mark_deleted(user, household_no, True, reason=reason, version=version)


def restore_household(user, household_no: str, *, reason: str, version: int | None = None) -> Household:
    return _mark_deleted(user, household_no, False, reason=reason, version=version)


def delete_household_year(
    user, household_no: str, year: int, *, reason: str, version: int | None = None
) -> HouseholdYear:
    require(user, "writes_registry")
    reason = _need_reason(reason)
    with editing(user, household_no, version) as household:
        record = household.years.get(year=year, is_deleted=False)
        before = _snapshot(record)
        record.is_deleted = True
        record.save(update_fields=["is_deleted", "updated_at"])
        _log(user, "delete", record, household, before, reason)
    return record


def refresh_household(household: Household, from_year: int | None = None) -> None:
    """Keep the derived fields right after a membership change: head, size, per-capita income."""
    current = household.members.filter(is_deleted=False)
    head = current.filter(relation="head").first()
    household.head_name = head.name if head else ""
    household.size = current.count()
    household.save(update_fields=["head_name", "size", "updated_at"])
    records = household.years.filter(is_deleted=False)
    if from_year is not None:
        records = records.filter(year__gte=from_year)
    for record in records:  # one household's few yearly records
        record.size = household.size
        record.net_income = (
            record.wage_income
            + record.business_income
            + record.property_income
            + record.transfer_income
            - record.business_cost
        )
        record.net_income_per_capita = (
            (record.net_income / record.size).quantize(Decimal("0.01")) if record.size else None
        )
        record.save(update_fields=["size", "net_income", "net_income_per_capita", "updated_at"])


def end_membership(
    user, id_number: str, *, reason_code: str, on_date: date, note: str = "", version: int | None = None
) -> Member:
    """A person leaves their household (death, marriage out, move, split, removal); history is kept.
    `version`: that of the person's household the change is based on."""
    require(user, "writes_registry")
    if reason_code not in END_REASONS:
        raise ValidationFailed.single(
            "reason_code",
            "code.unknown",
            "变动原因不在代码表中",
            "the reason is not in the code list",
            reason_code,
        )
    with registry_write(), transaction.atomic():
        member = members_for(user).select_related("household").get(id_number=id_number)
        assert member.household is not None  # members_for: members of a household
        check_version(member.household, version)
        return _end_membership(user, member, reason_code=reason_code, on_date=on_date, note=note)


def _end_membership(user, member: Member, *, reason_code: str, on_date: date, note: str) -> Member:
    household = member.household
    assert household is not None  # a member who left has no membership to end
    if member.relation == "head" and household.members.filter(is_deleted=False).count() > 1:
        raise ValidationFailed.single(
            "relation",
            "household.head_leaving",
            "户主离开前请先指定新的户主",
            "name a new head of household before the head leaves",
        )
    if on_date > date.today():
        raise ValidationFailed.single(
            "on_date",
            "date.future",
            "变动日期不能晚于今天",
            "the date cannot be in the future",
            on_date.isoformat(),
        )
    before = _snapshot(member)
    Membership.objects.filter(member=member, household=household, end_date__isnull=True).update(
        end_date=on_date, end_reason=reason_code
    )
    member.household = None
    if reason_code == "death":
        member.death_date = on_date
    member.save()
    _log(user, "move", member, household, before, note or reason_code)
    refresh_household(household, from_year=on_date.year)
    return member


def move_member(
    user,
    id_number: str,
    to_household_no: str,
    *,
    relation: str,
    reason_code: str,
    on_date: date,
    note: str = "",
    version: int | None = None,
) -> Member:
    """A person joins another household (marriage, split, move): the old period ends, a new one starts.
    `version`: that of the person's current household the change is based on."""
    require(user, "writes_registry")
    with registry_write(), transaction.atomic():
        target = get_household_for(user, to_household_no)
        member = movable_members(user).select_related("household").get(id_number=id_number)
        if member.household is not None:
            check_version(member.household, version)
        return _move_member(
            user, member, target, relation=relation, reason_code=reason_code, on_date=on_date, note=note
        )


def _move_member(
    user, member: Member, target: Household, *, relation: str, reason_code: str, on_date: date, note: str
) -> Member:
    id_number = member.id_number
    if member.death_date:
        raise ValidationFailed.single(
            "id_number", "member.dead", "此人已死亡", "this person has died", id_number
        )
    result = check(
        user,
        None,
        [
            {
                "household_no": target.household_no,
                "name": member.name,
                "id_number": member.id_number,
                "sex": member.sex,
                "relation": relation,
            }
        ],
    )
    errors = result.errors.filter(pl.col("rule") != "member.other_household")
    if not errors.is_empty():
        raise ValidationFailed(errors)
    if relation == "head" and target.members.filter(is_deleted=False, relation="head").exists():
        raise ValidationFailed.single(
            "relation", "household.many_heads", "该户已有户主", "this household already has a head", relation
        )
    old = member.household
    before = _snapshot(member)
    if old is not None:
        Membership.objects.filter(member=member, household=old, end_date__isnull=True).update(
            end_date=on_date, end_reason=reason_code
        )
    Membership.objects.create(
        member=member, household=target, relation=relation, start_date=on_date, start_reason=reason_code
    )
    member.household, member.relation = target, relation
    member.save()
    _log(user, "move", member, target, before, note or reason_code)
    if old is not None:
        _log(user, "move", member, old, before, note or reason_code)
        refresh_household(old, from_year=on_date.year)
    refresh_household(target, from_year=on_date.year)
    return member
