"""政协助推行动 indicators: how far the committee members are mobilised and take part, over whole frames.

Pure Polars, no Django. For a year and a grouping of the members (by their level, their region, both or
none), one row per group:

- active_members   members marked active (the denominator of both rates)
- linked_members   active members with at least one household linked by the end of the year
- mobilisation_pct 委员动员面 = linked_members / active_members × 100
- participating    active members with activity in the year: a household linked, a 关键小事 logged or
                   closed, or a post in the consultation space
- participation_pct 委员参与率 = participating / active_members × 100
- households, persons  households linked to the group's active members by the end of the year (N户N人),
                   each household counted once per group
- matters_logged, matters_solved  关键小事 of the group's members logged in the year, closed in the year

Input frames (column: type; dates are pl.Date):
  members  member_id, level, region, active
  links    member_id, household_id, persons, linked_on
  matters  member_id, logged_on, closed_on       (closed_on null = open)
  posts    member_id, posted_on
"""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.datatypes import DataTypeClass

c = pl.col

SCHEMAS: dict[str, dict[str, pl.DataType | DataTypeClass]] = {
    "members": {"member_id": pl.Int64, "level": pl.String, "region": pl.String, "active": pl.Boolean},
    "links": {"member_id": pl.Int64, "household_id": pl.Int64, "persons": pl.Int64, "linked_on": pl.Date},
    "matters": {"member_id": pl.Int64, "logged_on": pl.Date, "closed_on": pl.Date},
    "posts": {"member_id": pl.Int64, "posted_on": pl.Date},
}
GROUPINGS = {"total": [], "level": ["level"], "region": ["region"], "region_level": ["region", "level"]}
COUNTS = (
    "active_members",
    "linked_members",
    "participating",
    "households",
    "persons",
    "matters_logged",
    "matters_solved",
)
COLUMNS = (*COUNTS[:2], "mobilisation_pct", COUNTS[2], "participation_pct", *COUNTS[3:])


def empty(name: str) -> pl.DataFrame:
    """An empty input frame of the given name with its schema."""
    return pl.DataFrame(schema=SCHEMAS[name])


def _in_year(col: str, year: int) -> pl.Expr:
    return c(col).dt.year() == year


def _pct(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(c(denominator) > 0)
        .then((c(numerator) * 100.0 / c(denominator)).round(2))
        .otherwise(None)
        .alias(f"{'mobilisation' if numerator == 'linked_members' else 'participation'}_pct")
    )


def member_activity(
    members: pl.DataFrame, links: pl.DataFrame, matters: pl.DataFrame, posts: pl.DataFrame, year: int
) -> pl.DataFrame:
    """One row per active member: member_id, level, region, linked (a link by the end of the year),
    participating (activity in the year), matters_logged and matters_solved in the year."""
    end = date(year, 12, 31)
    active = members.filter(c("active")).select("member_id", "level", "region")
    linked = links.filter(c("linked_on") <= end).select("member_id").unique()
    acted = pl.concat(
        [
            links.filter(_in_year("linked_on", year)).select("member_id"),
            matters.filter(_in_year("logged_on", year) | _in_year("closed_on", year)).select("member_id"),
            posts.filter(_in_year("posted_on", year)).select("member_id"),
        ]
    ).unique()
    counts = matters.group_by("member_id").agg(
        _in_year("logged_on", year).sum().cast(pl.Int64).alias("matters_logged"),
        _in_year("closed_on", year).fill_null(False).sum().cast(pl.Int64).alias("matters_solved"),
    )
    return (
        active.with_columns(
            c("member_id").is_in(linked["member_id"].implode()).alias("linked"),
            c("member_id").is_in(acted["member_id"].implode()).alias("participating"),
        )
        .join(counts, on="member_id", how="left")
        .with_columns(c("matters_logged").fill_null(0), c("matters_solved").fill_null(0))
    )


def indicators(
    members: pl.DataFrame,
    links: pl.DataFrame,
    matters: pl.DataFrame,
    posts: pl.DataFrame,
    year: int,
    by: str = "total",
) -> pl.DataFrame:
    """The indicators of `year`, one row per group of `by` (a key of GROUPINGS), sorted by the group keys."""
    keys = GROUPINGS[by]
    activity = member_activity(members, links, matters, posts, year)
    per_member = activity.group_by(keys or pl.lit(1).alias("_all")).agg(
        pl.len().cast(pl.Int64).alias("active_members"),
        c("linked").sum().cast(pl.Int64).alias("linked_members"),
        c("participating").sum().cast(pl.Int64).alias("participating"),
        c("matters_logged").sum().cast(pl.Int64),
        c("matters_solved").sum().cast(pl.Int64),
    )
    households = (
        links.filter(c("linked_on") <= date(year, 12, 31))
        .join(activity.select("member_id", *keys), on="member_id", how="inner")
        .with_columns(pl.lit(1).alias("_all"))
        .unique([*(keys or ["_all"]), "household_id"])
        .group_by(keys or "_all")
        .agg(
            pl.len().cast(pl.Int64).alias("households"),
            c("persons").fill_null(0).sum().cast(pl.Int64).alias("persons"),
        )
    )
    out = (
        per_member.join(households, on=keys or "_all", how="left")
        .with_columns(c("households").fill_null(0), c("persons").fill_null(0))
        .with_columns(_pct("linked_members", "active_members"), _pct("participating", "active_members"))
    )
    if keys:
        return out.select(*keys, *COLUMNS).sort(keys)
    if out.height == 0:  # no active member: one row of zeros, the rates undefined
        return pl.DataFrame(
            {k: [0] for k in COUNTS} | {"mobilisation_pct": [None], "participation_pct": [None]},
            schema={k: pl.Int64 for k in COUNTS}
            | {"mobilisation_pct": pl.Float64, "participation_pct": pl.Float64},
        ).select(*COLUMNS)
    return out.select(*COLUMNS)
