"""Exports of the household list: frames built from `.values()` (no per-row ORM), masked, logged.

The household sheet has the import workbook's columns (so an export can be edited and imported back)
plus the derived figures; code columns carry the Chinese labels, which the importer accepts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import polars as pl
from django.db.models import F, QuerySet

from fupin.accounts.models import ExportLog
from fupin.core.exports import BATCH_ROWS, ExportFile, batches, write_csv_batches, write_xlsx_batches
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


def _household_columns() -> tuple[Column, ...]:
    return (
        *HOUSEHOLD_COLUMNS[:3],
        *EXTRA_HOUSEHOLD_COLUMNS[:3],
        *HOUSEHOLD_COLUMNS[3:],
        *EXTRA_HOUSEHOLD_COLUMNS[3:],
    )


def household_frames(rows: QuerySet[HouseholdYear], size: int | None = None) -> Iterator[pl.DataFrame]:
    """The households sheet, `size` rows at a time (read through a cursor, never all at once)."""
    size = size or BATCH_ROWS
    columns = _household_columns()
    fields = [c.key for c in columns if c.key not in _HOUSEHOLD_SOURCES]
    values = rows.order_by().values(*fields, **_HOUSEHOLD_SOURCES).iterator(chunk_size=size)
    for df in batches(values, _schema(columns) | {"water_safe": pl.Boolean}, size):
        df = df.with_columns(
            pl.col("water_safe").replace_strict({True: "1", False: "0"}, default=None, return_dtype=pl.String)
        )
        yield df.with_columns(_labels(columns)).select([c.key for c in columns])


def household_frame(rows: QuerySet[HouseholdYear]) -> pl.DataFrame:
    return pl.concat(list(household_frames(rows)))


def member_frames(rows: QuerySet[HouseholdYear], size: int | None = None) -> Iterator[pl.DataFrame]:
    """The members sheet of the households of `rows`, `size` rows at a time."""
    size = size or BATCH_ROWS
    columns = (*MEMBER_COLUMNS[:3], *EXTRA_MEMBER_COLUMNS, *MEMBER_COLUMNS[3:])
    bools = ("medical_insurance", "pension_insurance", "dibao", "tekun")
    members = (
        Member.objects.filter(household_id__in=rows.order_by().values("household_id"), is_deleted=False)
        .order_by("household__household_no", "id")
        .values(
            *[c.key for c in columns if c.key != "household_no"], household_no=F("household__household_no")
        )
        .iterator(chunk_size=size)
    )
    schema = _schema(columns) | {b: pl.Boolean for b in bools} | {"birth_date": pl.Date}
    for df in batches(members, schema, size):
        df = df.with_columns(
            [
                pl.col(b).replace_strict({True: "1", False: "0"}, default=None, return_dtype=pl.String)
                for b in bools
            ]
            + [pl.col("birth_date").dt.strftime("%Y-%m-%d")]
        )
        yield df.with_columns(_labels(columns)).select([c.key for c in columns])


def member_frame(rows: QuerySet[HouseholdYear]) -> pl.DataFrame:
    return pl.concat(list(member_frames(rows)))


def _zh_headers(df: pl.DataFrame) -> pl.DataFrame:
    zh = {
        c.key: c.zh
        for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *EXTRA_HOUSEHOLD_COLUMNS, *EXTRA_MEMBER_COLUMNS)
    }
    return df.rename({k: zh[k] for k in df.columns if k in zh})


def _sheet(frames: Iterator[pl.DataFrame], user) -> Iterator[pl.DataFrame]:
    """Masked for the user's role, with the workbook's Chinese headers."""
    for df in frames:
        yield _zh_headers(masked_frame(df, user))


SHEET_OPTIONS = {"autofit": True, "freeze_panes": (1, 0), "float_precision": 2}


def export_households(
    user, rows: QuerySet[HouseholdYear], *, fmt: str, filters: dict, channel: str = "web"
) -> tuple[ExportFile, int]:
    """The filtered list as xlsx (户 + 成员 sheets), csv (户 only), or zip (户.csv + 成员.csv: what the
    import reads back whatever the number of rows, where a sheet stops at Excel's limit), CSV in UTF-8
    with BOM for Excel; written a batch at a time into an export file, and logged."""
    out = ExportFile(f".{fmt}")
    try:
        households = _sheet(household_frames(rows), user)
        if fmt == "xlsx":
            counts = write_xlsx_batches(
                out.path,
                [
                    (HOUSEHOLD_SHEET, households, SHEET_OPTIONS),
                    (MEMBER_SHEET, _sheet(member_frames(rows), user), SHEET_OPTIONS),
                ],
            )
            n = counts[HOUSEHOLD_SHEET]
        elif fmt == "zip":
            with zipfile.ZipFile(out.path, "w", zipfile.ZIP_DEFLATED) as zf:
                with zf.open(f"{HOUSEHOLD_SHEET}.csv", "w", force_zip64=True) as f:
                    n = write_csv_batches(f, households, bom=True)
                with zf.open(f"{MEMBER_SHEET}.csv", "w", force_zip64=True) as f:
                    write_csv_batches(f, _sheet(member_frames(rows), user), bom=True)
        else:
            n = write_csv_batches(out.path, households, bom=True)
    except BaseException:
        out.discard()
        raise
    masked = not (user.can("sees_id_numbers") and user.can("sees_phone_numbers"))
    ExportLog.objects.create(
        user=user, kind=f"households.{fmt}", channel=channel, filters=filters, rows=n, masked=masked
    )
    return out, n
