"""Exports of the household list: frames built from `.values()` (no per-row ORM), masked, logged.

The household sheet has the import workbook's columns (so an export can be edited and imported back)
plus the derived figures; code columns carry the Chinese labels, which the importer accepts.
"""

from __future__ import annotations

import io

import polars as pl
from django.db.models import F, QuerySet

from fupin.accounts.models import ExportLog
from fupin.core.exports import workbook, write_csv, write_sheet
from fupin.core.privacy import masked_frame
from fupin.registry.columns import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_COLUMNS, MEMBER_SHEET, Column
from fupin.registry.models import HouseholdYear, Member

# Derived or descriptive columns the workbook does not import but a reader wants.
EXTRA_HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("village_name", "村", "text", en="Village"),
    Column("head_name", "户主", "text", en="Head of household"),
    Column("size", "人数", "int", en="Household size"),
    Column("net_income", "家庭纯收入", "amount", en="Net income"),
    Column("net_income_per_capita", "人均纯收入", "amount", en="Per-capita net income"),
)
EXTRA_MEMBER_COLUMNS: tuple[Column, ...] = (Column("birth_date", "出生日期", "date", en="Date of birth"),)

_HOUSEHOLD_SOURCES = {
    "household_no": F("household__household_no"),
    "region_code": F("household__village_id"),
    "village_name": F("household__village__name"),
    "head_name": F("household__head_name"),
    "phone": F("household__phone"),
}


def _schema(columns: tuple[Column, ...]) -> dict[str, pl.DataType]:
    kinds = {"int": pl.Int64, "year": pl.Int64, "amount": pl.Float64}
    return {c.key: kinds.get(c.kind, pl.String) for c in columns}


def _labels(columns: tuple[Column, ...]) -> list[pl.Expr]:
    """Code columns → Chinese labels, one vectorised replace per column ('a,b' lists joined with 、)."""
    out = []
    for c in columns:
        if c.codelist is None:
            continue
        mapping = {code.code: code.zh for code in c.codelist}
        if c.kind == "codes":
            out.append(
                pl.col(c.key)
                .str.split(",")
                .list.eval(pl.element().replace(mapping))
                .list.join("、")
                .alias(c.key)
            )
        else:
            out.append(pl.col(c.key).replace(mapping).alias(c.key))
    return out


def household_frame(rows: QuerySet[HouseholdYear]) -> pl.DataFrame:
    columns = (
        *HOUSEHOLD_COLUMNS[:3],
        *EXTRA_HOUSEHOLD_COLUMNS[:3],
        *HOUSEHOLD_COLUMNS[3:],
        *EXTRA_HOUSEHOLD_COLUMNS[3:],
    )
    fields = [c.key for c in columns if c.key not in _HOUSEHOLD_SOURCES]
    values = rows.order_by().values(*fields, **_HOUSEHOLD_SOURCES)
    df = pl.from_dicts(list(values), schema=_schema(columns) | {"water_safe": pl.Boolean}, strict=False)
    df = df.with_columns(
        pl.col("water_safe").replace_strict({True: "1", False: "0"}, default=None, return_dtype=pl.String)
    )
    return df.with_columns(_labels(columns)).select([c.key for c in columns])


def member_frame(rows: QuerySet[HouseholdYear]) -> pl.DataFrame:
    columns = (*MEMBER_COLUMNS[:3], *EXTRA_MEMBER_COLUMNS, *MEMBER_COLUMNS[3:])
    bools = ("medical_insurance", "pension_insurance", "dibao", "tekun")
    members = (
        Member.objects.filter(household_id__in=rows.order_by().values("household_id"), is_deleted=False)
        .order_by("household__household_no", "id")
        .values(
            *[c.key for c in columns if c.key != "household_no"], household_no=F("household__household_no")
        )
    )
    schema = _schema(columns) | {b: pl.Boolean for b in bools} | {"birth_date": pl.Date}
    df = pl.from_dicts(list(members), schema=schema, strict=False)
    df = df.with_columns(
        [
            pl.col(b).replace_strict({True: "1", False: "0"}, default=None, return_dtype=pl.String)
            for b in bools
        ]
        + [pl.col("birth_date").dt.strftime("%Y-%m-%d")]
    )
    return df.with_columns(_labels(columns)).select([c.key for c in columns])


def _zh_headers(df: pl.DataFrame) -> pl.DataFrame:
    zh = {
        c.key: c.zh
        for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *EXTRA_HOUSEHOLD_COLUMNS, *EXTRA_MEMBER_COLUMNS)
    }
    return df.rename({k: zh[k] for k in df.columns if k in zh})


def write_xlsx(sheets: dict[str, pl.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with workbook(buf) as wb:
        for name, df in sheets.items():
            write_sheet(wb, df, name, table_style=None, autofit=True, freeze_panes=(1, 0), float_precision=2)
    return buf.getvalue()


def export_households(
    user, rows: QuerySet[HouseholdYear], *, fmt: str, filters: dict, channel: str = "web"
) -> tuple[bytes, int]:
    """The filtered list as xlsx (户 + 成员 sheets) or csv (户 only, UTF-8 with BOM for Excel), logged."""
    households = masked_frame(household_frame(rows), user)
    sheets = {HOUSEHOLD_SHEET: _zh_headers(households)}
    if fmt == "xlsx":
        sheets[MEMBER_SHEET] = _zh_headers(masked_frame(member_frame(rows), user))
        data = write_xlsx(sheets)
    else:
        data = "\ufeff".encode() + write_csv(sheets[HOUSEHOLD_SHEET]).encode()
    masked = not (user.can("sees_id_numbers") and user.can("sees_phone_numbers"))
    ExportLog.objects.create(
        user=user,
        kind=f"households.{fmt}",
        channel=channel,
        filters=filters,
        rows=households.height,
        masked=masked,
    )
    return data, households.height
