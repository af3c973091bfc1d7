"""Registry statistics (domain.md §8.1): households, persons, poor, incidence against the denominators."""

from __future__ import annotations

import polars as pl

from fupin.engine.identification import member_years, prepare_members
from fupin.engine.params import Resolved
from fupin.engine.poverty_measures import fgt
from fupin.engine.regions import LEVEL_PREFIX_LEN
from fupin.engine.schema import POOR_STATUSES

BANDS = ("child", "working_age", "between", "elderly")


def unit_code(col: str, level: int) -> pl.Expr:
    """The code of the level-`level` region that contains each 12-digit code."""
    return pl.col(col).str.slice(0, LEVEL_PREFIX_LEN[level]).str.pad_end(12, "0")


COUNTS = ("households", "persons", "poor_households", "poor_persons")


def village_counts(household_years: pl.DataFrame, year: int) -> pl.DataFrame:
    """The one pass over the registry: the four counts per village for `year`. They add up: a run over
    parts of the registry (partitioned.py) counts each part and rolls the village rows up here."""
    poor = pl.col("status").is_in(POOR_STATUSES)
    return (
        household_years.filter(pl.col("year") == year)
        .group_by("village")
        .agg(
            pl.len().alias("households"),
            pl.col("size").sum().alias("persons"),
            poor.sum().alias("poor_households"),
            (pl.col("size") * poor).sum().alias("poor_persons"),
        )
    )


def _with_denominators(
    counts: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, year: int
) -> pl.DataFrame:
    """Every region of `regions` (zeros where no household), its denominator and incidence."""
    denominators = population.filter(pl.col("year") == year).select("region_code", "rural_population")
    level = ["level"] if "level" in regions.columns else []
    return (
        regions.select(pl.col("code").alias("region_code"), pl.col("name").alias("region_name"), *level)
        .join(counts, on="region_code", how="left")
        .join(denominators, on="region_code", how="left")
        .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS])
        .with_columns(
            pl.lit(year, pl.Int64).alias("year"),
            pl.when(pl.col("rural_population") > 0)
            .then((pl.col("poor_persons") / pl.col("rural_population") * 100).round(2))
            .alias("incidence_pct"),
        )
        .select("region_code", "region_name", *level, "year", *COUNTS, "rural_population", "incidence_pct")
        .sort("region_code")
    )


def counts_by_region(
    household_years: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, *, year: int, level: int
) -> pl.DataFrame:
    """One row per region of `regions` (all at `level`): households, persons, poor households and
    persons in `year`, the rural registered population and incidence (null where no denominator).

    `household_years` holds the rows of any years; regions without households get zeros.
    """
    return counts_from_villages(
        village_counts(household_years, year), regions, population, year=year, level=level
    )


def counts_from_villages(
    villages: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, *, year: int, level: int
) -> pl.DataFrame:
    """`counts_by_region` from the village rows of `village_counts` (those of several parts concatenated)."""
    counts = (
        villages.with_columns(unit_code("village", level).alias("region_code"))
        .group_by("region_code")
        .agg(pl.col(c).sum() for c in COUNTS)
    )
    return _with_denominators(counts, regions.select("code", "name"), population, year)


def counts_by_tree(
    household_years: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, *, year: int
) -> pl.DataFrame:
    """The same figures for every region of `regions` at every level (province to village) in one pass
    over the registry: the households are counted once per village, and each level above adds up the
    (few) village rows. `regions` carries `code`, `name` and `level`."""
    return tree_from_villages(village_counts(household_years, year), regions, population, year=year)


def tree_from_villages(
    villages: pl.DataFrame, regions: pl.DataFrame, population: pl.DataFrame, *, year: int
) -> pl.DataFrame:
    """`counts_by_tree` from the village rows of `village_counts` (those of several parts concatenated)."""
    counts = pl.concat(
        [
            villages.with_columns(unit_code("village", level).alias("region_code"))
            .group_by("region_code")
            .agg(pl.col(c).sum() for c in COUNTS)
            for level in LEVEL_PREFIX_LEN
        ]
    )
    return _with_denominators(counts, regions, population, year)


def poverty_measures_by_region(
    identified: pl.DataFrame,
    *,
    level: int,
    income: str = "net_income_pc",
    line: str = "poverty_line",
    weight: str | None = "members",
) -> pl.DataFrame:
    """FGT P0, P1, P2 (in %) per region at `level` from `identification.identify()` output (village, year,
    per-capita income, the line in force, members). Per person by default (`weight="members"`), per
    household with `weight=None`; households whose income cannot be computed are left out."""
    # FGT by village first (a few thousand groups, no string work on every row), then added up by region:
    # P_α of a region = Σ P_α(village) · population(village) / Σ population
    by_village = fgt(identified, income, line, weight=weight, by=["village", "year"])
    out = (
        by_village.with_columns(unit_code("village", level).alias("region_code"))
        .group_by("region_code", "year")
        .agg(
            pl.col("population").sum(),
            pl.col("poor").sum(),
            *[
                ((pl.col(c) * pl.col("population")).sum() / pl.col("population").sum() * 100)
                .round(4)
                .alias(f"{c}_pct")
                for c in ("P0", "P1", "P2")
            ],
        )
        .sort("region_code", "year")
    )
    return out.select("region_code", "year", "population", "poor", "P0_pct", "P1_pct", "P2_pct")


def age_band_counts(
    members: pl.DataFrame, household_years: pl.DataFrame, params: pl.DataFrame, *, year: int, level: int
) -> pl.DataFrame:
    """Current members per region at `level` and age band (§8.1: <16, working age, elderly), with the band
    limits read from the parameters (age_working_from, age_working_to, age_elderly_from) of each region.

    `members`: schema.MEMBER_FRAME; `household_years`: household_id, village, year. Members aged between
    `age_working_to` and `age_elderly_from` (none with the defaults 59/60) fall in `between`."""
    hy = household_years.filter(pl.col("year") == year).select("household_id", "village", "year")
    R = Resolved(
        params,
        ["age_working_from", "age_working_to", "age_elderly_from"],
        hy.select("village", "year").unique(),
    )
    my = member_years(prepare_members(members), [year]).filter(pl.col("current"))
    lf = R.attach(my.join(hy.lazy(), on=["household_id", "year"], how="inner"))
    age = pl.col("age")
    band = (
        pl.when(age < R["age_working_from"])
        .then(pl.lit("child"))
        .when(age <= R["age_working_to"])
        .then(pl.lit("working_age"))
        .when(age >= R["age_elderly_from"])
        .then(pl.lit("elderly"))
        .otherwise(pl.lit("between"))
    )
    return (
        lf.with_columns(unit_code("village", level).alias("region_code"), band.alias("age_band"))
        .group_by("region_code", "age_band")
        .agg(pl.len().cast(pl.Int64).alias("persons"))
        .collect()
        .pivot(on="age_band", index="region_code", values="persons")
        .pipe(
            lambda df: df.with_columns([pl.lit(0, pl.Int64).alias(b) for b in BANDS if b not in df.columns])
        )
        .select("region_code", *[pl.col(b).fill_null(0) for b in BANDS])
        .sort("region_code")
    )
