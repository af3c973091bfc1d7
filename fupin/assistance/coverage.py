"""The coverage worklist: load the frames of a region subtree (one SELECT each), run the engine's checks,
label the findings, export them. Scoped: `region` narrows within the user's scope and never widens it."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from django.utils import timezone

from fupin.accounts import scope
from fupin.accounts.models import ExportLog
from fupin.assistance.selectors import coverage_frames
from fupin.assistance.services import cadre_limit
from fupin.core.exports import SheetRows, cell, workbook
from fupin.engine import coverage


def as_of_for(year: int) -> date:
    today = timezone.localdate()
    return min(today, date(year, 12, 31))


def findings_for(user, *, year: int, region: str | None = None, check: str | None = None) -> pl.DataFrame:
    """The coverage findings of the user's scope (narrowed to `region`), for `year`."""
    where = scope.resolve(user, region)
    prefix = where.prefix
    frames = coverage_frames(prefix, year)
    limit_region = where.code
    df = coverage.run(frames, year=year, as_of=as_of_for(year), cadre_limit=cadre_limit(year, limit_region))
    if check:
        df = df.filter(pl.col("check_id") == check)
    # a cadre of this scope may carry households elsewhere; keep only findings located in the scope
    return df.filter(pl.col("region_code").fill_null("").str.starts_with(prefix)).sort(
        "check_id", "region_code", "subject", nulls_last=True
    )


EXPORT_COLUMNS = [
    ("check_id", "检查项", "Check"),
    ("severity", "级别", "Severity"),
    ("message_zh", "问题", "Problem"),
    ("message_en", "Problem (English)", "Problem (English)"),
    ("region_code", "行政区划代码", "Region code"),
    ("subject", "对象", "Subject"),
    ("household_no", "户编号", "Household no."),
    ("value", "值", "Value"),
    ("year", "年度", "Year"),
]


def export_xlsx(user, df: pl.DataFrame, *, channel: str, filters: dict) -> bytes:
    """The worklist as a workbook (a summary sheet and a findings sheet), logged in ExportLog."""
    buf = io.BytesIO()
    wb = workbook(buf, in_memory=True)
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("汇总")
    ws.write_row(0, 0, ["检查项 / Check", "问题 / Problem", "条数 / Count"], bold)
    for i, r in enumerate(coverage.summary(df).iter_rows(named=True), start=1):
        ws.write_row(i, 0, [r["check_id"], f"{r['message_zh']} / {r['message_en']}", r["count"]])
    ws.set_column(1, 1, 60)

    def start(ws) -> int:
        ws.write_row(0, 0, [zh for _k, zh, _en in EXPORT_COLUMNS], bold)
        ws.set_column(0, len(EXPORT_COLUMNS), 16)
        return 1

    sheets = SheetRows(wb, "问题清单", start)
    for row in df.select([k for k, _zh, _en in EXPORT_COLUMNS]).iter_rows():
        ws, i = sheets.next()
        ws.write_row(i, 0, ["" if cell(v) is None else v for v in row])
    wb.close()
    ExportLog.objects.create(
        user=user,
        kind="assistance.coverage.xlsx",
        channel=channel,
        filters=filters,
        rows=df.height,
        masked=True,
    )
    return buf.getvalue()
