"""Columnar reads of the store into Polars frames (the engine's input), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import polars as pl
from django.db import connection


def read_sql(sql: str, params: list | tuple = (), schema: dict | None = None) -> pl.DataFrame:
    """Run a query through Django's connection and return a frame (one fetch, no per-row objects).

    Built column by column, each with its dtype from `schema` when given: faster than from rows."""
    schema = schema or {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame(
        [
            pl.Series(n, list(c), dtype=schema.get(n), strict=False)
            for n, c in zip(names, columns, strict=True)
        ]
    )


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def registry_frames(prefix: str = "", years: list[int] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's two registry frames for the region subtree `prefix` (schema.HOUSEHOLD_YEAR_FRAME and
    schema.MEMBER_FRAME + MEMBERSHIP_COLUMNS), one SELECT each, ordered by household.

    Members come one row per membership period, so a person who moved counts in each household for its
    years. A period that began with the first registration has no start date: it counts for every earlier
    year too (the registry does not know when such a person joined).
    """
    from fupin.engine import schema
    from fupin.registry.models import Household, HouseholdYear, Member, Membership

    hy_cols = [c for c in schema.HOUSEHOLD_YEAR_FRAME if c not in ("village", "household_id")]
    year_filter = ""
    params: list = [False, False, prefix + "%"]
    if years:
        year_filter = f" AND y.year IN ({', '.join(['%s'] * len(years))})"
        params += list(years)
    household_years = read_sql(
        f"SELECT y.household_id, h.village_id AS village, {', '.join('y.' + c for c in hy_cols)} "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s{year_filter} "
        f"ORDER BY y.household_id, y.year",
        params,
        schema=schema.HOUSEHOLD_YEAR_FRAME,
    )
    m_cols = [c for c in schema.MEMBER_FRAME if c not in ("member_id", "household_id", "relation")]
    members = read_sql(
        f"SELECT m.id AS member_id, p.household_id, p.relation, {', '.join('m.' + c for c in m_cols)}, "
        f"CASE WHEN p.start_reason = 'registered' THEN NULL ELSE p.start_date END AS start_date, p.end_date "
        f"FROM {table(Membership)} p JOIN {table(Member)} m ON m.id = p.member_id "
        f"JOIN {table(Household)} h ON h.id = p.household_id "
        f"WHERE m.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s ORDER BY p.household_id, m.id",
        [False, False, prefix + "%"],
        schema={**schema.MEMBER_FRAME, **schema.MEMBERSHIP_COLUMNS},
    )
    return household_years, members
