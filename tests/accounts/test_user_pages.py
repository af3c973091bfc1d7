"""Account management pages: only managers, only inside their region, passwords validated."""

import pytest
from django.urls import reverse
from factories import PASSWORD, region_tree, user

from fupin.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return region_tree()


def signed_in(client, u):
    client.force_login(u)
    return client


def new_account(**over):
    return {
        "username": "op2",
        "full_name": "李四",
        "role": "village_operator",
        "region_code": "520526001202",
        "is_active": "on",
        "password1": "Long-enough-pass-9",
        "password2": "Long-enough-pass-9",
    } | over


def test_admin_creates_an_account_that_can_sign_in(client, tree):
    signed_in(client, user("system_admin", None))
    page = client.post(reverse("accounts:user_create"), new_account())
    assert page.status_code == 302
    op = User.objects.get(username="op2")
    assert (op.role, op.region_id, op.first_name) == ("village_operator", "520526001202", "李四")
    client.logout()
    page = client.post(reverse("accounts:login"), {"username": "op2", "password": "Long-enough-pass-9"})
    assert page.status_code == 302 and client.session.get("_auth_user_id") == str(op.pk)


def test_weak_password_and_unknown_region_are_refused(client, tree):
    signed_in(client, user("system_admin", None))
    client.cookies["django_language"] = "en"
    page = client.post(
        reverse("accounts:user_create"), new_account(password1="12345678", password2="12345678")
    )
    assert page.status_code == 400 and "password rejected" in page.content.decode()
    page = client.post(reverse("accounts:user_create"), new_account(region_code="520526009999"))
    assert page.status_code == 400 and "unknown region code" in page.content.decode()
    assert not User.objects.filter(username="op2").exists()


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "unknown region code: 520526009999", "未知的行政区划代码"),
        ("zh-hans", "未知的行政区划代码：520526009999", "unknown region code"),
    ],
)
def test_a_refused_account_says_why_in_the_pages_language_only(client, tree, lang, shown, hidden):
    signed_in(client, user("system_admin", None))
    client.cookies["django_language"] = lang
    page = client.post(reverse("accounts:user_create"), new_account(region_code="520526009999"))
    assert page.status_code == 400
    assert shown in page.content.decode() and hidden not in page.content.decode()


def test_county_scoped_admin_cannot_create_outside_or_see_others(client, tree):
    from factories import region

    other_county = region("520527000000", "赫章县", 3, tree.city)
    stranger = user("village_operator", region("520527001201", "外村", 5, other_county), username="stranger")
    signed_in(client, user("system_admin", tree.county, username="county-admin"))
    client.cookies["django_language"] = "en"
    page = client.post(reverse("accounts:user_create"), new_account(region_code="520527001201"))
    assert page.status_code == 400 and "outside your scope" in page.content.decode()
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "stranger" not in listing
    assert client.get(reverse("accounts:user_edit", args=[stranger.pk])).status_code == 404


@pytest.mark.parametrize("role", ["county_approver", "village_operator", "supervisor", "auditor"])
def test_other_roles_cannot_manage_accounts(client, tree, role):
    signed_in(client, user(role, tree.county))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.post(reverse("accounts:user_create"), new_account()).status_code == 403
    assert not User.objects.filter(username="op2").exists()


def test_admin_deactivates_an_account(client, tree):
    signed_in(client, user("system_admin", None))
    op = user("village_operator", tree.village_a, username="op1")
    page = client.post(
        reverse("accounts:user_edit", args=[op.pk]),
        {"full_name": "", "role": "village_operator", "region_code": tree.village_a.code},
    )
    assert page.status_code == 302
    op.refresh_from_db()
    assert not op.is_active and op.check_password(PASSWORD)  # empty password fields keep the password


def test_admin_cannot_deactivate_self(client, tree):
    admin = user("system_admin", None)
    signed_in(client, admin)
    page = client.post(reverse("accounts:user_edit", args=[admin.pk]), {"role": "system_admin"})
    assert page.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_change_own_password(client, tree):
    op = user("village_operator", tree.village_a)
    signed_in(client, op)
    page = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-pass-3",
            "new_password2": "Another-long-pass-3",
        },
    )
    assert page.status_code == 302
    op.refresh_from_db()
    assert op.check_password("Another-long-pass-3")
