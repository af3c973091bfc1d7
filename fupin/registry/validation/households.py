"""Row checks of 户 rows: each row alone and against the store (`Context`), chunk by chunk on a large import."""

from __future__ import annotations

from functools import partial

import polars as pl

from fupin.engine.cleaning import prepare
from fupin.registry.columns import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET
from fupin.registry.validation.cells import TEXT_KEYS, compact, ensure_columns, with_household_no
from fupin.registry.validation.context import Context
from fupin.registry.validation.problems import Problems
from fupin.registry.validation.typed import check_typed

HOUSEHOLD_KEYS_SCHEMA = {
    "_row": pl.Int64,
    "household_no": pl.String,
    "year": pl.Int64,
    "region_code": pl.String,
    "_in_store": pl.Boolean,
}


def check_households(
    raw: pl.DataFrame, ctx: Context, p: Problems, *, year: int | None = None
) -> pl.DataFrame:
    """Row checks of 户 rows; returns the typed rows (`_row`, region_code, the typed columns)."""
    hh = with_household_no(ensure_columns(raw, HOUSEHOLD_COLUMNS))
    if year is not None:
        hh = _year_given(hh, year)
    hh = prepare(hh, [c.key for c in HOUSEHOLD_COLUMNS], text=TEXT_KEYS)
    hh, typed = check_typed(hh, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, p)
    region = _check_region(hh, ctx, p)
    p.add(
        hh,
        pl.col("household_no").is_in(list(ctx.out_of_scope_households)),
        sheet=HOUSEHOLD_SHEET,
        key="household_no",
        rule="scope.household",
        zh="该户属于您管辖范围以外的地区",
        en="this household belongs to a region outside yours",
    )
    out = hh.select(pl.col("_row"), region.alias("region_code"), *typed)
    out = out.with_columns(
        pl.col("water_safe").replace_strict({"1": True, "0": False}, default=None, return_dtype=pl.Boolean)
    )
    _check_years(out, ctx, p)
    return out


def _year_given(hh: pl.DataFrame, year: int) -> pl.DataFrame:
    """The year given for the whole input fills the rows that name none."""
    return hh.with_columns(
        pl.when(pl.col("year").str.strip_chars().str.len_chars() > 0)
        .then(pl.col("year"))
        .otherwise(pl.lit(str(year)))
        .alias("year")
    )


def _check_region(hh: pl.DataFrame, ctx: Context, p: Problems) -> pl.Expr:
    """The village code: given, of the right shape, a known village inside the user's region. Returns the
    expression of the code (null unless of the right shape)."""
    add = partial(p.add, hh, sheet=HOUSEHOLD_SHEET, key="region_code")
    raw_region = compact("region_code").str.replace(r"\.0+$", "")
    region = pl.when(raw_region.str.contains(r"^\d{12}$")).then(raw_region)
    add(raw_region.is_null(), rule="required", zh="行政区划代码不能为空", en="the village code is required")
    add(
        raw_region.is_not_null() & region.is_null(),
        rule="region.shape",
        zh="行政区划代码应为12位村级统计用区划代码",
        en="the region code must be a 12-digit village code",
    )
    known = region.is_in(list(ctx.villages))
    outside = region.is_in(list(ctx.out_of_scope_villages))
    add(
        region.is_not_null() & outside,
        rule="scope.region",
        zh="该村不在您的管辖范围内",
        en="this village is outside your region",
    )
    add(
        region.is_not_null() & ~known & ~outside,
        rule="region.unknown",
        zh="未知的村级区划代码，请先导入区划（fupin import regions）",
        en="unknown village code; import the region list first (fupin import regions)",
    )
    return region


def _check_years(out: pl.DataFrame, ctx: Context, p: Problems) -> None:
    """The years of a typed row: the record's year not in the future, exit not before identification."""
    p.add(
        out,
        pl.col("year") > ctx.today.year,
        sheet=HOUSEHOLD_SHEET,
        key="year",
        rule="year.future",
        zh="年度不能晚于今年",
        en="the year cannot be later than this year",
    )
    p.add(
        out,
        pl.col("exit_year") < pl.col("identified_year"),
        sheet=HOUSEHOLD_SHEET,
        key="exit_year",
        rule="household.exit_before_identified",
        zh="脱贫年度早于识别年度",
        en="the year of exit is before the year identified",
        severity="warning",
    )


def household_keys(households: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """What the cross checks need of typed 户 rows (and whether each household is already stored)."""
    return households.select(
        "_row",
        "household_no",
        "year",
        "region_code",
        pl.col("household_no").is_in(list(ctx.existing_households)).alias("_in_store"),
    ).cast(HOUSEHOLD_KEYS_SCHEMA)
