"""Accounts API (/api/accounts): who am I, and my API tokens.

A token is created from a signed-in browser session only (a token cannot breed tokens); its key is
returned once and only its hash is kept.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status

from fupin.accounts.auth import hash_key, issue_token
from fupin.accounts.models import Token
from fupin.accounts.roles import Role
from fupin.core.api_types import Key
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()

PERMISSIONS = [f for f in Role.__dataclass_fields__ if f not in ("code", "zh", "en")]


class Label(Schema):
    zh: str
    en: str


class RegionRef(Schema):
    code: str
    name: str
    level: int


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
    return {"username": user.username, "role": user.role, "role_label": {"zh": role.zh, "en": role.en},
            "region": {"code": region.code, "name": region.name, "level": region.level} if region else None,
            "scope_prefix": user.scope_prefix, "permissions": {p: user.can(p) for p in PERMISSIONS}}


@router.post("/tokens", response={201: NewTokenOut, **ERRORS},
             summary="Create an API token (from a signed-in session; the key is shown once)")
def create_token(request, body: TokenIn):
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied("令牌只能在登录后的网页会话中创建 / tokens can only be created from a signed-in "
                               "browser session")
    name = body.name.strip()[:100] or "api"
    key = issue_token(request.auth, name)
    token = Token.objects.get(key_hash=hash_key(key))
    return Status(201, {"id": token.id, "name": token.name, "prefix": token.prefix,
                        "created_at": token.created_at, "last_used_at": None, "key": key})


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="Your active API tokens")
def list_tokens(request):
    return list(Token.objects.filter(user=request.auth, revoked=False).order_by("-created_at"))


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke one of your tokens")
def revoke_token(request, token_id: Key):
    token = Token.objects.get(pk=token_id, user=request.auth, revoked=False)  # DoesNotExist → 404
    token.revoked = True
    token.save(update_fields=["revoked"])
    return Status(204, None)
