"""`fupin cppcc …`: the committee members, the indicators and the 关键小事 of a region, as a table, csv, json
or xlsx. Thin: every read is the selectors', within the --user's region."""

from __future__ import annotations

from datetime import date

import polars as pl
from django.core.exceptions import PermissionDenied

from fupin.accounts import scope
from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.core.cli_support import Rejected
from fupin.core.output import emit
from fupin.cppcc import selectors
from fupin.cppcc.codes import MatterStatus, MemberLevel

NOT_FOUND = "该地区不在您的管辖范围内 / region outside your scope"
DENIED = "您的角色不能执行此操作 / your role may not do this"


def cppcc_command(args) -> int:
    user = user_from_arg(args.user)
    if args.format != "table" or args.out:  # the result leaves the terminal: an export
        if user is not None and not user.can("exports"):
            raise Rejected("您的角色不能导出数据 / your role may not export data")
    try:
        return ACTIONS[args.action](args, user)
    except PermissionDenied as e:
        raise Rejected(str(e) or DENIED) from None
    except scope.OutOfScope:
        raise Rejected(NOT_FOUND) from None


def _within(args, user):
    """The user narrowed to --region (a region of the user's subtree)."""
    where = scope.resolve(user, getattr(args, "region", None))
    return where.prefix


def members(args, user) -> int:
    prefix = _within(args, user)
    qs = selectors.members_for(user, level=args.level).filter(region__code__startswith=prefix)
    rows = [
        {
            "id": m.pk,
            "name": m.name,
            "level": m.level,
            "region": m.region_id,
            "unit": m.unit,
            "phone": selectors.phone_shown(user, m),
            "active": m.active,
            "links": m.n_links,
            "open_matters": m.n_open,
        }
        for m in qs
    ]
    schema = {
        "id": pl.Int64,
        "name": pl.String,
        "level": pl.String,
        "region": pl.String,
        "unit": pl.String,
        "phone": pl.String,
        "active": pl.Boolean,
        "links": pl.Int64,
        "open_matters": pl.Int64,
    }
    df = pl.DataFrame(rows, schema=schema)
    log_cli_output(user, "cppcc.members", df.height, fmt=args.format, out=args.out, region=prefix)
    emit(df, args.format, args.out, sheet="委员", labels={"level": MemberLevel})
    return 0


def indicators(args, user) -> int:
    year = args.year or date.today().year
    if args.region:
        _within(args, user)  # refuses a region outside the scope
    df = selectors.indicators(user, year, args.by)
    if args.region and "region" in df.columns:
        df = df.filter(pl.col("region").str.starts_with(scope.resolve(user, args.region).prefix))
    df = df.with_columns(pl.lit(year).alias("year"))
    log_cli_output(user, "cppcc.indicators", df.height, fmt=args.format, out=args.out, year=year, by=args.by)
    emit(df, args.format, args.out, sheet="指标", labels={"level": MemberLevel})
    return 0


def matters(args, user) -> int:
    prefix = _within(args, user)
    qs = selectors.matters_for(user, status=args.status, year=args.year).filter(
        household__village__code__startswith=prefix
    )
    rows = [
        {
            "id": m.pk,
            "household_no": m.household.household_no,
            "member": m.member.name,
            "description": m.description,
            "logged_on": m.logged_on,
            "status": m.status,
            "result": m.result,
            "closed_on": m.closed_on,
        }
        for m in qs
    ]
    schema = {
        "id": pl.Int64,
        "household_no": pl.String,
        "member": pl.String,
        "description": pl.String,
        "logged_on": pl.Date,
        "status": pl.String,
        "result": pl.String,
        "closed_on": pl.Date,
    }
    df = pl.DataFrame(rows, schema=schema)
    log_cli_output(user, "cppcc.matters", df.height, fmt=args.format, out=args.out, region=prefix)
    emit(df, args.format, args.out, sheet="关键小事", labels={"status": MatterStatus})
    return 0


ACTIONS = {"members": members, "indicators": indicators, "matters": matters}
