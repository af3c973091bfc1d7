"""Column names and types of the frames the engine reads (loaded from the store by the Django side)."""

import polars as pl

HOUSEHOLD_YEARS = {  # one row per household and year
    "household_id": pl.Int64,
    "village": pl.String,  # 12-digit village code
    "year": pl.Int64,
    "status": pl.String,
    "size": pl.Int64,
}
REGIONS = {"code": pl.String, "name": pl.String, "level": pl.Int64}
POPULATION = {"region_code": pl.String, "year": pl.Int64, "rural_population": pl.Int64}

# 户状态 codes that count as poor in a year (DESIGN.md: 未脱贫 or 返贫).
POOR_STATUSES = ("poor", "returned")
LEVEL_PREFIX_LEN = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
