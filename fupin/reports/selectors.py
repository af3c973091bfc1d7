"""Reads of the reports: the frames the runs and the statistics page compute from, one SELECT each, always
within a region subtree (`prefix`, the code prefix of a region inside the user's scope)."""

from __future__ import annotations

import polars as pl

from fupin.core.frames import read_sql, table
from fupin.engine import schema
from fupin.monitoring.models import Case
from fupin.regions.models import Region, RegionPopulation
from fupin.registry.models import Household, HouseholdYear
from fupin.registry.selectors import snapshot_household_years

INCOME_COLUMNS = ["wage_income", "business_income", "property_income", "transfer_income", "business_cost"]


def household_labels(prefix: str) -> pl.DataFrame:
    """Household id, number (户编号) and head's name of the households in the subtree."""
    return read_sql(
        f"SELECT id AS household_id, household_no, head_name FROM {table(Household)} "
        f"WHERE is_deleted = %s AND village_id LIKE %s",
        [False, prefix + "%"],
        schema={"household_id": pl.Int64, "household_no": pl.String, "head_name": pl.String},
    )


def region_names(prefix: str, level: int) -> pl.DataFrame:
    """Code and name of the regions of `level` in the subtree."""
    return read_sql(
        f"SELECT code, name FROM {table(Region)} WHERE level = %s AND code LIKE %s",
        [level, prefix + "%"],
        schema={"code": pl.String, "name": pl.String},
    )


def household_years(prefix: str, year: int) -> pl.DataFrame:
    """schema.HOUSEHOLD_YEARS: village, status and size of the households in the subtree in `year`."""
    if (hy := snapshot_household_years(prefix, pl.col("year") == year)) is not None:
        return hy.select(*schema.HOUSEHOLD_YEARS)
    return read_sql(
        f"SELECT y.household_id, h.village_id AS village, y.year, y.status, y.size "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year = %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year, False, False, prefix + "%"],
        schema=schema.HOUSEHOLD_YEARS,
    )


def rural_population(prefix: str, year: int, level: int) -> pl.DataFrame:
    """schema.POPULATION: the rural population (农业户籍人口) of the regions of `level` in the subtree."""
    return read_sql(
        f"SELECT p.region_id AS region_code, p.year, p.rural_population FROM {table(RegionPopulation)} p "
        f"JOIN {table(Region)} r ON r.code = p.region_id WHERE p.year = %s AND r.level = %s AND p.region_id LIKE %s",
        [year, level, prefix + "%"],
        schema=schema.POPULATION,
    )


def household_incomes(prefix: str, year_from: int, year_to: int) -> pl.DataFrame:
    """Year, status, size and the income columns of the households in the subtree, `year_from`–`year_to`."""
    cols = INCOME_COLUMNS
    year = pl.col("year")
    if (hy := snapshot_household_years(prefix, year.is_between(year_from, year_to))) is not None:
        return hy.select("year", "status", "size", *cols)
    return read_sql(
        f"SELECT y.year, y.status, y.size, {', '.join('y.' + c for c in cols)} "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year BETWEEN %s AND %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year_from, year_to, False, False, prefix + "%"],
        schema={c: schema.HOUSEHOLD_YEAR_FRAME[c] for c in ["year", "status", "size", *cols]},
    )


HY_EXITS = {**schema.HOUSEHOLD_YEARS, "exit_year": pl.Int64}  # household years with their exit year


def household_years_to(prefix: str, year_to: int) -> pl.DataFrame:
    """household_id, village, year, status, size, exit_year of every live household-year up to `year_to`."""
    if (hy := snapshot_household_years(prefix, pl.col("year") <= year_to)) is not None:
        return hy.select(*HY_EXITS)
    return read_sql(
        f"SELECT y.household_id, h.village_id AS village, y.year, y.status, y.size, y.exit_year "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year <= %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year_to, False, False, prefix + "%"],
        schema=HY_EXITS,
    )


def monitoring_cases(prefix: str) -> pl.DataFrame:
    """The monitoring cases of the region subtree (schema.CASES)."""
    return read_sql(
        f"SELECT id, household_id, region_id AS village, kind, outcome, green_channel, opened_on, closed_on, "
        f"monitor_type FROM {table(Case)} WHERE region_id LIKE %s",
        [prefix + "%"],
        schema=schema.CASES,
    )


def regions_with_status(
    prefix: str, *, level: int | None = None, codes: list[str] | None = None
) -> pl.DataFrame:
    """code, name, level, is_poor, poverty_status, exit_year of the regions asked for."""
    where, params = ["code LIKE %s"], [prefix + "%"]
    if level is not None:
        where.append("level = %s")
        params.append(level)
    if codes is not None:
        where.append(f"code IN ({', '.join(['%s'] * len(codes))})" if codes else "1 = 0")
        params += codes
    return read_sql(
        f"SELECT code, name, level, is_poor, poverty_status, exit_year FROM {table(Region)} "
        f"WHERE {' AND '.join(where)} ORDER BY code",
        params,
        schema={**schema.REGIONS, **schema.REGION_EXITS, "poverty_status": pl.String},
    )


def regions_at(prefix: str, level: int, *, and_below: bool = False) -> pl.DataFrame:
    """code, name, level of the subtree's regions at `level` (and every level below with `and_below`)."""
    return read_sql(
        f"SELECT code, name, level FROM {table(Region)} WHERE level {'>=' if and_below else '='} %s "
        f"AND code LIKE %s",
        [level, prefix + "%"],
        schema=schema.REGIONS,
    )


def populations(prefix: str, year: int) -> pl.DataFrame:
    """region_code, year, rural_population of every region of the subtree with a denominator in `year`."""
    return read_sql(
        f"SELECT region_id AS region_code, year, rural_population FROM {table(RegionPopulation)} "
        f"WHERE year = %s AND region_id LIKE %s",
        [year, prefix + "%"],
        schema=schema.POPULATION,
    )
