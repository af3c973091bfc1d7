"""`fupin stats`: counts, incidence and income by region, scoped to the acting user's region."""

from __future__ import annotations

import sys

import polars as pl

from fupin.core.cli_support import explain_no_households, resolve_region
from fupin.core.commands import UsageError, user_from_arg
from fupin.core.exports import log_cli_output
from fupin.core.frames import read_sql, table
from fupin.core.output import emit
from fupin.engine import schema
from fupin.engine.stats import counts_by_region, counts_by_tree
from fupin.regions.codes import LEVEL_PREFIX_LEN, RegionCodeError, level_of, normalise
from fupin.regions.models import Region, RegionPopulation
from fupin.registry.models import Household, HouseholdYear

LEVELS = {"province": 1, "city": 2, "county": 3, "township": 4, "village": 5}


class OutOfScope(Exception):
    pass


def region_stats(user, *, year: int, region: str | None = None, by: str | None = None) -> pl.DataFrame:
    """The statistics table for `region` (default: the user's region), its sub-regions at level `by`, or
    with `by="all"` the region and every region below it that has households or a denominator."""
    scope = user.scope_prefix if user else ""
    if region:
        code = normalise(region)
        if not code.startswith(scope):
            raise OutOfScope(code)
    elif user is not None and user.region_id:
        code = user.region_id
    else:
        code = None
    prefix = code[: LEVEL_PREFIX_LEN[level_of(code)]] if code else ""
    whole_tree = by == "all"
    level = (level_of(code) if code else 1) if whole_tree or not by else LEVELS[by]

    hy = read_sql(
        f"SELECT y.household_id, h.village_id AS village, y.year, y.status, y.size "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year = %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year, False, False, prefix + "%"],
        schema=schema.HOUSEHOLD_YEARS,
    )
    regions = read_sql(
        f"SELECT code, name, level FROM {table(Region)} WHERE level {'>=' if whole_tree else '='} %s "
        f"AND code LIKE %s",
        [level, prefix + "%"],
        schema=schema.REGIONS,
    )
    population = read_sql(
        f"SELECT region_id AS region_code, year, rural_population FROM {table(RegionPopulation)} "
        f"WHERE year = %s AND region_id LIKE %s",
        [year, prefix + "%"],
        schema=schema.POPULATION,
    )
    if whole_tree:  # every level from the region down, in one pass over the registry
        out = counts_by_tree(hy, regions, population, year=year)
        return out.filter(
            (pl.col("households") > 0)
            | pl.col("rural_population").is_not_null()
            | (pl.col("region_code") == (code or ""))
        )
    out = counts_by_region(hy, regions, population, year=year, level=level)
    if code is None or level > level_of(code):
        out = out.filter((pl.col("households") > 0) | pl.col("rural_population").is_not_null())
    return out


def stats_command(args) -> int:
    user = user_from_arg(args.user)
    where = resolve_region(args, user)
    try:
        df = region_stats(user, year=args.year, region=where.region, by=args.by)
    except RegionCodeError:
        raise UsageError(f"行政区划代码格式错误 / bad region code: {args.region}") from None
    except OutOfScope:
        print(f"该地区不在您的管辖范围内 / region outside your scope: {args.region}", file=sys.stderr)
        return 1
    explain_no_households(where.code, args.year)
    log_cli_output(
        user,
        "reports.statistics",
        df.height,
        fmt=args.format,
        out=args.out,
        masked=True,
        year=args.year,
        region=args.region,
        by=args.by,
    )
    emit(df, args.format, args.out, sheet="统计")
    return 0
