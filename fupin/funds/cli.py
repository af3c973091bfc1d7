"""`fupin funds anomalies [--region] [--format table|csv|json|xlsx] [--out] [--user]`."""

from __future__ import annotations

import argparse
import sys

from fupin.core.commands import UsageError, user_from_arg
from fupin.core.exports import log_cli_output, write_csv


def funds_command(args: argparse.Namespace) -> int:
    if args.action != "anomalies":
        raise UsageError(f"未知操作 / unknown action: {args.action}")
    return anomalies_command(args)


def anomalies_command(args: argparse.Namespace) -> int:
    from fupin.funds import exports
    from fupin.funds.anomalies import anomalies_for
    from fupin.registry.selectors import region_prefix

    user = user_from_arg(args.user)
    if user is not None and not user.can("exports") and args.format == "xlsx":
        raise UsageError("该用户无权导出 / this user may not export")
    if args.region and region_prefix(args.region) == "#":
        raise UsageError(f"区划代码无效 / not a region code: {args.region}")
    df = anomalies_for(user, region=args.region)
    if args.format == "xlsx":
        if not args.out:
            raise UsageError("xlsx 需要 --out / xlsx needs --out")
        args.out.write_bytes(exports.export_anomalies(user, "cli", df, {"region": args.region}))
        print(args.out)
        return 0
    log_cli_output(user, "funds_anomalies", df.height, fmt=args.format, out=args.out, region=args.region)
    if args.format == "json":
        text = df.write_json()
    elif args.format == "csv":
        text = write_csv(df)
    else:
        import polars as pl

        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60):
            text = str(df.drop("message_en")) + f"\n{df.height} 条疑点 / findings\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(args.out)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
