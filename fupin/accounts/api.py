"""Accounts API (/api/accounts): who am I, my API tokens, and the export log of my region (for the roles that
read it; reading the log is not itself logged as an export).

A token is created from a signed-in browser session only (a token cannot breed tokens); its key is
returned once and only its hash is kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.utils import translation
from ninja import Router, Schema, Status
from pydantic import Field

from fupin.accounts import export_log as log_reads
from fupin.accounts.auth import hash_key, issue_token
from fupin.accounts.models import Token
from fupin.accounts.roles import Role
from fupin.core.api_types import Key, Page
from fupin.core.errors import Denied
from fupin.regions.api import RegionRef
from fupin.registry.schemas import ERRORS, Label  # the API's one error shape, its zh/en label

router = Router()

PERMISSIONS = [f for f in Role.__dataclass_fields__ if f not in ("code", "zh", "en")]


class MeOut(Schema):
    username: str
    role: str
    role_label: Label
    region: RegionRef | None = None
    scope_prefix: str
    permissions: dict[str, bool]


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None


class NewTokenOut(TokenOut):
    key: str


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The signed-in account")
def me(request):
    user = request.auth
    role = user.role_info
    region = user.region
    return {
        "username": user.username,
        "role": user.role,
        "role_label": {"zh": role.zh, "en": role.en},
        "region": {"code": region.code, "name": region.name, "level": region.level} if region else None,
        "scope_prefix": user.scope_prefix,
        "permissions": {p: user.can(p) for p in PERMISSIONS},
    }


@router.post(
    "/tokens",
    response={201: NewTokenOut, **ERRORS},
    summary="Create an API token (from a signed-in session; the key is shown once)",
)
def create_token(request, body: TokenIn):
    if getattr(request, "api_token", None) is not None:
        raise Denied(
            "令牌只能在登录后的网页会话中创建", "tokens can only be created from a signed-in browser session"
        )
    name = body.name.strip()[:100] or "api"
    key = issue_token(request.auth, name)
    token = Token.objects.get(key_hash=hash_key(key))
    return Status(
        201,
        {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": None,
            "key": key,
        },
    )


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="Your active API tokens")
def list_tokens(request):
    return list(Token.objects.filter(user=request.auth, revoked=False).order_by("-created_at"))


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke one of your tokens")
def revoke_token(request, token_id: Key):
    token = Token.objects.get(pk=token_id, user=request.auth, revoked=False)  # DoesNotExist → 404
    token.revoked = True
    token.save(update_fields=["revoked"])
    return Status(204, None)


class ExportLogRow(Schema):
    id: int
    at: datetime
    username: str | None = None  # None: the operator at the command line
    role: str | None = None
    role_label: Label | None = None
    region_code: str | None = None
    channel: str
    kind: str
    kind_label: Label
    filters: dict
    rows: int
    masked: bool


class ExportLogPage(Schema):
    items: list[ExportLogRow]
    count: int
    page: int
    page_size: int


def _both(text) -> dict:
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return {"zh": zh, "en": en}


@router.get(
    "/export-log",
    response={200: ExportLogPage, **ERRORS},
    summary="The export log of your region, newest first",
)
def export_log(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    user: str | None = None,
    channel: Literal["web", "api", "cli"] | None = None,
    kind: str | None = None,
    page: Page = 1,
    page_size: Annotated[int, Field(ge=1, le=500)] = 50,
):
    """Who exported what, when, how many rows: the rows of the users bound inside your region (rows without a
    user, from the command line, only for nationwide accounts). Dates are inclusive. Roles that may not read
    the log get 403."""
    qs = log_reads.export_log_for(
        request.auth, date_from=date_from, date_to=date_to, username=user, channel=channel, kind=kind
    )
    start = (page - 1) * page_size
    items = []
    for r in qs[start : start + page_size]:
        u = r.user
        role = u.role_info if u else None
        items.append(
            {
                "id": r.pk,
                "at": r.at,
                "username": u.username if u else None,
                "role": u.role if u else None,
                "role_label": {"zh": role.zh, "en": role.en} if role else None,
                "region_code": u.region_id if u else None,
                "channel": r.channel,
                "kind": r.kind,
                "kind_label": _both(log_reads.KIND_LABELS.get(r.kind, r.kind)),
                "filters": r.filters,
                "rows": r.rows,
                "masked": r.masked,
            }
        )
    return {"items": items, "count": qs.count(), "page": page, "page_size": page_size}
