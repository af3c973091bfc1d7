"""Excel export of findings: the count table (错误类型/错误条数) and the findings, masked per role, logged."""

from __future__ import annotations

import io

import polars as pl
from django.conf import settings
from django.db.models import F, QuerySet

from fupin.accounts.models import ExportLog
from fupin.core.exports import workbook, write_sheet
from fupin.core.privacy import mask_id_expr, masked_frame
from fupin.quality.codes import FINDING_STATUS, SEVERITY
from fupin.quality.models import Finding
from fupin.quality.selectors import ID_VALUE_RULES, rule_counts

SEVERITY_ZH = {c.code: c.zh for c in SEVERITY}
STATUS_ZH = {c.code: c.zh for c in FINDING_STATUS}
COUNT_HEADERS = {
    "rule_id": "规则编号",
    "severity": "严重程度",
    "message_zh": "错误类型",
    "message_en": "Rule",
    "count": "错误条数",
    "open": "待处理",
}
FINDING_HEADERS = {
    "household_no": "户编号",
    "village_code": "行政区划代码",
    "village_name": "村",
    "year": "年度",
    "member_name": "姓名",
    "id_number": "证件号码",
    "rule_id": "规则编号",
    "severity": "严重程度",
    "message_zh": "问题",
    "message_en": "Finding",
    "value": "值",
    "status": "状态",
    "assignee": "负责人",
    "note": "说明",
    "first_seen_at": "首次发现",
    "last_seen_at": "最近发现",
}
FINDING_SCHEMA = {k: pl.String for k in FINDING_HEADERS} | {
    "year": pl.Int64,
    "first_seen_at": pl.Datetime("us", "UTC"),
    "last_seen_at": pl.Datetime("us", "UTC"),
}


def findings_frame(findings: QuerySet[Finding], user) -> pl.DataFrame:
    """One row per finding (from `.values()`, no per-row ORM), ID numbers masked for roles without them."""
    rows = findings.order_by("household__household_no", "member_id", "rule_id").values(
        "year",
        "rule_id",
        "severity",
        "message_zh",
        "message_en",
        "value",
        "status",
        "note",
        "first_seen_at",
        "last_seen_at",
        household_no=F("household__household_no"),
        village_code=F("household__village_id"),
        village_name=F("household__village__name"),
        member_name=F("member__name"),
        id_number=F("member__id_number"),
        assignee_name=F("assignee__username"),
    )
    rows = [{**r, "assignee": r.pop("assignee_name")} for r in rows]
    df = pl.from_dicts(rows, schema=FINDING_SCHEMA, strict=False).with_columns(
        pl.col("severity").replace(SEVERITY_ZH),
        pl.col("status").replace(STATUS_ZH),
        *[
            pl.col(k).dt.convert_time_zone(settings.TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M")
            for k in ("first_seen_at", "last_seen_at")
        ],
    )
    if user is not None:
        df = masked_frame(df, user, id_cols=("id_number",))
        if not user.can("sees_id_numbers"):  # the value of ID rules is the ID number itself
            df = df.with_columns(
                pl.when(pl.col("rule_id").is_in(list(ID_VALUE_RULES)) & (pl.col("value") != ""))
                .then(mask_id_expr("value"))
                .otherwise(pl.col("value"))
                .alias("value")
            )
    return df.select(list(FINDING_HEADERS))


def counts_frame(findings: QuerySet[Finding]) -> pl.DataFrame:
    counts = rule_counts(findings)
    schema = {
        "rule_id": pl.String,
        "severity": pl.String,
        "message_zh": pl.String,
        "message_en": pl.String,
        "count": pl.Int64,
        "open": pl.Int64,
    }
    df = pl.from_dicts(counts, schema=schema) if counts else pl.DataFrame(schema=schema)
    return df.with_columns(pl.col("severity").replace(SEVERITY_ZH))


def write_workbook(counts: pl.DataFrame, findings: pl.DataFrame, target=None) -> bytes | None:
    """Sheets 错误条数 and 问题清单 with Chinese headers; to `target` (a path) or returned as bytes."""
    buf = io.BytesIO() if target is None else None
    with workbook(buf if target is None else str(target)) as wb:
        for name, df, headers in (
            ("错误条数", counts, COUNT_HEADERS),
            ("问题清单", findings, FINDING_HEADERS),
        ):
            write_sheet(
                wb,
                df.rename({k: v for k, v in headers.items() if k in df.columns}),
                name,
                table_style=None,
                autofit=True,
                freeze_panes=(1, 0),
            )
    return buf.getvalue() if buf is not None else None


def export_findings(user, findings: QuerySet[Finding], *, filters: dict, channel: str, target=None):
    """The workbook of the filtered findings, logged in accounts.ExportLog."""
    frame = findings_frame(findings, user)
    data = write_workbook(counts_frame(findings), frame, target)
    masked = user is not None and not user.can("sees_id_numbers")
    ExportLog.objects.create(
        user=user,
        kind="quality.findings.xlsx",
        channel=channel,
        filters={k: v for k, v in filters.items() if v not in (None, "")},
        rows=frame.height,
        masked=masked,
    )
    return data, frame.height
