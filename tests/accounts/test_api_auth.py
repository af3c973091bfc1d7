"""API authentication: bearer tokens and the browser session (with CSRF); /me and token management."""

from __future__ import annotations

import pytest
from django.test import Client
from factories import region_tree, user

from fupin.accounts.auth import issue_token
from fupin.accounts.models import Token

CSRF = "a" * 32  # a well-formed CSRF secret, set as cookie and header alike


@pytest.fixture
def tree(db):
    return region_tree()


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def session(u, *, csrf: bool) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(u)
    if csrf:
        c.cookies["csrftoken"] = CSRF
        c.defaults["HTTP_X_CSRFTOKEN"] = CSRF
    return c


def test_me_with_a_token(tree):
    op = user("village_operator", tree.village_a)
    body = bearer(issue_token(op, "script")).get("/api/accounts/me").json()
    assert body["username"] == op.username and body["role"] == "village_operator"
    assert body["role_label"] == {"zh": "村级操作员", "en": "Village operator"}
    assert body["region"] == {"code": "520526001201", "name": "石板村", "level": 5}
    assert body["permissions"]["writes_registry"] is True and body["permissions"]["approves"] is False


def test_unauthenticated_and_bad_or_revoked_tokens_are_401(tree):
    for c in (Client(), bearer("not-a-token")):
        r = c.get("/api/accounts/me")
        assert r.status_code == 401
        err = r.json()["detail"][0]
        assert err["code"] == "unauthenticated" and err["message"]["zh"] and err["message"]["en"]
    op = user("village_operator", tree.village_a)
    key = issue_token(op, "old")
    Token.objects.update(revoked=True)
    assert bearer(key).get("/api/accounts/me").status_code == 401
    op.is_active = False
    op.save()
    assert bearer(issue_token(op, "new")).get("/api/accounts/me").status_code == 401


def test_session_post_without_csrf_token_is_refused(tree):
    op = user("village_operator", tree.village_a)
    c = session(op, csrf=False)
    assert c.get("/api/accounts/me").status_code == 200  # reads need no CSRF token
    r = c.post("/api/accounts/tokens", {"name": "x"}, content_type="application/json")
    assert r.status_code == 403
    assert r.json()["detail"][0]["code"] == "csrf"
    r = c.post("/api/registry/households", {}, content_type="application/json")
    assert r.status_code == 403
    assert not Token.objects.exists()


def test_token_lifecycle_from_a_session(tree):
    op = user("village_operator", tree.village_a)
    c = session(op, csrf=True)
    r = c.post("/api/accounts/tokens", {"name": "报表脚本"}, content_type="application/json")
    assert r.status_code == 201, r.content
    created = r.json()
    key = created["key"]
    assert created["name"] == "报表脚本" and created["prefix"] == key[:8]
    token = Token.objects.get(pk=created["id"])
    assert token.key_hash != key and key not in token.key_hash  # only the hash is kept

    api = bearer(key)
    assert api.get("/api/accounts/me").json()["username"] == op.username
    listed = api.get("/api/accounts/tokens").json()
    assert [t["name"] for t in listed] == ["报表脚本"] and "key" not in listed[0]
    assert listed[0]["last_used_at"] is not None

    # a token cannot make tokens
    r = api.post("/api/accounts/tokens", {"name": "more"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["detail"][0]["message"]["en"].startswith("tokens can only")

    assert c.delete(f"/api/accounts/tokens/{created['id']}").status_code == 204
    assert api.get("/api/accounts/me").status_code == 401


def test_cannot_see_or_revoke_another_users_token(tree):
    a = user("village_operator", tree.village_a)
    b = user("village_operator", tree.village_b)
    issue_token(b, "b's")
    b_token = Token.objects.get(user=b)
    api = bearer(issue_token(a, "a's"))
    assert [t["name"] for t in api.get("/api/accounts/tokens").json()] == ["a's"]
    r = api.delete(f"/api/accounts/tokens/{b_token.id}")
    assert r.status_code == 404 and r.json()["detail"][0]["code"] == "not_found"
    assert not Token.objects.get(pk=b_token.pk).revoked
