"""`fupin createuser USERNAME --role ROLE --region CODE`, and the account a command acts as (`--user`)."""

from __future__ import annotations

import getpass
import os
import sys

from fupin.accounts.services import AccountError, create_user
from fupin.core.cli_support import UsageError


def createuser_command(args) -> int:
    password = args.password or os.environ.get("FUPIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print(
                "请用 --password 或 FUPIN_PASSWORD 提供密码 / give the password with --password or FUPIN_PASSWORD",
                file=sys.stderr,
            )
            return 2
        password = getpass.getpass("密码 / password: ")
        if password != getpass.getpass("再次输入 / again: "):
            print("两次输入不一致 / passwords differ", file=sys.stderr)
            return 2
    try:
        user = create_user(args.username, role=args.role, region_code=args.region, password=password)
    except AccountError as e:
        print(str(e), file=sys.stderr)
        return 1
    where = user.region.name if user.region else "全国 / nationwide"
    print(f"已创建 / created: {user.username} ({user.role_info.zh} / {user.role_info.en}, {where})")
    return 0


def user_from_arg(username: str | None):
    """The account a CLI command acts as: its region scope applies (None = the operator, unscoped)."""
    if not username:
        return None
    from fupin.accounts.models import User

    try:
        return User.objects.select_related("region").get(username=username, is_active=True)
    except User.DoesNotExist:
        raise UsageError(f"没有该用户 / no such active user: {username}") from None
