"""The households of the synthetic county: their numbers and villages, what stays the same for each
(poverty type, causes, the years of identification and exit, phone, …) and their yearly records, with
incomes placed around the poverty line of each year."""

from __future__ import annotations

import numpy as np
import polars as pl

from fupin import codes
from fupin.program.synthetic.labels import label, zh
from fupin.registry.columns import HOUSEHOLD_COLUMNS

# Nominal national poverty lines (domain.md §3.1), used only to place invented incomes around them.
SYNTHETIC_POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


CAUSE_CODES = [
    "illness",
    "disability",
    "schooling",
    "disaster",
    "no_land",
    "no_water",
    "no_skill",
    "no_labour",
    "no_capital",
    "transport",
    "no_motivation",
]
CAUSE_WEIGHTS = np.array([1.0, 0.35, 0.35, 3, 3, 2, 15, 12, 12, 3, 3], dtype=float)
CAUSE_LABELS_ZH = [zh(codes.CAUSE, c) for c in CAUSE_CODES]
STATUS_LABELS = [
    zh(codes.HOUSEHOLD_STATUS, c) for c in ("poor", "exited_policy", "exited_stable", "returned", "removed")
]
HTYPE_LABELS = [zh(codes.HOUSEHOLD_TYPE, c) for c in ("poor", "exited", "ordinary")]
PTYPE_LABELS = [zh(codes.POVERTY_TYPE, c) for c in ("general", "dibao", "tekun")]


def draw_households(rng: np.random.Generator, n: int, villages: pl.DataFrame) -> dict[str, np.ndarray]:
    nv = villages.height
    weights = rng.gamma(2.0, 1.0, size=nv)
    village = np.sort(rng.choice(nv, size=n, p=weights / weights.sum()))
    first = np.searchsorted(village, np.arange(nv))
    seq = np.arange(n) - first[village] + 1
    width = max(4, len(str(int(seq.max(initial=1)))))
    hh_no = pl.select(
        pl.concat_str(
            villages["code"].gather(pl.Series(village)), pl.Series(seq).cast(pl.String).str.zfill(width)
        )
    ).to_series()
    size = rng.choice(7, size=n, p=[0.11, 0.18, 0.23, 0.21, 0.14, 0.08, 0.05]) + 1
    return {"village": village, "household_no": hh_no, "size": size}


def draw_traits(rng: np.random.Generator, n: int, m: dict, a: dict) -> dict[str, np.ndarray]:
    """Constant per household: poverty type, causes, years of identification and exit, phone, …"""
    needs = _needs(n, m, a)
    poverty_type = _poverty_type(rng, n, needs["able_adult"])
    main, other1, other2 = _causes(rng, n, needs)
    years = _years(rng, n)
    phone = _phones(rng, n)
    grade_pre = rng.choice(4, size=n, p=[0.30, 0.40, 0.20, 0.10])
    grade_post = rng.choice(2, size=n, p=[0.55, 0.45])
    water_pre = rng.random(n) < 0.8
    return {
        "poverty_type": poverty_type,
        "main": main,
        "other1": other1,
        "other2": other2,
        **years,
        "phone": phone,
        "grade_pre": grade_pre,
        "grade_post": grade_post,
        "water_pre": water_pre,
        "has_ill": needs["has_ill"],
        "has_serious": needs["has_serious"],
        "workers": needs["workers"],
        "has_elderly": needs["has_elderly"],
        "r_pre": np.where(rng.random(n) < 0.03, rng.uniform(1.0, 1.12, n), rng.uniform(0.62, 0.97, n)),
        "r_exit": rng.uniform(1.08, 1.5, n),
        "target_2024": np.exp(rng.normal(np.log(11000), 0.2, n)).clip(7000, 22000),
        "dip_year": np.where(rng.random(n) < 0.03, rng.integers(2021, 2025, n), 0),
        "has_property": rng.random(n) < 0.5,
    }


