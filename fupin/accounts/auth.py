"""API authentication: a session cookie (with CSRF) or `Authorization: Bearer <token>`."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from fupin.accounts.models import Token, User


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user: User, name: str) -> str:
    """Create a token and return its key; only the hash is kept, so the key is shown once."""
    key = secrets.token_urlsafe(32)
    Token.objects.create(user=user, name=name, key_hash=hash_key(key), prefix=key[:8])
    return key


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        row = (
            Token.objects.select_related("user", "user__region")
            .filter(key_hash=hash_key(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        Token.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        request.api_token = row  # how this request was authenticated (tokens are made from a session only)
        return row.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request):
        # Without a session cookie there is nothing to protect: answer 401 (not a CSRF 403).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api_auth = [BearerToken(), SessionAuth()]
