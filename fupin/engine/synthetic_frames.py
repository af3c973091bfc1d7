"""Synthetic registry frames in memory (vectorised numpy + Polars), for engine tests and benchmarks.

The frames follow schema.HOUSEHOLD_YEAR_FRAME and schema.MEMBER_FRAME; code columns are Polars Enums
over the code lists (what a columnar load would give), and a small share of rows carry the data errors
the quality rules look for. Not realistic statistics: shapes and rates are plausible, that is all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from fupin import codes

_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def _enum(cl: codes.CodeList) -> pl.Enum:
    return pl.Enum(cl.values)


def _pick(rng: np.random.Generator, values: Sequence[str], p: Sequence[float], n: int) -> np.ndarray:
    return rng.choice(np.array(values, dtype=object), n, p=np.array(p) / np.sum(p))


def _codes(
    rng: np.random.Generator, cl: codes.CodeList, values: Sequence[str], p: Sequence[float], n: int
) -> pl.Series:
    idx = rng.choice(len(values), n, p=np.array(p, dtype=float) / np.sum(p))
    cats = pl.Series(values, dtype=_enum(cl))
    return cats.gather(idx)


def id_numbers(region6: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> pl.Series:
    """18-digit ID numbers with correct check digits, from region codes, YYYYMMDD births and 3-digit
    sequence numbers (odd = male)."""
    n17 = region6.astype(np.int64) * 10**11 + birth.astype(np.int64) * 1000 + seq.astype(np.int64)
    s = np.zeros(len(n17), dtype=np.int64)
    x = n17.copy()
    for w in _W[::-1]:
        s += (x % 10) * w
        x //= 10
    check = (12 - s % 11) % 11
    chars = pl.Series(list("0123456789X")).gather(check)
    return pl.Series(n17).cast(pl.String) + chars


CHUNK = 250_000  # households generated at a time: bounds the numpy temporaries


def registry(n_households: int, *, year: int = 2020, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(household_years, members) for one year: `n_households` households of 1–6 members, ids from 1,
    both frames ordered by household_id (as the store returns them)."""
    n_villages = max(1, n_households // 300)
    hys, mems, first_member = [], [], 1
    for i, start in enumerate(range(0, n_households, CHUNK)):
        n = min(CHUNK, n_households - start)
        hy, members = _chunk(np.random.default_rng([seed, i]), start + 1, first_member, n, n_villages, year)
        first_member += members.height
        hys.append(hy)
        mems.append(members)
    return pl.concat(hys, rechunk=False), pl.concat(mems, rechunk=False)


def county_registry(
    county6: int,
    n_households: int,
    *,
    first_household: int,
    first_member: int,
    year: int = 2020,
    seed: int = 7,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(household_years, members) of one county `county6` (e.g. 520526): `n_households` households in
    villages of 300 households, ids from `first_household` and `first_member` — a nation is generated a
    county at a time (where its part of the registry lives, bench/nation_bench.py)."""
    rng = np.random.default_rng([seed, county6])
    return _chunk(
        rng, first_household, first_member, n_households, max(1, n_households // 300), year, county6
    )


def _chunk(
    rng: np.random.Generator,
    first_household: int,
    first_member: int,
    n: int,
    n_villages: int,
    year: int,
    in_county: int | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    size = rng.integers(1, 7, n)
    n_p = int(size.sum())
    # villages spread over counties of one western and one central province (or all in `in_county`)
    v = rng.integers(0, n_villages, n)
    county = v // 200
    prov = np.where(county % 2 == 0, 52, 33)
    county6 = prov * 10000 + 100 + (county % 50)  # e.g. 520100 + k
    if in_county is not None:
        county6 = np.full(n, in_county, dtype=np.int64)
    village_code = county6.astype(np.int64) * 10**6 + (v % 200) // 20 * 1000 + 201 + v % 20
    hh_id = np.arange(first_household, first_household + n, dtype=np.int64)

    # members first: the household fields are then made consistent with them (as a cleaned registry is)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    hh_of = np.repeat(hh_id, size)
    first = np.zeros(n_p, dtype=bool)
    first[starts] = True
    age = rng.integers(0, 95, n_p)
    age[first] = rng.integers(25, 85, first.sum())
    by = year - age
    month = rng.integers(1, 13, n_p)
    day = rng.integers(1, 29, n_p)
    rel_other = ["spouse", "son", "daughter", "father", "mother", "grandson", "granddaughter", "other"]
    rel_idx = rng.choice(len(rel_other), n_p, p=[0.3, 0.2, 0.2, 0.05, 0.05, 0.08, 0.08, 0.04])
    rel_idx = np.where(first, -1, rel_idx)
    rel = pl.Series(["head", *rel_other], dtype=_enum(codes.RELATION)).gather(rel_idx + 1)
    head_sex = np.repeat(rng.integers(1, 3, n), size)
    sex = np.where(
        np.isin(rel_idx, [1, 3, 5]),
        1,
        np.where(
            np.isin(rel_idx, [2, 4, 6]),
            2,
            np.where(rel_idx == 0, 3 - head_sex, np.where(first, head_sex, rng.integers(1, 3, n_p))),
        ),
    )
    sex = np.where(rng.random(n_p) < 0.0005, 3 - sex, sex)  # a few relation/sex errors (DQ-C1)
    seq = rng.integers(0, 500, n_p) * 2 + np.where(sex == 1, 1, 0)
    seq = np.where(rng.random(n_p) < 0.0005, seq + 1, seq)  # a few ID/sex mismatches (DQ-A3e)
    region6 = np.repeat(county6, size)
    ids = id_numbers(region6, by * 10000 + month * 100 + day, seq)
    health_idx = rng.choice(4, n_p, p=[0.85, 0.09, 0.03, 0.03])
    health = pl.Series(["healthy", "chronic", "serious", "disabled"], dtype=_enum(codes.HEALTH)).gather(
        health_idx
    )
    child = age < 16
    able = (~child) & (age < 65) & (health_idx == 0)
    labour_idx = np.where(
        child,
        4,
        np.where(
            able, rng.choice(3, n_p, p=[0.8, 0.15, 0.05]), rng.choice([2, 3, 4], n_p, p=[0.4, 0.4, 0.2])
        ),
    )
    labour_idx = np.where(rng.random(n_p) < 0.0005, 0, labour_idx)  # a few children marked as labour (DQ-C4)
    school_idx = np.where(
        age < 6,
        1,
        np.where(age < 12, 2, np.where(age < 15, 3 + (age - 12), np.where(age < 18, 6 + (age - 15), 0))),
    )
    school_idx = np.where((age >= 6) & (age <= 15) & (rng.random(n_p) < 0.002), 0, school_idx)
    school = pl.Series(codes.SCHOOL.values, dtype=_enum(codes.SCHOOL)).gather(school_idx)
    tekun_hh = rng.random(n) < 0.03
    on_tekun = np.repeat(tekun_hh, size)
    labour_idx = np.where(on_tekun & (labour_idx < 2), 2, labour_idx)  # 特困: no able-bodied labour
    labour = pl.Series(codes.LABOUR.values, dtype=_enum(codes.LABOUR)).gather(labour_idx)
    away = able & ~on_tekun & (age >= 18) & (labour_idx < 2) & (rng.random(n_p) < 0.45)
    work = pl.Series(codes.WORK.values, dtype=_enum(codes.WORK)).gather(
        np.where(away, rng.integers(1, 5, n_p), 0)
    )
    months = np.where(away, rng.integers(1, 13, n_p), 0)
    months[rng.random(n_p) < 0.0002] = 13
    died = rng.random(n_p) < 0.004
    death_day = np.where(died, rng.integers(0, 365, n_p), 0)

    def per_hh(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x.astype(np.int64), starts)

    any_away = per_hh(away) > 0
    any_ill = per_hh(np.isin(health_idx, [1, 2])) > 0
    any_disabled = per_hh(health_idx == 3) > 0
    any_student = per_hh(np.isin(school_idx, list(range(1, 16)))) > 0
    other_cause = rng.choice(np.array([3, 4, 5]), n)  # no_capital, no_skill, no_labour
    cause_idx = np.where(
        any_ill, 0, np.where(any_disabled, 1, np.where(any_student & (rng.random(n) < 0.3), 2, other_cause))
    )
    status_vals = ["poor", "exited_policy", "exited_stable", "returned", "not_poor"]
    status_idx = rng.choice(5, n, p=[0.15, 0.55, 0.2, 0.02, 0.08])
    type_idx = np.array([0, 1, 1, 0, 2])[status_idx]
    ptype_idx = np.where(tekun_hh, 2, rng.choice(2, n, p=[0.83, 0.17]))
    on_dibao = np.repeat(ptype_idx == 1, size) & (rng.random(n_p) < 0.9)

    better_off = np.isin(status_idx, [1, 2, 4])
    scale = np.where(better_off, 2.5, 1.0)
    wage = np.where(any_away, np.round(rng.gamma(2.0, 4000, n) * scale, 2), 0.0)
    base_business = rng.gamma(1.5, 2000, n) * scale
    business = np.round(base_business + better_off * rng.gamma(4.0, 1500, n) * size, 2)
    prop = np.round(rng.gamma(0.5, 300, n), 2)
    transfer = np.round(rng.gamma(1.0, 1500, n), 2)
    cost = np.round(base_business * rng.uniform(0.1, 0.5, n), 2)
    cost[rng.random(n) < 0.002] = 0.0
    net = wage + business + prop + transfer - cost
    stored_size = size.copy()
    stored_size[rng.random(n) < 0.001] += 1
    hy = pl.DataFrame(
        {
            "household_id": hh_id,
            "village": pl.Series(village_code).cast(pl.String),
            "year": np.full(n, year, dtype=np.int64),
            "household_type": pl.Series(
                ["poor", "exited", "ordinary"], dtype=_enum(codes.HOUSEHOLD_TYPE)
            ).gather(type_idx),
            "status": pl.Series(status_vals, dtype=_enum(codes.HOUSEHOLD_STATUS)).gather(status_idx),
            "poverty_type": pl.Series(["general", "dibao", "tekun"], dtype=_enum(codes.POVERTY_TYPE)).gather(
                ptype_idx
            ),
            "standard": _codes(rng, codes.STANDARD, ["national", "provincial"], [0.9, 0.1], n),
            "main_cause": pl.Series(
                ["illness", "disability", "schooling", "no_capital", "no_skill", "no_labour"],
                dtype=_enum(codes.CAUSE),
            ).gather(cause_idx),
            "other_causes": pl.Series([None, "no_water", "transport,disaster"], dtype=pl.String).gather(
                rng.choice(3, n, p=[0.9, 0.07, 0.03])
            ),
            "identified_year": rng.integers(2014, 2017, n).astype(np.int64),
            "exit_year": pl.Series(rng.integers(2016, year + 1, n)).scatter(
                np.flatnonzero(~np.isin(status_idx, [1, 2])), None
            ),
            "housing_grade": _codes(
                rng, codes.HOUSING_GRADE, ["A", "B", "C", "D"], [0.7, 0.298, 0.0015, 0.0005], n
            ),
            "water_safe": rng.random(n) > 0.002,
            "wage_income": wage,
            "business_income": business,
            "property_income": prop,
            "transfer_income": transfer,
            "business_cost": cost,
            "out_of_pocket": np.round(rng.gamma(0.6, 2500, n), 2),
            "size": stored_size.astype(np.int64),
            "net_income": np.round(net, 2),
            "net_income_per_capita": np.round(net / stored_size, 2),
        }
    )
    members = pl.DataFrame(
        {
            "member_id": np.arange(first_member, first_member + n_p, dtype=np.int64),
            "household_id": hh_of,
            "id_number": ids,
            "name": pl.Series(["张三", "李四", "王小明", "赵"], dtype=pl.String).gather(
                rng.choice(4, n_p, p=[0.4, 0.4, 0.1999, 0.0001])
            ),
            "sex": pl.Series(["1", "2", "9"], dtype=pl.Enum(["1", "2", "9"])).gather(sex - 1),
            "relation": rel,
            "health": health,
            "labour": labour,
            "education": _codes(
                rng, codes.EDUCATION, ["illiterate", "primary", "junior", "senior"], [0.1, 0.4, 0.4, 0.1], n_p
            ),
            "school": school,
            "work_status": work,
            "work_months": months.astype(np.int64),
            "medical_insurance": rng.random(n_p) > 0.002,
            "pension_insurance": rng.random(n_p) > 0.05,
            "dibao": on_dibao,
            "tekun": on_tekun,
        }
    ).with_columns(
        pl.date(pl.lit(pl.Series(by)), pl.lit(pl.Series(month)), pl.lit(pl.Series(day))).alias("birth_date"),
        pl.when(pl.Series(died))
        .then(pl.date(year, 1, 1) + pl.duration(days=pl.lit(pl.Series(death_day))))
        .alias("death_date"),
        pl.when(pl.col("health") == "disabled")
        .then(pl.col("id_number") + pl.lit("42"))
        .alias("disability_cert"),
    )
    return hy, members


def regions_and_population(hy: pl.DataFrame, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """County regions and their rural populations (registered persons × 4) for `counts_by_region`."""
    counties = (
        hy.group_by(pl.col("village").str.slice(0, 6).str.pad_end(12, "0").alias("code"))
        .agg(pl.col("size").sum().alias("persons"))
        .sort("code")
    )
    regions = counties.select(
        "code", pl.concat_str(pl.lit("县"), pl.col("code")).alias("name"), pl.lit(3, pl.Int64).alias("level")
    )
    population = counties.select(
        pl.col("code").alias("region_code"),
        pl.lit(year, pl.Int64).alias("year"),
        (pl.col("persons") * 4).cast(pl.Int64).alias("rural_population"),
    )
    return regions, population
