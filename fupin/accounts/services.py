"""Accounts: creation with a validated password, bound to a role and a region."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from fupin.accounts.models import User
from fupin.accounts.roles import ROLES
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region


class AccountError(ValueError):
    pass


def create_user(username: str, *, role: str, region_code: str | None, password: str, **extra) -> User:
    if role not in ROLES:
        raise AccountError(f"未知角色 / unknown role: {role} (roles: {', '.join(ROLES)})")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"用户名已存在 / username already exists: {username}")
    region = None
    if region_code:
        try:
            region = Region.objects.get(code=normalise(region_code))
        except (RegionCodeError, Region.DoesNotExist):
            raise AccountError(f"未知的行政区划代码 / unknown region code: {region_code}") from None
    elif role != "system_admin" and role not in ("supervisor", "auditor"):
        raise AccountError(f"该角色必须绑定地区 / the role {role} needs --region")
    user = User(username=username, role=role, region=region, **extra)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise AccountError("密码不符合要求 / password rejected: " + " ".join(e.messages)) from None
    user.set_password(password)
    user.is_staff = role == "system_admin"
    user.save()
    return user
