"""Validated registry rows in the one canonical form the bulk writer compares and writes: the fields of a
household, a yearly record and a member; text "" for blank, amounts as integer cents, booleans as 0/1/null,
dates as ISO strings (the form `writers.py` reads the store in); the derived values (a household's head
and size, a year's net income and income per head); and the values the database accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from fupin.registry.writers import AMOUNTS, BOOLS, DATES, INTS

HOUSEHOLD_FIELDS = ("village_id", "phone")
HOUSEHOLD_DERIVED = ("head_name", "size")
YEAR_FIELDS = (
    "household_type",
    "status",
    "poverty_type",
    "standard",
    "main_cause",
    "other_causes",
    "identified_year",
    "exit_year",
    "housing_grade",
    "water_safe",
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_cost",
    "out_of_pocket",
)
YEAR_DERIVED = ("size", "net_income", "net_income_per_capita")
MEMBER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "relation",
    "health",
    "labour",
    "education",
    "school",
    "work_status",
    "work_months",
    "medical_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
    "disability_cert",
)
INCOME = ("wage_income", "business_income", "property_income", "transfer_income")
COSTS = ("business_cost",)


# --- canonical form ----------------------------------------------------------------------------


def _cents(name: str, dtype: pl.DataType) -> pl.Expr:
    c = pl.col(name)
    if dtype == pl.String:
        c = c.str.replace_all(",", "").cast(pl.Float64, strict=False)
    if isinstance(dtype, pl.Decimal):
        return (c * 100).cast(pl.Int64)
    return (c.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def _canonical(frame: pl.DataFrame, names: Sequence[str], keep: Sequence[str]) -> pl.DataFrame:
    """`keep` columns as they are + `names` in canonical types (absent columns → blank/null)."""
    exprs: list[pl.Expr] = [pl.col(k) for k in keep]
    schema = frame.schema
    for n in names:
        if n not in schema:
            if n in AMOUNTS:
                exprs.append(pl.lit(0, pl.Int64).alias(n))
            elif n in INTS:
                exprs.append(pl.lit(None, pl.Int64).alias(n))
            elif n in BOOLS:
                exprs.append(pl.lit(None, pl.Int8).alias(n))
            else:
                exprs.append(pl.lit("", pl.String).alias(n))
            continue
        dtype = schema[n]
        if n in AMOUNTS:
            exprs.append(_cents(n, dtype).fill_null(0).alias(n))
        elif n in INTS:
            exprs.append(pl.col(n).cast(pl.Int64, strict=False).alias(n))
        elif n in BOOLS:
            e = pl.col(n)
            if dtype == pl.String:
                e = pl.col(n).replace_strict(
                    {"1": 1, "0": 0, "true": 1, "false": 0}, default=None, return_dtype=pl.Int8
                )
            exprs.append(e.cast(pl.Int8).alias(n))
        elif n in DATES:
            exprs.append(pl.col(n).cast(pl.String).alias(n))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(n).list.join(",").fill_null("").alias(n))
        else:
            exprs.append(pl.col(n).cast(pl.String).fill_null("").alias(n))
    return frame.select(exprs)


def canonical_households(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated household rows → household_no, village_id, phone, year + YEAR_FIELDS (canonical)."""
    frame = frame.rename({"region_code": "village_id"}) if "region_code" in frame.columns else frame
    out = _canonical(frame, (*HOUSEHOLD_FIELDS, *YEAR_FIELDS), ("household_no",))
    return out.with_columns(frame["year"].cast(pl.Int64).alias("year"))


def canonical_members(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated member rows → household_no, id_number + MEMBER_FIELDS (canonical)."""
    return _canonical(frame, MEMBER_FIELDS, ("household_no", "id_number"))


def derive_households(members: pl.DataFrame) -> pl.DataFrame:
    """Current members (household_no, name, relation) → household_no, size, head_name."""
    return members.group_by("household_no").agg(
        pl.len().cast(pl.Int64).alias("size"),
        pl.col("name").filter(pl.col("relation") == "head").first().fill_null("").alias("head_name"),
    )


def derive_years(years: pl.DataFrame) -> pl.DataFrame:
    """Add net_income (cents) and net_income_per_capita (cents, half-up; null when size is 0)."""
    net = pl.sum_horizontal(INCOME) - pl.sum_horizontal(COSTS)
    size = pl.col("size")
    per = ((pl.col("net_income").abs() * 2 + size) // (2 * size)) * pl.col("net_income").sign()
    return years.with_columns(net.cast(pl.Int64).alias("net_income")).with_columns(
        pl.when(size > 0).then(per).otherwise(None).cast(pl.Int64).alias("net_income_per_capita")
    )


# --- values for the store ------------------------------------------------------------------


def db_values(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Canonical columns → values the database accepts (amounts as '12.34' strings, bools as bool)."""
    exprs = []
    for n in names:
        if n in AMOUNTS:
            c = pl.col(n)
            exprs.append(
                pl.when(c.is_null())
                .then(None)
                .otherwise(
                    pl.format(
                        "{}{}.{}",
                        pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                        c.abs() // 100,
                        (c.abs() % 100).cast(pl.String).str.zfill(2),
                    )
                )
                .alias(n)
            )
        elif n in BOOLS:
            exprs.append(pl.col(n).cast(pl.Boolean).alias(n))
        else:
            exprs.append(pl.col(n))
    return frame.select(exprs)
