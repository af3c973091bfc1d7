"""`fupin funds anomalies [--region] [--format table|csv|json|xlsx] [--out] [--user]`."""

from __future__ import annotations

import argparse
import sys

from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.accounts.scope import OutOfScope
from fupin.core.cli_support import UsageError
from fupin.core.exports import write_csv
from fupin.core.output import table_text
from fupin.regions.where import region_label, resolve_region


def funds_command(args: argparse.Namespace) -> int:
    if args.action != "anomalies":
        raise UsageError(f"未知操作 / unknown action: {args.action}")
    return anomalies_command(args)


def anomalies_command(args: argparse.Namespace) -> int:
    from fupin.funds import exports
    from fupin.funds.anomalies import anomalies_for
    from fupin.funds.models import Project

    user = user_from_arg(args.user)
    if user is not None and not user.can("exports") and args.format == "xlsx":
        raise UsageError("该用户无权导出 / this user may not export")
    where = resolve_region(args, user)
    try:
        df = anomalies_for(user, region=where.region)
    except OutOfScope as e:
        print(e, file=sys.stderr)
        return 1
    if df.is_empty():
        from fupin.regions.codes import prefix_of

        projects = (
            Project.objects.filter(region__code__startswith=prefix_of(where.code))
            if where.code
            else Project.objects.all()
        )
        label = region_label(where.code)
        if projects.exists():
            print(f"{label}：没有发现疑点 / {label}: no anomalies found", file=sys.stderr)
        else:
            print(f"{label} 没有项目资金数据 / no projects or funds in {label}", file=sys.stderr)
    if args.format == "xlsx":
        if not args.out:
            raise UsageError("xlsx 需要 --out / xlsx needs --out")
        args.out.write_bytes(exports.export_anomalies(user, "cli", df, {"region": where.region}))
        print(args.out)
        return 0
    log_cli_output(user, "funds_anomalies", df.height, fmt=args.format, out=args.out, region=where.region)
    if args.format == "json":
        text = df.write_json()
    elif args.format == "csv":
        text = write_csv(df)
    else:
        text = table_text(df.drop("message_en"), str_lengths=60) + f"\n{df.height} 条疑点 / findings\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(args.out)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
