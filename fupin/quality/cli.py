"""`fupin quality --year Y [--region CODE] [--family quality|integrity] [--format table|csv|json|xlsx]
[--out FILE] [--user U]`: run the rule catalogue, update the findings worklist, print the count table
(错误类型/错误条数) — of one rule family with `--family` (integrity: the anti-"数字脱贫" checks, 防数字脱贫)."""

from __future__ import annotations

import json
import sys

import polars as pl
from django.core.exceptions import PermissionDenied

from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.accounts.scope import BadRegionCode, OutOfScope
from fupin.core.cli_support import UsageError
from fupin.core.cluster import ClusterError
from fupin.core.exports import write_csv
from fupin.core.output import deliver, table_text
from fupin.quality import exports, selectors, services
from fupin.quality.codes import RULE_FAMILY
from fupin.regions.where import explain_no_households, region_label, resolve_region


def _counts(run, family: str | None = None) -> pl.DataFrame:
    """Every rule of the catalogue (of `family`) with its count in this run (catalogue order)."""
    return pl.DataFrame(
        [
            {
                "rule_id": r.id,
                "severity": r.severity,
                "message_zh": r.message_zh,
                "message_en": r.message_en,
                "count": int(run.counts.get(r.id, 0)),
            }
            for r in selectors.RULES
            if family is None or selectors.family_of(r.id) == family
        ]
    )


def _table(run, counts: pl.DataFrame, family: str | None = None) -> str:
    shown = counts.filter(pl.col("count") > 0).rename(  # the names the 建档立卡 system's quality report uses
        {
            "rule_id": "规则编号 / rule",
            "message_zh": "错误类型 / type of error",
            "message_en": "英文说明 / in English",
            "count": "错误条数 / count",
        }
    )
    body = table_text(shown, str_lengths=80) if shown.height else "没有发现问题 / no findings"
    title = "数据质量 / data quality"
    if family:
        title = f"{RULE_FAMILY.get(family).zh} / {RULE_FAMILY.get(family).en}"
    listed = ""
    if family:
        listed = f"本类 {int(counts['count'].sum())} 条 / {int(counts['count'].sum())} of this family; "
    return (
        f"{title}  {run.year}  {region_label(run.region_code or '')}\n{body}\n{listed}"
        f"合计 {run.findings} 条 / {run.findings} findings; 新增 {run.created} new, "
        f"重新打开 {run.reopened} reopened, 已消除 {run.resolved} resolved ({run.seconds:.2f} s)"
    )


def quality_command(args) -> int:
    user = user_from_arg(args.user)
    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件 / --format xlsx needs --out FILE")
    where = resolve_region(args, user)
    try:
        run = services.run_quality(user, args.year, where.region, dask=args.dask)
    except (OutOfScope, ClusterError) as e:
        print(e, file=sys.stderr)
        return 1
    except PermissionDenied as e:
        print(str(e), file=sys.stderr)
        return 1
    except (services.QualityInputError, BadRegionCode) as e:
        raise UsageError(str(e)) from None
    explain_no_households(where.code, run.year)
    family = getattr(args, "family", None)
    counts = _counts(run, family)
    if args.format == "xlsx":
        if user is not None and not user.can("exports"):
            print("您的角色不能导出数据 / your role may not export data", file=sys.stderr)
            return 1
        findings = selectors.findings_for(user, year=run.year, region=run.region_code or None, family=family)
        exports.export_findings(
            user,
            findings,
            filters={"year": run.year, "region": run.region_code, "family": family},
            channel="cli",
            target=args.out,
        )
        print(args.out)
        return 0
    log_cli_output(
        user,
        "quality.counts",
        counts.height,
        fmt=args.format,
        out=args.out,
        masked=True,
        year=run.year,
        region=run.region_code,
        family=family,
    )
    if args.format == "json":
        text = json.dumps(
            {
                "year": run.year,
                "region": run.region_code,
                "family": family,
                "findings": run.findings,
                "created": run.created,
                "reopened": run.reopened,
                "resolved": run.resolved,
                "rules": counts.to_dicts(),
            },
            ensure_ascii=False,
            indent=2,
        )
    elif args.format == "csv":
        text = write_csv(counts)
    else:
        text = _table(run, counts, family)
    deliver(text, args.out)
    return 0
