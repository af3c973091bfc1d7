"""三个一万人 — the headline counts a provincial leader reads (domain.md §8.3, §6.2): remaining poor, 脱贫不稳定户,
边缘易致贫户 and 突发严重困难户, in households and persons, by region and year; and the exits by year of
households (脱贫), villages (出列) and counties (摘帽).

Definitions (the same as the statistics page and the monitoring dashboard):

- remaining poor in year Y: the household-years of Y with a poor status (POOR_STATUSES); persons = the
  household's size that year;
- monitored at the end of year Y, by type: the household's latest identification that made it monitored
  (approved, or on the green channel and still open) dated Y or before, with no approved elimination after
  it closed Y or before (monitoring/selectors.monitored_frame, seen at a year's end). Its type is that
  identification's; its persons are the household's size in Y (or in its latest year before Y), counted
  in its village of that year (or, without a registry year, the case's village).

Every count is one pass over the frames: rows are folded into villages first, then every level adds up
the (few) village rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from fupin.engine.regions import COUNTY, LEVEL_PREFIX_LEN, VILLAGE
from fupin.engine.schema import MONITOR_TYPES, POOR_STATUSES
from fupin.engine.stats import unit_code

GROUPS = ("poor", *MONITOR_TYPES)
HEADLINE_COUNTS = (
    *(f"{g}_{unit}" for g in GROUPS for unit in ("households", "persons")),
    "monitored_households",
    "monitored_persons",
)
EXIT_COUNTS = ("exited_households", "exited_persons", "villages_out", "counties_out")


def _years(years: Sequence[int]) -> pl.LazyFrame:
    return pl.DataFrame({"year": sorted({int(y) for y in years})}, schema={"year": pl.Int64}).lazy()


def monitored_by_year(cases: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """The households monitored at the end of each year of `years`: household_id, year, monitor_type and
    case_village (the village of the identification that made it monitored). `cases`: schema.CASES."""
    ys = _years(years)
    lf = cases.lazy().with_columns(pl.col("outcome").fill_null(""), pl.col("green_channel").fill_null(False))
    green_open = pl.col("green_channel") & (pl.col("outcome") == "")
    ident = (
        lf.filter((pl.col("kind") == "identification") & ((pl.col("outcome") == "approved") | green_open))
        .with_columns(
            pl.when(pl.col("green_channel"))
            .then(pl.col("opened_on"))
            .otherwise(pl.col("closed_on"))
            .dt.year()
            .cast(pl.Int64)
            .alias("since")
        )
        .join(ys, how="cross")
        .filter(pl.col("since") <= pl.col("year"))
        .sort("id")
        .group_by("household_id", "year")
        .agg(
            pl.col("id").last(), pl.col("monitor_type").last(), pl.col("village").last().alias("case_village")
        )
    )
    elim = (
        lf.filter((pl.col("kind") == "elimination") & (pl.col("outcome") == "approved"))
        .with_columns(pl.col("closed_on").dt.year().cast(pl.Int64).alias("until"))
        .join(ys, how="cross")
        .filter(pl.col("until") <= pl.col("year"))
        .group_by("household_id", "year")
        .agg(pl.col("id").max().alias("elim_id"))
    )
    return (
        ident.join(elim, on=["household_id", "year"], how="left")
        .filter(pl.col("elim_id").is_null() | (pl.col("elim_id") < pl.col("id")))
        .select("household_id", "year", "monitor_type", "case_village")
        .sort("year", "household_id")
        .collect()
    )


def _group_rows(household_years: pl.DataFrame, cases: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """village, year, group, size: one row per counted household and year (poor, or monitored by type)."""
    hy = household_years.select(
        pl.col("household_id").cast(pl.Int64),
        pl.col("village").cast(pl.String),
        pl.col("year").cast(pl.Int64),
        pl.col("status").cast(pl.String),
        pl.col("size").cast(pl.Int64),
    )
    poor = hy.filter(pl.col("year").is_in(years) & pl.col("status").is_in(POOR_STATUSES)).select(
        "village", "year", pl.lit("poor").alias("group"), "size"
    )
    monitored = monitored_by_year(cases, years)
    # only the monitored households' years are placed: a province's registry need not be sorted whole
    theirs = hy.join(monitored.select("household_id").unique(), on="household_id", how="semi")
    placed = (
        monitored.sort("year")
        .join_asof(
            theirs.select("household_id", "year", "village", "size").sort("year"),
            on="year",
            by="household_id",
            strategy="backward",
            check_sortedness=False,  # both sorted by year above; Polars cannot check it within groups
        )
        .select(
            pl.coalesce("village", "case_village").alias("village"),
            "year",
            pl.col("monitor_type").alias("group"),
            pl.col("size").fill_null(0),
        )
        .filter(pl.col("group").is_in(MONITOR_TYPES) & pl.col("village").is_not_null())
    )
    return pl.concat([poor, placed])


def headline_counts(
    household_years: pl.DataFrame,
    cases: pl.DataFrame,
    regions: pl.DataFrame,
    *,
    years: Sequence[int],
    level: int | None = None,
) -> pl.DataFrame:
    """One row per region of `regions` and year of `years` (zeros where nothing is counted): region_code,
    region_name, [level,] year and HEADLINE_COUNTS — `<group>_households` and `<group>_persons` for the
    remaining poor and each monitoring type, and the monitored households and persons of all three types.

    `household_years`: HOUSEHOLD_YEARS of the years wanted and those before (a monitored household's size
    and village come from its latest year up to Y); `cases`: CASES; `regions`: code, name (and level).
    `level`: the level of every region of `regions`, or None when they are of several levels (`level`
    column) — every level is then counted in the same pass; 0 folds everything into the region ''."""
    villages = village_groups(household_years, cases, years=years)
    return headline_from_villages(villages, regions, years=years, level=level)


def village_groups(
    household_years: pl.DataFrame, cases: pl.DataFrame, *, years: Sequence[int]
) -> pl.DataFrame:
    """The one pass over the registry and the cases: per village and year, the households and persons of
    each group. They add up: a run over parts (partitioned.py) gives each part the cases of its households
    and rolls the village rows up with `headline_from_villages`."""
    rows = _group_rows(household_years, cases, sorted({int(y) for y in years}))
    is_group = {g: pl.col("group") == g for g in GROUPS}
    return rows.group_by("village", "year").agg(
        *[is_group[g].sum().cast(pl.Int64).alias(f"{g}_households") for g in GROUPS],
        *[(pl.col("size") * is_group[g]).sum().cast(pl.Int64).alias(f"{g}_persons") for g in GROUPS],
    )


def headline_from_villages(
    villages: pl.DataFrame, regions: pl.DataFrame, *, years: Sequence[int], level: int | None = None
) -> pl.DataFrame:
    """`headline_counts` from the village rows of `village_groups` (those of several parts concatenated)."""
    wanted = sorted({int(y) for y in years})
    sums = [c for c in HEADLINE_COUNTS if not c.startswith("monitored_")]
    levels = [level] if level is not None else list(LEVEL_PREFIX_LEN)
    counted = pl.concat(
        [
            villages.with_columns((unit_code("village", lv) if lv else pl.lit("")).alias("region_code"))
            .group_by("region_code", "year")
            .agg(pl.col(c).sum() for c in sums)
            for lv in levels
        ]
    )
    extra = ["level"] if "level" in regions.columns else []
    return (
        regions.select(pl.col("code").alias("region_code"), pl.col("name").alias("region_name"), *extra)
        .join(_years(wanted).collect(), how="cross")
        .join(counted, on=["region_code", "year"], how="left")
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in sums)
        .with_columns(
            pl.sum_horizontal(f"{t}_households" for t in MONITOR_TYPES).alias("monitored_households"),
            pl.sum_horizontal(f"{t}_persons" for t in MONITOR_TYPES).alias("monitored_persons"),
        )
        .select("region_code", "region_name", *extra, "year", *HEADLINE_COUNTS)
        .sort("region_code", "year")
    )


def exits_by_year(household_years: pl.DataFrame, regions: pl.DataFrame) -> pl.DataFrame:
    """Per exit year, oldest first: households out of poverty (脱贫, each counted once, in the exit year of its
    latest record that has one; persons = that record's size), poor villages out (出列) and poor counties
    out (摘帽). `household_years`: household_id, year, size, exit_year; `regions`: REGION_EXITS."""
    households = (
        household_years.lazy()
        .filter(pl.col("exit_year").is_not_null())
        .sort("year")
        .group_by("household_id")
        .agg(pl.col("exit_year").last().cast(pl.Int64), pl.col("size").last())
        .group_by(pl.col("exit_year").alias("year"))
        .agg(
            pl.len().cast(pl.Int64).alias("exited_households"),
            pl.col("size").sum().cast(pl.Int64).alias("exited_persons"),
        )
    )
    out_regions = (
        regions.lazy()
        .filter(pl.col("is_poor").fill_null(False) & pl.col("exit_year").is_not_null())
        .group_by(pl.col("exit_year").cast(pl.Int64).alias("year"))
        .agg(
            (pl.col("level") == VILLAGE).sum().cast(pl.Int64).alias("villages_out"),
            (pl.col("level") == COUNTY).sum().cast(pl.Int64).alias("counties_out"),
        )
    )
    return (
        households.join(out_regions, on="year", how="full", coalesce=True)
        .with_columns(pl.col(c).fill_null(0) for c in EXIT_COUNTS)
        .select("year", *EXIT_COUNTS)
        .sort("year")
        .collect()
    )


def poor_regions(regions: pl.DataFrame) -> dict[str, int]:
    """How many poor villages and counties `regions` (REGION_EXITS) holds, and how many of them are out."""
    poor = pl.col("is_poor").fill_null(False)
    out = poor & pl.col("exit_year").is_not_null()
    row = regions.select(
        (poor & (pl.col("level") == VILLAGE)).sum().alias("poor_villages"),
        (out & (pl.col("level") == VILLAGE)).sum().alias("villages_out"),
        (poor & (pl.col("level") == COUNTY)).sum().alias("poor_counties"),
        (out & (pl.col("level") == COUNTY)).sum().alias("counties_out"),
    ).row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}
