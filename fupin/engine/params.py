"""Policy parameters keyed by (name, year, region): the engine's only source of thresholds.

A parameter table is a frame of rows (name, region_code, year_from, year_to, value, source) — see
`schema.PARAMS`. `region_code` is '' for the national value, else the 12-digit code of a province, city,
county (or township, village) that overrides it inside its subtree. `year_to` null = still in force. When
several rows match, the most specific region wins (village > township > county > city > province >
national); within one region, the row that started last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from fupin.engine.regions import PREFIX_LENGTHS
from fupin.engine.schema import PARAMS, Frame

# Prefix lengths from the most to the least specific region level; 0 = national.
_LEVELS = (*reversed(PREFIX_LENGTHS), 0)


def make_params(rows: list[tuple[Any, ...]] | list[dict[str, Any]]) -> pl.DataFrame:
    """A parameter frame from (name, region_code, year_from, year_to, value, source) tuples or dicts."""
    if rows and isinstance(rows[0], dict):
        return pl.DataFrame(rows, schema=PARAMS)
    return pl.DataFrame(rows, schema=PARAMS, orient="row")


def override(params: pl.DataFrame, rows: list[tuple[Any, ...]] | list[dict[str, Any]]) -> pl.DataFrame:
    """`params` with extra rows (a province's or county's own values) appended."""
    return pl.concat([params, make_params(rows)], how="vertical")


def _key(col: str, n: int) -> pl.Expr:
    if n == 0:
        return pl.lit("")
    return pl.col(col).str.slice(0, n).str.pad_end(12, "0")


def resolve_table(
    params: pl.DataFrame,
    names: list[str] | tuple[str, ...],
    regions_years: pl.DataFrame,
    *,
    region_col: str = "region_code",
    year_col: str = "year",
) -> pl.DataFrame:
    """For each distinct (region, year) of `regions_years`: one column per parameter name, the value in
    force there (null where none). Joins only, no per-row Python; meant for the distinct pairs (few)."""
    keys = regions_years.select(
        pl.col(region_col).cast(pl.String).alias("_region"), pl.col(year_col).cast(pl.Int64).alias("_year")
    ).unique()
    years = keys.select("_year").unique()
    p = params.filter(pl.col("name").is_in(list(names)))
    # the row in force per (name, region_code, year): latest year_from among those covering the year
    in_force = (
        p.join(years, how="cross")
        .filter(
            (pl.col("year_from") <= pl.col("_year"))
            & (pl.col("year_to").is_null() | (pl.col("year_to") >= pl.col("_year")))
        )
        .sort("year_from")
        .group_by("name", "region_code", "_year")
        .agg(pl.col("value").last())
    )
    wide = in_force.pivot(on="name", index=["region_code", "_year"], values="value")
    for n in names:
        if n not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(n))
    out = keys
    for i, n_chars in enumerate(_LEVELS):
        level = wide.rename({n: f"{n}__{i}" for n in names})
        out = out.with_columns(_key("_region", n_chars).alias("_k")).join(
            level, left_on=["_k", "_year"], right_on=["region_code", "_year"], how="left"
        )
        # a code shorter than the level (e.g. a province code at county level) pads to itself; harmless
    out = out.with_columns([pl.coalesce([f"{n}__{i}" for i in range(len(_LEVELS))]).alias(n) for n in names])
    return out.select(pl.col("_region").alias(region_col), pl.col("_year").alias(year_col), *names)


def resolve(params: pl.DataFrame, name: str, year: int | pl.Series, region_codes: pl.Series) -> pl.Series:
    """The value of parameter `name` for each region code (and year), the most specific override winning.

    `year` is one year for all, or a Series aligned with `region_codes`. Returns a Float64 Series of the
    same length (null where no value is in force).
    """
    frame = pl.DataFrame({"region_code": region_codes.cast(pl.String)}).with_columns(
        (year.cast(pl.Int64) if isinstance(year, pl.Series) else pl.lit(year, pl.Int64)).alias("year")
    )
    table = resolve_table(params, [name], frame)
    return frame.join(table, on=["region_code", "year"], how="left", maintain_order="left")[name]


class Resolved:
    """Parameters resolved over a frame's (region, year) pairs, as Polars expressions.

    `p["poverty_line"]` is a literal when the value is the same everywhere (the common case: no join),
    else a column `_p_poverty_line` that `attach()` joins onto the frame. Rules take a `Resolved` and
    build their expressions from it, so no threshold lives in a rule.
    """

    def __init__(
        self,
        params: pl.DataFrame,
        names: Sequence[str],
        regions_years: pl.DataFrame,
        *,
        region_col: str = "village",
        year_col: str = "year",
    ) -> None:
        self.region_col, self.year_col = region_col, year_col
        self.table = resolve_table(
            params, list(names), regions_years, region_col=region_col, year_col=year_col
        )
        self.constant: dict[str, float | None] = {}
        self.varying: list[str] = []
        for n in names:
            s = self.table[n]
            if s.n_unique() == 1:
                self.constant[n] = s[0]
            else:
                self.varying.append(n)

    def __getitem__(self, name: str) -> pl.Expr:
        if name in self.constant:
            return pl.lit(self.constant[name], pl.Float64)
        if name in self.varying:
            return pl.col(f"_p_{name}")
        raise KeyError(f"parameter {name!r} was not resolved")

    def value(self, name: str) -> float | None:
        """The single value in force everywhere (raises if it varies by region or year)."""
        if name not in self.constant:
            raise ValueError(f"parameter {name!r} varies by region or year")
        return self.constant[name]

    def attach(self, frame: Frame) -> Frame:
        """`frame` with the varying parameters joined on as `_p_<name>` columns."""
        if not self.varying:
            return frame
        t = self.table.select(
            self.region_col, self.year_col, *[pl.col(n).alias(f"_p_{n}") for n in self.varying]
        )
        on = [self.region_col, self.year_col]
        if isinstance(frame, pl.LazyFrame):
            return frame.join(t.lazy(), on=on, how="left", maintain_order="left")
        return frame.join(t, on=on, how="left", maintain_order="left")
