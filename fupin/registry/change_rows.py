"""The history of a bulk save as `Change` rows, built in Polars: a created entity's whole record or an
updated one's changed fields (before and after), and the one row of a created household, whose `after`
holds its fields, its yearly records and its members. Values as JSON: amounts as '1200.50', booleans as
true/false.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from fupin.registry.canonical import MEMBER_FIELDS, YEAR_DERIVED, YEAR_FIELDS
from fupin.registry.writers import AMOUNTS, BOOLS

CHANGE_ROW = ("action", "entity", "entity_id", "household_id", "before", "after")  # + at/user/reason/batch


def _json_value(n: str, field: str | None = None) -> pl.Expr:
    """A canonical column (holding `field`, default `n`) as the JSON-safe value of Change.before/after."""
    c = pl.col(n)
    field = field or n
    if field in AMOUNTS:
        return (
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
    if field in BOOLS:
        return c.cast(pl.Boolean).alias(n)
    return c.alias(n)


def _json_record(names: Sequence[str]) -> pl.Expr:
    return pl.struct([_json_value(n) for n in names]).struct.json_encode()


def _json_changed(names: Sequence[str], suffix: str) -> pl.Expr:
    """{"field": value, ...} over the fields that changed (column `_chg_<field>` true)."""
    pieces = [
        pl.when(pl.col(f"_chg_{n}")).then(
            pl.struct(_json_value(f"{n}{suffix}", n).alias(n))
            .struct.json_encode()
            .str.strip_prefix("{")
            .str.strip_suffix("}")
        )
        for n in names
    ]
    return pl.concat_str([pl.lit("{"), pl.concat_str(pieces, separator=",", ignore_nulls=True), pl.lit("}")])


def change_rows(
    frame: pl.DataFrame, action: str, entity: str, names: Sequence[str], *, created: bool
) -> pl.DataFrame:
    """Change rows for created (`after` = whole record) or updated (changed fields) entities.

    `frame` has id, household_id, the new values under `names` and, for updates, the old values
    under `<name>_old` and `_chg_<name>` flags."""
    if frame.is_empty():
        return pl.DataFrame()
    if created:
        before = pl.lit(None, pl.String)
        after = _json_record(names)
    else:
        before = _json_changed(names, "_old")
        after = _json_changed(names, "")
    return frame.select(
        pl.lit(action).alias("action"),
        pl.lit(entity).alias("entity"),
        pl.col("id").cast(pl.String).alias("entity_id"),
        pl.col("household_id"),
        before.alias("before"),
        after.alias("after"),
    )


def _json_list(frame: pl.DataFrame, names: Sequence[str], alias: str) -> pl.DataFrame:
    """household_id → '[{...},{...}]' of the rows of `frame` (in their order)."""
    return (
        frame.select("household_id", _json_record(names).alias(alias))
        .group_by("household_id", maintain_order=True)
        .agg(pl.concat_str(pl.lit("["), pl.col(alias).str.join(","), pl.lit("]")).alias(alias))
    )


def household_created_rows(
    part: pl.DataFrame, years: pl.DataFrame, members: pl.DataFrame, hnames: Sequence[str]
) -> pl.DataFrame:
    """The Change rows of these created households (id, household_no + `hnames`): `after` holds the
    household's fields, "years" (its yearly records) and "members" (its members), as JSON."""
    ids = part["id"].implode()
    lo, hi = part["id"].min(), part["id"].max()

    def of_part(frame: pl.DataFrame) -> pl.DataFrame:  # frame is sorted by household_id: cut, then filter
        start = frame["household_id"].search_sorted(lo, side="left")
        end = frame["household_id"].search_sorted(hi, side="right")
        return frame.slice(start, end - start).filter(pl.col("household_id").is_in(ids))

    ynames = ("year", *YEAR_FIELDS, *YEAR_DERIVED)
    y = _json_list(of_part(years), ynames, "_years")
    m = _json_list(of_part(members), ("id_number", *MEMBER_FIELDS), "_members")
    fields = _json_record(("household_no", *hnames)).str.strip_suffix("}")
    return (
        part.join(y, left_on="id", right_on="household_id", how="left")
        .join(m, left_on="id", right_on="household_id", how="left")
        .select(
            pl.lit("create").alias("action"),
            pl.lit("household").alias("entity"),
            pl.col("id").cast(pl.String).alias("entity_id"),
            pl.col("id").alias("household_id"),
            pl.lit(None, pl.String).alias("before"),
            pl.concat_str(
                fields,
                pl.lit(',"years":'),
                pl.col("_years").fill_null("[]"),
                pl.lit(',"members":'),
                pl.col("_members").fill_null("[]"),
                pl.lit("}"),
            ).alias("after"),
        )
    )
