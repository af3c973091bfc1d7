"""Excel export of findings: the count table (错误类型/错误条数) and the findings, masked per role, logged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import F, QuerySet

from fupin.accounts.models import ExportLog
from fupin.core.exports import BATCH_ROWS, ExportFile, batches, write_xlsx_batches
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


def findings_frames(findings: QuerySet[Finding], user, size: int | None = None) -> Iterator[pl.DataFrame]:
    """One row per finding (from `.values()` through a cursor, no per-row ORM), `size` rows at a time, ID
    numbers masked for roles without them."""
    size = size or BATCH_ROWS
    rows = (
        findings.order_by("household__household_no", "member_id", "rule_id")
        .values(
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
            assignee_name=F("assignee__username"),  # `assignee` is the model's own field
        )
        .iterator(chunk_size=size)
    )
    schema = {("assignee_name" if k == "assignee" else k): t for k, t in FINDING_SCHEMA.items()}
    for df in batches(rows, schema, size):
        yield _finding_cells(df.rename({"assignee_name": "assignee"}), user)


def _finding_cells(df: pl.DataFrame, user) -> pl.DataFrame:
    df = df.with_columns(
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


def findings_frame(findings: QuerySet[Finding], user) -> pl.DataFrame:
    return pl.concat(list(findings_frames(findings, user)))


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


def _headed(frames, headers: dict[str, str]) -> Iterator[pl.DataFrame]:
    for df in frames:
        yield df.rename({k: v for k, v in headers.items() if k in df.columns})


def write_workbook(counts: pl.DataFrame, findings: Iterable[pl.DataFrame], target: str | Path) -> int:
    """Sheets 错误条数 and 问题清单 with Chinese headers into `target`, the findings a batch at a time (constant
    memory); returns the number of findings written."""
    options = {"autofit": True, "freeze_panes": (1, 0)}
    rows = write_xlsx_batches(
        Path(target),
        [
            ("错误条数", _headed([counts], COUNT_HEADERS), options),
            ("问题清单", _headed(findings, FINDING_HEADERS), options),
        ],
    )
    return rows["问题清单"]


def export_findings(user, findings: QuerySet[Finding], *, filters: dict, channel: str, target=None):
    """The workbook of the filtered findings, logged in accounts.ExportLog: written to `target` (a path), or
    to an export file that is returned for the response — `(export file or None, rows)`."""
    out = ExportFile(".xlsx") if target is None else None
    try:
        n = write_workbook(counts_frame(findings), findings_frames(findings, user), target or out.path)
    except BaseException:
        if out is not None:
            out.discard()
        raise
    masked = user is not None and not user.can("sees_id_numbers")
    ExportLog.objects.create(
        user=user,
        kind="quality.findings.xlsx",
        channel=channel,
        filters={k: v for k, v in filters.items() if v not in (None, "")},
        rows=n,
        masked=masked,
    )
    return out, n