def _needs(n: int, m: dict, a: dict) -> dict[str, np.ndarray]:
    """What each household's members make possible or likely: someone ill, disabled, at school, working."""
    h = m["h"]
    age = m["age"]

    def any_(mask: np.ndarray) -> np.ndarray:
        return np.bincount(h, weights=mask.astype(float), minlength=n) > 0

    health = a["health"]
    return {
        "has_ill": any_(np.isin(health, [1, 2, 4, 5])),
        "has_serious": any_(np.isin(health, [2, 4])),
        "has_disabled": any_(np.isin(health, [3, 4, 5])),
        "has_student": any_(a["school"] >= 2),
        "workers": np.bincount(h, weights=(a["work"] > 0).astype(float), minlength=n),
        "able_adult": any_((age >= 16) & (age <= 65) & (a["labour"] <= 2)),
        "has_elderly": any_(age >= 60),
    }


def _poverty_type(rng: np.random.Generator, n: int, able_adult: np.ndarray) -> np.ndarray:
    """0 general, 1 低保, 2 特困: 特困 only where nobody of working age can work; 低保 ≈20%."""
    u = rng.random(n)
    p_tekun = min(1.0, 0.05 * n / max(1, int((~able_adult).sum())))
    tekun = ~able_adult & (u < p_tekun)
    dibao = ~tekun & (rng.random(n) < 0.20 / (1 - tekun.mean() if n else 1))
    return np.where(tekun, 2, np.where(dibao, 1, 0))


