"""Policy parameters: loading the defaults, reading them as an engine frame, and changing them with history.

Who may change what: a role with the `approves` flag, for its own region's subtree; the national rows only
a nationwide administrator. Everyone signed in may read every parameter that applies to their region.

A change or removal of a value may name the version it was based on (`parameter_version`, the API's ETag
and the forms' hidden field): the row is read locked in the transaction that writes it, and a change based
on an older version is refused with EditConflict (409).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import InputRejected
from fupin.engine import params as engine_params
from fupin.engine import regions
from fupin.engine.defaults import default_params
from fupin.engine.schema import PARAMS
from fupin.policy.definitions import DEFINITIONS
from fupin.policy.models import Parameter, ParameterChange
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region


class PolicyError(InputRejected):
    def __init__(self, field: str, zh: str, en: str):
        self.field, self.message_zh, self.message_en = field, zh, en
        super().__init__(f"{zh} / {en}")

    def api_items(self) -> list[dict]:
        return [
            {
                "field": self.field,
                "code": "policy.invalid",
                "message": {"zh": self.message_zh, "en": self.message_en},
                "row": None,
                "sheet": None,
            }
        ]


def load_defaults() -> int:
    """Create the shipped default rows that are missing; never touches rows users created or changed."""
    defaults = default_params()
    have = set(Parameter.objects.values_list("name", "region_code", "year_from"))
    new = [
        Parameter(
            name=r["name"],
            region_code=r["region_code"],
            year_from=r["year_from"],
            year_to=r["year_to"],
            value=Decimal(str(r["value"])),
            source=r["source"] or "",
            is_default=True,
        )
        for r in defaults.iter_rows(named=True)
        if (r["name"], r["region_code"], r["year_from"]) not in have
    ]
    Parameter.objects.bulk_create(new)
    return len(new)


def params_frame() -> pl.DataFrame:
    """Every parameter row in force, as the engine's parameter table (`schema.PARAMS`)."""
    rows = Parameter.objects.filter(is_deleted=False).values_list(
        "name", "region_code", "year_from", "year_to", "value", "source"
    )
    return pl.DataFrame(
        [(n, r, yf, yt, float(v), s) for n, r, yf, yt, v, s in rows], schema=PARAMS, orient="row"
    )


def resolve(name: str, year: int, region_code: str = "") -> float | None:
    """The value of one parameter in one region and year (the most specific row wins)."""
    code = normalise(region_code) if region_code else "000000000000"
    return engine_params.resolve(params_frame(), name, year, pl.Series([code]))[0]


def parameter_version(p: Parameter) -> str:
    """The version of a parameter row: changes with every save of it."""
    return versions.stamp(p)


def can_edit(user, region_code: str) -> bool:
    if user is None or not user.can("approves"):
        return False
    return scope.contains(user, region_code)


def visible_to(user):
    """The rows that apply to the user's region: national, those of its ancestors and of its subtree."""
    qs = Parameter.objects.filter(is_deleted=False)
    prefix = scope.prefix_for(user)
    if not prefix:
        return qs
    ancestors = regions.ancestors(prefix)
    return qs.filter(region_code__in=["", *ancestors]) | qs.filter(region_code__startswith=prefix)


def _clean(name: str, region_code: str, year_from, year_to, value) -> tuple[str, int, int | None, Decimal]:
    if name not in DEFINITIONS:
        raise PolicyError("name", f"未知参数：{name}", f"unknown parameter: {name}")
    code = ""
    if region_code:
        try:
            code = normalise(region_code)
        except RegionCodeError:
            raise PolicyError("region_code", "行政区划代码格式错误", "bad region code") from None
        if not Region.objects.filter(code=code).exists():
            raise PolicyError("region_code", "未知的行政区划代码", "unknown region code")
    try:
        year_from = int(year_from)
        year_to = int(year_to) if year_to not in (None, "") else None
    except (TypeError, ValueError):
        raise PolicyError("year_from", "年度应为整数", "years must be whole numbers") from None
    if not 1949 <= year_from <= 2100 or (year_to is not None and year_to < year_from):
        raise PolicyError(
            "year_to",
            "年度范围不正确（截止年度不能早于起始年度）",
            "the year range is wrong (the last year cannot be before the first)",
        )
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise PolicyError("value", "取值应为数字", "the value must be a number") from None
    if not math.isfinite(number) or abs(number) >= Decimal("1e10"):
        raise PolicyError("value", "取值超出范围", "the value is out of range")
    return code, year_from, year_to, number


@transaction.atomic
def save_parameter(
    user,
    *,
    name: str,
    region_code: str,
    year_from,
    year_to,
    value,
    source: str = "",
    reason: str,
    pk: int | None = None,
    version: str | None = None,
) -> Parameter:
    """Add a value, or with `pk` change one. `version`: the row's version the change is based on (None: not
    checked)."""
    code, year_from, year_to, number = _clean(name, region_code, year_from, year_to, value)
    if not (reason or "").strip():
        raise PolicyError("reason", "请填写修改原因", "a reason is required")
    existing = Parameter.objects.select_for_update().get(pk=pk, is_deleted=False) if pk else None
    for code_ in {code, existing.region_code if existing else code}:
        if not can_edit(user, code_):
            raise PermissionDenied("您无权修改该地区的参数 / you may not change parameters of this region")
    if existing is not None:
        versions.check(parameter_version(existing), version)
    overlapping = Parameter.objects.filter(name=name, region_code=code, is_deleted=False)
    overlapping = overlapping.exclude(pk=existing.pk) if existing else overlapping
    overlapping = overlapping.filter(year_from__lte=year_to) if year_to is not None else overlapping
    overlapping = overlapping.exclude(year_to__lt=year_from)
    if (o := overlapping.first()) is not None:
        span = f"{o.year_from}–{o.year_to or ''}"
        raise PolicyError(
            "year_from",
            f"与已有的 {span} 年度取值重叠，请先调整那一行",
            f"overlaps the existing {span} row; change that row first",
        )
    before = existing.as_dict() if existing else None
    p = existing or Parameter()
    p.name, p.region_code, p.year_from, p.year_to, p.value = name, code, year_from, year_to, number
    p.source, p.updated_by, p.is_default = source.strip(), user, False
    p.save()
    ParameterChange.objects.create(
        parameter=p,
        user=user,
        action="update" if existing else "create",
        before=before,
        after=p.as_dict(),
        reason=reason.strip(),
    )
    return p


@transaction.atomic
def delete_parameter(user, pk: int, *, reason: str, version: str | None = None) -> Parameter:
    """Remove a value (kept, with its history). `version`: the row's version the removal is based on (None:
    not checked)."""
    p = Parameter.objects.select_for_update().get(pk=pk, is_deleted=False)
    if not can_edit(user, p.region_code):
        raise PermissionDenied("您无权修改该地区的参数 / you may not change parameters of this region")
    versions.check(parameter_version(p), version)
    if not (reason or "").strip():
        raise PolicyError("reason", "请填写修改原因", "a reason is required")
    p.is_deleted, p.updated_by = True, user
    p.save(update_fields=["is_deleted", "updated_by", "updated_at"])
    ParameterChange.objects.create(
        parameter=p, user=user, action="delete", before=p.as_dict(), reason=reason.strip()
    )
    return p
