"""Sign-in, sign-out, lock-out after five failures, the home redirect, and the API tokens page."""

import pytest
from factories import PASSWORD, region_tree, user

from fupin.accounts.auth import hash_key
from fupin.accounts.models import Token


@pytest.fixture
def operator(db):
    return user("village_operator", region_tree().village_a, username="op")


def test_home_redirects_to_sign_in_then_to_the_overview(client, operator):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    client.force_login(operator)
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/overview/"


def test_sign_in_page_renders_in_chinese_with_fields(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in body and 'name="password"' in body and 'type="submit"' in body
    assert "登录" in body and '<html lang="zh-CN">' in body
    assert "https://" not in body  # no CDN: every asset is local


def test_sign_in_and_sign_out(client, operator):
    r = client.post("/accounts/login/", {"username": "op", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/overview/"
    body = client.get("/registry/").content.decode()
    assert "op" in body and "村级操作员" in body and "石板村" in body
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert client.get("/registry/").status_code == 302


def test_wrong_password_shows_error(client, operator):
    r = client.post("/accounts/login/", {"username": "op", "password": "wrong-password"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_in_locks_after_five_failures(client, operator):
    for _ in range(4):
        r = client.post("/accounts/login/", {"username": "op", "password": "wrong-password"})
        assert r.status_code == 200
    r = client.post("/accounts/login/", {"username": "op", "password": "wrong-password"})
    assert r.status_code == 429
    # now even the right password is refused, with the lock-out page
    r = client.post("/accounts/login/", {"username": "op", "password": PASSWORD})
    assert r.status_code == 429
    body = r.content.decode()
    assert "账户已锁定" in body and "15 分钟" in body
    assert "_auth_user_id" not in client.session


def test_tokens_page_creates_shows_once_and_revokes(client, operator):
    client.force_login(operator)
    assert "尚无令牌" in client.get("/accounts/me/").content.decode()
    r = client.post("/accounts/me/tokens/", {"name": "nightly sync"})
    assert r.status_code == 200
    token = Token.objects.get(user=operator)
    body = r.content.decode()
    key = body.split('<code class="key">')[1].split("</code>")[0]
    assert hash_key(key) == token.key_hash and token.name == "nightly sync"
    # shown once: the next visit lists the token but not the key
    body = client.get("/accounts/me/").content.decode()
    assert "nightly sync" in body and key not in body and token.prefix in body
    r = client.post(f"/accounts/me/tokens/{token.pk}/revoke/")
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert "已吊销" in client.get("/accounts/me/").content.decode()


def test_cannot_revoke_someone_elses_token(client, operator):
    other = user("supervisor", None, username="other")
    from fupin.accounts.auth import issue_token

    issue_token(other, "theirs")
    client.force_login(operator)
    theirs = Token.objects.get(user=other)
    assert client.post(f"/accounts/me/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.revoked
    assert "theirs" not in client.get("/accounts/me/").content.decode()


def test_token_name_required(client, operator):
    client.force_login(operator)
    r = client.post("/accounts/me/tokens/", {"name": ""})
    assert r.status_code == 400 and Token.objects.count() == 0


def test_a_username_longer_than_any_account_is_refused_on_the_form(client, operator):
    """A username past 255 characters was a 500 on PostgreSQL, before any sign-in: the failed attempt was
    recorded in a column of 255 (django-axes). It is refused on the form, like a wrong password."""
    from axes.models import AccessAttempt

    r = client.post("/accounts/login/", {"username": "长" * 300, "password": "wrong-password"})
    assert r.status_code == 200
    assert r.context["form"].errors and "_auth_user_id" not in client.session
    assert all(len(a.username or "") <= 255 for a in AccessAttempt.objects.all())
