"""Registry statistics (domain.md §8.1): households, persons, poor, incidence against the denominators."""

from __future__ import annotations

import polars as pl

from fupin.engine.schema import LEVEL_PREFIX_LEN, POOR_STATUSES


def unit_code(col: str, level: int) -> pl.Expr:
    """The code of the level-`level` region that contains each 12-digit code."""
    return pl.col(col).str.slice(0, LEVEL_PREFIX_LEN[level]).str.pad_end(12, "0")


def counts_by_region(household_years: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, *,
                     year: int, level: int) -> pl.DataFrame:
    """One row per region of `regions` (all at `level`): households, persons, poor households and
    persons in `year`, the rural registered population and incidence (null where no denominator).

    `household_years` holds the rows of any years; regions without households get zeros.
    """
    hy = household_years.filter(pl.col("year") == year).with_columns(
        unit_code("village", level).alias("region_code"),
        pl.col("status").is_in(POOR_STATUSES).alias("_poor"))
    counts = hy.group_by("region_code").agg(
        pl.len().alias("households"),
        pl.col("size").sum().alias("persons"),
        pl.col("_poor").sum().alias("poor_households"),
        (pl.col("size") * pl.col("_poor")).sum().alias("poor_persons"),
    )
    denominators = population.filter(pl.col("year") == year).select("region_code", "rural_population")
    zero = ["households", "persons", "poor_households", "poor_persons"]
    return (
        regions.select(pl.col("code").alias("region_code"), pl.col("name").alias("region_name"))
        .join(counts, on="region_code", how="left")
        .join(denominators, on="region_code", how="left")
        .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in zero])
        .with_columns(
            pl.lit(year, pl.Int64).alias("year"),
            pl.when(pl.col("rural_population") > 0)
            .then((pl.col("poor_persons") / pl.col("rural_population") * 100).round(2))
            .alias("incidence_pct"),
        )
        .select("region_code", "region_name", "year", *zero, "rural_population", "incidence_pct")
        .sort("region_code")
    )
