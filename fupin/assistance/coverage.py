"""The coverage worklist: load the frames of a region subtree (one SELECT each), run the engine's checks,
label the findings, export them. Scoped: `region` narrows within the user's scope and never widens it."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from django.utils import timezone

from fupin.accounts import scope
from fupin.accounts.models import ExportLog
from fupin.assistance.models import (
    Assignment,
    Cadre,
    CauseMeasure,
    LeaderContact,
    MeasureType,
    PairedUnit,
    PlanMeasure,
    TeamMember,
    WorkTeam,
)
from fupin.assistance.services import cadre_limit
from fupin.core.exports import cell, workbook
from fupin.core.frames import read_sql, table
from fupin.engine import coverage
from fupin.regions.models import Region
from fupin.registry.models import Household, HouseholdYear


def load_frames(prefix: str, year: int) -> dict[str, pl.DataFrame]:
    like = prefix + "%"
    S = coverage.SCHEMAS
    hh, hy = table(Household), table(HouseholdYear)
    frames = {
        "households": read_sql(
            f"SELECT y.household_id, h.household_no, h.village_id AS village, y.year, y.status, y.main_cause, "
            f"y.other_causes FROM {hy} y JOIN {hh} h ON h.id = y.household_id "
            f"WHERE y.year = %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
            [year, False, False, like],
            S["households"],
        ),
        "assignments": read_sql(
            f"SELECT a.household_id, a.cadre_id, a.start_date, a.end_date FROM {table(Assignment)} a "
            f"JOIN {table(Cadre)} c ON c.id = a.cadre_id WHERE c.region_id LIKE %s "
            f"OR a.household_id IN (SELECT id FROM {hh} WHERE village_id LIKE %s)",
            [like, like],
            S["assignments"],
        ),
        "measures": read_sql(
            f"SELECT m.id AS measure_id, m.household_id, m.year, t.code AS measure_code, m.status, m.end_date, "
            f"m.result FROM {table(PlanMeasure)} m JOIN {table(MeasureType)} t ON t.id = m.measure_type_id "
            f"JOIN {hh} h ON h.id = m.household_id WHERE m.year = %s AND h.village_id LIKE %s",
            [year, like],
            S["measures"],
        ),
        "cause_measures": read_sql(
            f"SELECT s.cause, t.code AS measure_code FROM {table(CauseMeasure)} s "
            f"JOIN {table(MeasureType)} t ON t.id = s.measure_type_id",
            [],
            S["cause_measures"],
        ),
        "cadres": read_sql(
            f"SELECT id AS cadre_id, name, region_id AS region FROM {table(Cadre)} WHERE region_id LIKE %s",
            [like],
            S["cadres"],
        ),
        "villages": read_sql(
            f"SELECT code, name, is_poor FROM {table(Region)} WHERE level = %s AND code LIKE %s",
            [5, like],
            S["villages"],
        ),
        "teams": read_sql(
            f"SELECT id AS team_id, village_id AS village, start_date, end_date FROM {table(WorkTeam)} "
            f"WHERE village_id LIKE %s",
            [like],
            S["teams"],
        ),
        "team_members": read_sql(
            f"SELECT m.team_id, m.is_first_secretary, m.start_date, m.end_date FROM {table(TeamMember)} m "
            f"JOIN {table(WorkTeam)} t ON t.id = m.team_id WHERE t.village_id LIKE %s",
            [like],
            S["team_members"],
        ),
        "paired_units": read_sql(
            f"SELECT region_id AS region_code, start_date, end_date FROM {table(PairedUnit)} "
            f"WHERE region_id LIKE %s",
            [like],
            S["paired_units"],
        ),
        "leaders": read_sql(
            f"SELECT region_id AS region_code, level, start_date, end_date FROM {table(LeaderContact)} "
            f"WHERE region_id LIKE %s",
            [like],
            S["leaders"],
        ),
    }
    # read_sql infers types from the rows; an empty result has none: give every frame its schema
    return {
        k: (df if df.height else coverage.empty(k)).select(list(S[k])).cast(S[k]) for k, df in frames.items()
    }


def as_of_for(year: int) -> date:
    today = timezone.localdate()
    return min(today, date(year, 12, 31))


def findings_for(user, *, year: int, region: str | None = None, check: str | None = None) -> pl.DataFrame:
    """The coverage findings of the user's scope (narrowed to `region`), for `year`."""
    where = scope.resolve(user, region)
    prefix = where.prefix
    frames = load_frames(prefix, year)
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
    ws = wb.add_worksheet("问题清单")
    ws.write_row(0, 0, [zh for _k, zh, _en in EXPORT_COLUMNS], bold)
    for i, row in enumerate(df.select([k for k, _zh, _en in EXPORT_COLUMNS]).iter_rows(), start=1):
        ws.write_row(i, 0, ["" if cell(v) is None else v for v in row])
    ws.set_column(0, len(EXPORT_COLUMNS), 16)
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
