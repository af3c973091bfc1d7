"""`fupin monitor` (the registry batch) and `fupin import department` (a department's list)."""

from __future__ import annotations

import sys

import polars as pl
from django.core.exceptions import PermissionDenied

from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.accounts.scope import OutOfScope
from fupin.core.cli_support import UsageError, check_input
from fupin.core.cluster import ClusterError
from fupin.core.output import emit
from fupin.core.privacy import id_for
from fupin.core.tables import FileUnreadable
from fupin.monitoring import services, sources
from fupin.regions.where import explain_no_households, resolve_region

OUT_OF_SCOPE = "该地区不在您的管辖范围内，或您无权执行此操作 / outside your scope, or you may not do this"


def monitor_command(args) -> int:
    user = user_from_arg(args.user)
    where = resolve_region(args, user)
    try:
        report = services.run_batch(user, args.year, where.region, dask=args.dask)
    except (OutOfScope, ClusterError) as e:
        print(e, file=sys.stderr)
        return 1
    except PermissionDenied:
        print(OUT_OF_SCOPE, file=sys.stderr)
        return 1
    except services.MonitoringError as e:
        raise UsageError(str(e)) from None
    explain_no_households(where.code, args.year)
    df = pl.DataFrame(
        report.rows(),
        schema={
            "signal_id": pl.String,
            "label_zh": pl.String,
            "label_en": pl.String,
            "households": pl.Int64,
            "new": pl.Int64,
        },
    )
    if args.format == "table":
        print(
            f"{args.year} 年 监测批处理 / monitoring batch: {report.households} 户 households, "
            f"{report.signals} 条信号 signals, 新增预警 {report.new} new alerts, "
            f"已有 {report.existing} already known",
            file=sys.stderr,
        )
    log_cli_output(
        user,
        "monitoring.batch",
        df.height,
        fmt=args.format,
        out=args.out,
        masked=True,
        year=args.year,
        region=args.region,
    )
    emit(df, args.format, args.out, sheet="监测预警")
    return 0


def import_department_command(args) -> int:
    user = user_from_arg(args.user)
    if args.source not in sources.SOURCES:
        raise UsageError(f"未知的数据来源 / unknown source: {args.source} ({', '.join(sources.SOURCES)})")
    check_input(args.file)
    try:
        batch = services.import_department(user, args.file, source=args.source, year=args.year)
    except FileUnreadable as e:  # there, but not a table we can read: the file is rejected
        print(str(e), file=sys.stderr)
        print("已拒绝，未保存任何数据 / rejected, nothing saved", file=sys.stderr)
        return 1
    except PermissionDenied:
        print(OUT_OF_SCOPE, file=sys.stderr)
        return 1
    except services.MonitoringError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(
        f"{batch.file_name}: {batch.rows} 行 rows; " + ", ".join(f"{k} {v}" for k, v in batch.counts.items())
    )
    print(f"新增预警 new alerts: {batch.alerts_new}; 已有 already known: {batch.alerts_existing}")
    if batch.problem_rows:
        print("未匹配的行 / rows not matched:")
        for r in batch.problem_rows:
            shown_id = r["id_number_raw"] if user is None else id_for(user, r["id_number_raw"])
            print(
                f"  第{r['_row']}行 row {r['_row']}: {shown_id or ''} {r['name_raw'] or ''} — "
                f"{r['message_zh']} / {r['message_en']}"
            )
        shown = len(batch.problem_rows)
        total = sum(v for k, v in batch.counts.items() if k not in ("signal", "below_threshold"))
        if total > shown:
            print(f"  … 另有 {total - shown} 行见工作簿 / {total - shown} more in the workbook")
    if batch.unmatched_file:
        print(f"未匹配行工作簿 / unmatched-rows workbook: {batch.unmatched_file}")
    return 0
