"""`fupin assistance coverage|measures`: the coverage worklist and the measure catalogue on the terminal."""

from __future__ import annotations

import sys

import polars as pl

from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.assistance.catalogue import CATEGORIES, KINDS
from fupin.core.cli_support import UsageError
from fupin.core.exports import write_csv
from fupin.core.output import deliver, frame_text, table_text
from fupin.regions.where import explain_no_households, resolve_region


def _print(df: pl.DataFrame, fmt: str, out, *, sheet: str, user, kind: str, filters: dict) -> int:
    if fmt == "xlsx":
        if not out:
            raise UsageError("--format xlsx 需要 --out 文件 / --format xlsx needs --out FILE")
        from fupin.assistance.coverage import export_xlsx

        if user is not None and not user.can("exports"):
            print("您的角色不能导出 / your role may not export", file=sys.stderr)
            return 1
        out.write_bytes(export_xlsx(user, df, channel="cli", filters=filters))
        print(out)
        return 0
    log_cli_output(user, f"assistance.{kind}", df.height, fmt=fmt, out=out, **filters)
    deliver(frame_text(df, fmt, str_lengths=60), out)
    return 0


def assistance_command(args) -> int:
    if args.action == "measures":
        from fupin.assistance.selectors import measure_catalogue

        rows = [
            {
                "code": m.code,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "category": m.category,
                "kind": m.kind,
                "active_from": m.active_from,
                "active_to": m.active_to,
                "causes": ",".join(c.cause for c in m.causes.all()),
            }
            for m in measure_catalogue()
        ]
        df = pl.DataFrame(
            rows,
            schema={
                "code": pl.String,
                "name_zh": pl.String,
                "name_en": pl.String,
                "category": pl.String,
                "kind": pl.String,
                "active_from": pl.Int64,
                "active_to": pl.Int64,
                "causes": pl.String,
            },
        )
        labels = {"category": CATEGORIES, "kind": KINDS}
        print(write_csv(df) if getattr(args, "format", None) == "csv" else table_text(df, labels=labels))
        return 0
    from fupin.accounts.scope import OutOfScope
    from fupin.assistance.coverage import findings_for

    user = user_from_arg(args.user)
    where = resolve_region(args, user)
    try:
        df = findings_for(user, year=args.year, region=where.region)
    except OutOfScope as e:
        print(e, file=sys.stderr)
        return 1
    if not explain_no_households(where.code, args.year) and df.is_empty():
        print("没有覆盖缺口 / no coverage gaps", file=sys.stderr)
    if args.format == "table":
        df = df.select("check_id", "severity", "region_code", "subject", "value", "message_zh", "message_en")
    return _print(
        df,
        args.format,
        args.out,
        sheet="覆盖",
        user=user,
        kind="coverage",
        filters={"year": args.year, "region": where.region},
    )