def _causes(rng: np.random.Generator, n: int, needs: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The main cause and up to two distinct other causes (-1: none), indices into CAUSE_CODES: weights per
    household, impossible causes zeroed (因病 needs someone ill, …); a Gumbel top-3 draws all in one pass."""
    w = np.tile(CAUSE_WEIGHTS, (n, 1))
    w[:, 0] = np.where(needs["has_ill"], 300.0, 0)
    w[:, 1] = np.where(needs["has_disabled"], 20.0, 0)
    w[:, 2] = np.where(needs["has_student"], 10.0, 0)
    w[:, 7] = np.where(needs["able_adult"], 6.0, 30.0)
    keys = np.log(np.where(w > 0, w, 1e-300)) + rng.gumbel(size=w.shape)
    keys[w <= 0] = -np.inf
    top = np.argsort(-keys, axis=1)[:, :3]
    valid = np.take_along_axis(keys, top, axis=1) > -np.inf
    n_other = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    other1 = np.where((n_other >= 1) & valid[:, 1], top[:, 1], -1)
    other2 = np.where((n_other >= 2) & valid[:, 2], top[:, 2], -1)
    return top[:, 0], other1, other2


def _years(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The years of identification, exit, stable exit (9999: never), return (0: never) and removal (0)."""
    identified = rng.choice(np.arange(2014, 2020), size=n, p=[0.60, 0.10, 0.10, 0.08, 0.07, 0.05])
    exit_draw = rng.choice(np.arange(2016, 2021), size=n, p=[0.15, 0.20, 0.25, 0.25, 0.15])
    exit_year = np.maximum(exit_draw, np.maximum(identified + 1, 2016))
    stable_year = np.where(rng.random(n) < 0.4, exit_year + rng.integers(2, 7, n), 9999)
    return_year = np.where(rng.random(n) < 0.01, rng.integers(exit_year + 1, 2025), 0)
    removed = rng.random(n) < 0.01
    low = np.maximum(identified + 1, 2016)
    removal_year = np.where(removed & (exit_year > low), rng.integers(low, np.maximum(exit_year, low + 1)), 0)
    return {
        "identified": identified,
        "exit": exit_year,
        "stable": stable_year,
        "returned": return_year,
        "removal": removal_year,
    }


def _phones(rng: np.random.Generator, n: int) -> pl.Series:
    """Mobile numbers; 8% of households give none."""
    phone = pl.select(
        pl.concat_str(
            label(PHONE_PREFIXES, rng.integers(0, len(PHONE_PREFIXES), n)),
            pl.Series(rng.integers(0, 10**8, n)).cast(pl.String).str.zfill(8),
        )
    ).to_series()
    return phone.zip_with(pl.Series(rng.random(n) < 0.92), pl.repeat("", n, dtype=pl.String, eager=True))


def draw_years(
    rng: np.random.Generator, hh: dict, t: dict, year_list: list[int], villages: pl.DataFrame
) -> pl.DataFrame:
    """The 户 sheet: one row per household and year from its identification to its removal."""
    n = len(hh["size"])
    ny = len(year_list)
    years = np.tile(np.asarray(year_list), n)
    i = np.repeat(np.arange(n), ny)
    keep = (years >= t["identified"][i]) & ((t["removal"][i] == 0) | (years <= t["removal"][i]))
    i, years = i[keep], years[keep]
    s = _statuses(t, i, years)
    pcni = _income_per_head(rng, t, i, years, s)
    parts = _income_parts(rng, t, i, pcni * hh["size"][i])
    oop = _out_of_pocket(rng, t, i)
    grade = np.where(s["poor"], t["grade_pre"][i], t["grade_post"][i])
    water = np.where(s["poor"], t["water_pre"][i], True)

    def amount(x: np.ndarray) -> pl.Series:
        return pl.Series(x.astype(np.int64)).cast(pl.String)

    idx = pl.Series(i)
    rows = len(i)
    df = pl.DataFrame(
        {
            "household_no": hh["household_no"].gather(idx),
            "year": pl.Series(years).cast(pl.String),
            "region_code": villages["code"].gather(pl.Series(hh["village"][i])),
            "household_type": label(HTYPE_LABELS, s["htype"]),
            "status": label(STATUS_LABELS, s["status"]),
            "poverty_type": label(PTYPE_LABELS, t["poverty_type"][i]),
            "standard": pl.repeat(zh(codes.STANDARD, "national"), rows, dtype=pl.String, eager=True),
            "main_cause": label(CAUSE_LABELS_ZH, t["main"][i]),
            "other_causes": _other_causes(t).gather(idx),
            "identified_year": pl.Series(t["identified"][i]).cast(pl.String),
            "exit_year": s["exit_text"],
            "housing_grade": label(["A", "B", "C", "D"], grade),
            "water_safe": label(["否", "是"], water.astype(int)),
            "wage_income": amount(parts["wage"]),
            "business_income": amount(parts["business"]),
            "property_income": amount(parts["property"]),
            "transfer_income": amount(parts["transfer"]),
            "business_cost": amount(parts["cost"]),
            "out_of_pocket": amount(oop),
            "phone": t["phone"].gather(idx),
        }
    )
    return df.select([c.key for c in HOUSEHOLD_COLUMNS])


def _statuses(t: dict, i: np.ndarray, years: np.ndarray) -> dict:
    """Each record's status in its year: poor until exit, removed in the year of removal, returned in the
    year of return, stable from the year of stable exit; its household type and exit year as typed."""
    exit_y = t["exit"][i]
    removed_now = (t["removal"][i] != 0) & (years == t["removal"][i])
    poor = (years < exit_y) & ~removed_now
    returned = (years == t["returned"][i]) & ~poor & ~removed_now
    stable = (years >= t["stable"][i]) & ~poor & ~returned & ~removed_now
    return {
        "removed_now": removed_now,
        "poor": poor,
        "returned": returned,
        "status": np.select([removed_now, poor, returned, stable], [4, 0, 3, 2], 1),  # STATUS_LABELS
        "htype": np.select([removed_now, poor | (returned & (years <= 2020))], [2, 0], 1),
        "exit_text": pl.Series(np.where(poor | removed_now, -1, exit_y)).cast(pl.String).replace("-1", ""),
    }


def _income_per_head(
    rng: np.random.Generator, t: dict, i: np.ndarray, years: np.ndarray, s: dict
) -> np.ndarray:
    """Net income per head: below the line while poor, above it from exit on, growing towards the
    household's 2024 target (with a dip in a few households' years)."""
    rows = len(i)
    exit_y = t["exit"][i]
    lines = np.full(200, 4000.0)  # by year − 1900
    for y, v in SYNTHETIC_POVERTY_LINES.items():
        lines[y - 1900] = v
    line_row = lines[np.clip(years - 1900, 0, 199)]
    exit_line = lines[np.clip(exit_y - 1900, 0, 199)]
    v0 = exit_line * t["r_exit"][i]
    span = np.maximum(2024 - exit_y, 1)
    # Concave path: most of the gain comes in the first years after exit.
    grown = v0 * (t["target_2024"][i] / v0) ** (np.clip((years - exit_y) / span, 0, None) ** 0.6)
    grown *= np.exp(rng.normal(0, 0.05, rows))
    dip = t["dip_year"][i] == years
    grown = np.where(dip, grown * rng.uniform(0.45, 0.7, rows), grown)
    return np.select(
        [s["removed_now"], s["poor"], s["returned"]],
        [
            line_row * rng.uniform(1.5, 3.0, rows),
            line_row * t["r_pre"][i] * np.exp(rng.normal(0, 0.03, rows)),
            np.where(years <= 2020, line_row, 4500.0) * rng.uniform(0.6, 0.95, rows),
        ],
        grown,
    )


def _income_parts(rng: np.random.Generator, t: dict, i: np.ndarray, net: np.ndarray) -> dict[str, np.ndarray]:
    """The components of net income as shares of it: wages only where someone works away, business always
    (with its costs), property for some, transfers more for assisted households and the elderly."""
    rows = len(i)
    has_worker = t["workers"][i] > 0
    assisted = t["poverty_type"][i] > 0
    g_wage = np.where(has_worker, rng.gamma(4.0, 1.0, rows), 0)
    g_bus = rng.gamma(2.5, 1.0, rows) + 0.3
    g_prop = np.where(t["has_property"][i], rng.gamma(0.5, 0.3, rows), 0)
    g_trans = rng.gamma(1.0 + 3.0 * assisted + 0.8 * t["has_elderly"][i], 0.6, rows) + 0.05
    g = np.stack([g_wage, g_bus, g_prop, g_trans], axis=1)
    share = g / g.sum(axis=1, keepdims=True)
    floor = np.where(has_worker, 0.12, 0.0)
    share[:, 0] = np.maximum(share[:, 0], floor)
    share /= share.sum(axis=1, keepdims=True)
    cost_rate = rng.uniform(0.2, 0.4, rows)
    wage = np.round(share[:, 0] * net)
    business = np.round(share[:, 1] * net / (1 - cost_rate))
    prop = np.round(share[:, 2] * net)
    cost = np.round(business * cost_rate).clip(1, None)
    transfer = np.round(net - wage - prop - (business - cost)).clip(0, None)
    return {"wage": wage, "business": business, "property": prop, "cost": cost, "transfer": transfer}


def _out_of_pocket(rng: np.random.Generator, t: dict, i: np.ndarray) -> np.ndarray:
    """Medical spending out of pocket: large where someone is seriously ill, some where someone is ill."""
    rows = len(i)
    return np.select(
        [t["has_serious"][i], t["has_ill"][i]],
        [rng.uniform(3000, 15000, rows), rng.uniform(800, 4000, rows)],
        np.where(rng.random(rows) < 0.6, 0, rng.uniform(0, 400, rows)),
    ).round()


def _other_causes(t: dict) -> pl.Series:
    """Each household's other causes, as typed: labels joined by commas ("" for none)."""
    causes = CAUSE_LABELS_ZH
    o1 = pl.Series(np.where(t["other1"] >= 0, t["other1"], len(causes)))
    o2 = pl.Series(np.where(t["other2"] >= 0, t["other2"], len(causes)))
    padded = [*causes, None]
    return pl.select(
        pl.concat_str(
            pl.Series(padded, dtype=pl.String).gather(o1),
            pl.Series(padded, dtype=pl.String).gather(o2),
            separator=",",
            ignore_nulls=True,
        ).fill_null("")
    ).to_series()
