"""What the registry snapshot holds and how it is made from the store's tables (no Django here: the build
runs in a child process on SQLite, see core/columnar.py).

The four registry tables are read whole, as they are — one table a query, no join, no order: sequential
scans, the fastest read either database has — and joined, filtered and ordered here, in Polars, into the
engine's two frames exactly as `registry.selectors.registry_frames` selects them through the cursor (a
test compares the two). Each frame keeps the household's `village` for the readers' region filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import polars as pl

from fupin.engine import schema


class Table(NamedTuple):
    sql: str  # over one table, no WHERE (the build adds a range of the key)
    schema: dict[str, pl.DataType]
    table: str  # and its alias in the query
    key: str  # its integer primary key, as the query names it


VERSION_SQL = "SELECT token, version FROM registry_registryversion WHERE id = 1"

# The member's own columns of schema.MEMBER_FRAME (the rest come from the membership period).
MEMBER_COLUMNS = {
    c: t for c, t in schema.MEMBER_FRAME.items() if c not in ("member_id", "household_id", "relation")
}
MEMBER_FRAME_ORDER = ["member_id", "household_id", "relation", *MEMBER_COLUMNS, *schema.MEMBERSHIP_COLUMNS]
YEAR_COLUMNS = {c: t for c, t in schema.HOUSEHOLD_YEAR_FRAME.items() if c != "village"}


def column(alias: str, name: str, dtype: pl.DataType, vendor: str) -> str:
    """A column, cast where SQLite's stored type varies (decimals) and to a double on PostgreSQL (numeric
    would come as text)."""
    if dtype != pl.Float64:
        return f"{alias}.{name}"
    return f"CAST({alias}.{name} AS {'DOUBLE PRECISION' if vendor == 'postgresql' else 'REAL'}) AS {name}"


def tables(vendor: str) -> dict[str, Table]:
    """Each table's query and the types of its columns."""

    def cols(alias: str, types: dict[str, pl.DataType]) -> str:
        return ", ".join(column(alias, c, t, vendor) for c, t in types.items())

    return {
        "households": Table(
            "SELECT h.id AS household_id, h.village_id AS village, h.is_deleted FROM registry_household h",
            {"household_id": pl.Int64, "village": pl.String, "is_deleted": pl.Boolean},
            "registry_household h",
            "h.id",
        ),
        "years": Table(
            f"SELECT y.is_deleted, {cols('y', YEAR_COLUMNS)} FROM registry_householdyear y",
            {**YEAR_COLUMNS, "is_deleted": pl.Boolean},
            "registry_householdyear y",
            "y.id",
        ),
        "members": Table(
            f"SELECT m.id AS member_id, m.is_deleted, {cols('m', MEMBER_COLUMNS)} FROM registry_member m",
            {"member_id": pl.Int64, **MEMBER_COLUMNS, "is_deleted": pl.Boolean},
            "registry_member m",
            "m.id",
        ),
        "memberships": Table(
            "SELECT p.member_id, p.household_id, p.relation, p.start_reason, p.start_date, p.end_date "
            "FROM registry_membership p",
            {
                "member_id": pl.Int64,
                "household_id": pl.Int64,
                "relation": pl.String,
                "start_reason": pl.String,
                **schema.MEMBERSHIP_COLUMNS,
            },
            "registry_membership p",
            "p.id",
        ),
    }


def assemble(raw: dict[str, pl.DataFrame]) -> Iterator[tuple[str, pl.DataFrame]]:
    """The raw tables (taken from `raw` as they are used, to free them) → household_years
    (HOUSEHOLD_YEAR_FRAME, by household and year), then members (one row per membership period,
    MEMBER_FRAME_ORDER + village, by household and member): one at a time, so that the caller writes and
    frees each before the next is made (a province's members frame is ≈ 3.5 GB)."""
    live = ~pl.col("is_deleted")
    households = raw.pop("households").filter(live).drop("is_deleted")
    years = raw.pop("years").filter(live).sort("household_id", "year")
    yield (
        "household_years",
        years.join(households, on="household_id", how="inner", maintain_order="left").select(
            *schema.HOUSEHOLD_YEAR_FRAME
        ),
    )
    del years
    # Ordered on the narrow periods, then joined keeping that order: the wide frame is never sorted.
    # A period that began with the first registration counts for every earlier year: no start date.
    registered = pl.col("start_reason") == "registered"
    periods = (
        raw.pop("memberships")
        .with_columns(pl.when(registered).then(None).otherwise(pl.col("start_date")).alias("start_date"))
        .drop("start_reason")
        .join(households, on="household_id", how="inner")
        .sort("household_id", "member_id")
    )
    people = raw.pop("members").filter(live).drop("is_deleted")
    yield (
        "members",
        periods.join(people, on="member_id", how="inner", maintain_order="left").select(
            *MEMBER_FRAME_ORDER, "village"
        ),
    )
