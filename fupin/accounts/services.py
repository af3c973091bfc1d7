"""Accounts: creation with a validated password, bound to a role and a region."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from fupin.accounts import scope
from fupin.accounts.models import User
from fupin.accounts.roles import ROLES
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region


class AccountError(ValueError):
    pass


def _region(region_code: str | None) -> Region | None:
    if not region_code:
        return None
    try:
        return Region.objects.get(code=normalise(region_code))
    except (RegionCodeError, Region.DoesNotExist):
        raise AccountError(f"未知的行政区划代码 / unknown region code: {region_code}") from None


def create_user(username: str, *, role: str, region_code: str | None, password: str, **extra) -> User:
    if role not in ROLES:
        raise AccountError(f"未知角色 / unknown role: {role} (roles: {', '.join(ROLES)})")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"用户名已存在 / username already exists: {username}")
    region = _region(region_code)
    if region is None and not ROLES[role].works_nationwide:
        raise AccountError(f"该角色必须绑定地区 / the role {role} needs --region")
    user = User(username=username, role=role, region=region, **extra)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise AccountError("密码不符合要求 / password rejected: " + " ".join(e.messages)) from None
    user.set_password(password)
    user.is_staff = ROLES[role].admin_site
    user.save()
    return user


def _region_for(manager: User, region_code: str | None) -> Region | None:
    """The region for an account made or changed by `manager`: never outside the manager's own scope (a form
    error, not a 404: the region is a value being written)."""
    region = _region(region_code)
    if not scope.contains(manager, region.code if region else None):
        raise AccountError("该地区不在您的管辖范围内 / this region is outside your scope")
    return region


def users_for(manager: User):
    """The accounts a manager may see and change: those bound inside the manager's region."""
    qs = User.objects.select_related("region").order_by("username")
    if scope.prefix_for(manager):
        qs = qs.filter(region__code__startswith=scope.prefix_for(manager))
    return qs


def manage_user(
    manager: User,
    *,
    username: str,
    role: str,
    region_code: str | None,
    full_name: str = "",
    is_active: bool = True,
    password: str | None = None,
    existing: User | None = None,
) -> User:
    """Create (existing=None) or change an account on behalf of a user who manages accounts."""
    if not manager.can("manages_users"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色不能管理账户 / your role may not manage accounts")
    region = _region_for(manager, region_code)
    if existing is None:
        user = create_user(
            username,
            role=role,
            region_code=region.code if region else None,
            password=password or "",
            first_name=full_name,
        )
        return user
    if role not in ROLES:
        raise AccountError(f"未知角色 / unknown role: {role}")
    if existing.pk == manager.pk and (not is_active or role != manager.role):
        raise AccountError(
            "不能停用自己或更改自己的角色 / you cannot deactivate yourself or change your own role"
        )
    existing.role, existing.region, existing.first_name, existing.is_active = (
        role,
        region,
        full_name,
        is_active,
    )
    existing.is_staff = ROLES[role].admin_site
    if password:
        try:
            validate_password(password, existing)
        except ValidationError as e:
            raise AccountError("密码不符合要求 / password rejected: " + " ".join(e.messages)) from None
        existing.set_password(password)
    existing.save()
    return existing
