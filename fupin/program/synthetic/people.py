"""The people of the synthetic county: who lives in each household (relation, age, sex), their names,
valid ID numbers and birth dates; and the 成员 sheet of them all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from fupin import codes
from fupin.engine import idnumber
from fupin.program.synthetic.attributes import (
    EDUCATION_CODES,
    HEALTH_CODES,
    LABOUR_CODES,
    SCHOOL_CODES,
    WORK_CODES,
)
from fupin.program.synthetic.labels import label, zh
from fupin.registry.columns import MEMBER_COLUMNS

ID_WEIGHTS = np.array(idnumber.WEIGHTS, dtype=np.int64)
ID_CHECK = "10X98765432"

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "龚邵万严覃武戴莫孔向汤禄安管"
)
MALE_CHARS = list("明国华建军平志强文伟勇林海兵成刚洪春德福忠贵富学金光祥荣云杰涛浩宇俊鹏磊超斌发正永胜")
FEMALE_CHARS = list("芳英兰秀梅珍凤琴丽霞燕玉萍红敏艳娟群花美莉婷雪琳静慧娜菊桂翠芬巧莲仙")

# Relation slots, in the order they are laid out inside a household.
HEAD, SPOUSE, PARENT, CHILD, DIL, GRANDCHILD = range(6)

RELATION_LABELS = ["户主", "配偶", "之父", "之母", "之子", "之女", "之儿媳", "之孙子", "之孙女"]


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
        pl.concat_str(label(SURNAMES, surname_idx), label(chars, c1), label(chars, c2))
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
    check = label(list(ID_CHECK), id_check_index(first17))
    ids = pl.select(pl.concat_str(pl.Series(first17).cast(pl.String), check)).to_series()
    return ids, birth


def _ymd(birth: np.ndarray) -> np.ndarray:
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + d


@dataclass
class _Layout:
    """Where each person sits: their household `h`, position `pos` in it and relation slot; the positions
    where the spouses, parents and children of each household end."""

    h: np.ndarray
    pos: np.ndarray
    slot: np.ndarray
    t_spouse: np.ndarray
    t_parent: np.ndarray
    first_child: np.ndarray  # the eldest child (the son of an extended household)


def draw_members(rng: np.random.Generator, hh: dict, county_code: str, as_of: dt.date) -> dict:
    """Every person of every household: slot and relation, age, sex, name, ID number and birth date."""
    comp = _composition(rng, hh["size"])
    lay = _layout(hh["size"], comp)
    age, coin = _ages(rng, comp, lay)
    male, relation = _sexes(comp, lay, coin)
    surname = _surnames(rng, comp, lay, male)
    birth = _births(rng, age, as_of)
    id_numbers, birth = _id_numbers(county_code, birth, male)
    names = _names(rng, surname, male)
    return {
        "h": lay.h,
        "slot": lay.slot,
        "relation": relation,
        "relation_labels": RELATION_LABELS,
        "age": age,
        "male": male,
        "birth": birth,
        "id_number": id_numbers,
        "name": names,
        "comp": comp,
    }


def _layout(size: np.ndarray, comp: dict) -> _Layout:
    """Each household's people laid out in order: head, spouse, parents, children, daughter-in-law,
    grandchildren."""
    total = int(size.sum())
    h = np.repeat(np.arange(len(size)), size)
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
    first_child = (slot == CHILD) & (pos == t_parent[h])
    return _Layout(h, pos, slot, t_spouse, t_parent, first_child)


def _ages(rng: np.random.Generator, comp: dict, lay: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Each person's age, from the head's and the generations between; and a coin per person (drawn here,
    in its place among the draws) for the sex the slot leaves open."""
    h, slot = lay.h, lay.slot
    n, total = len(comp["head_age"]), len(h)
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
    age = np.select(
        [
            slot == HEAD,
            slot == SPOUSE,
            slot == PARENT,
            (slot == CHILD) & lay.first_child & comp["extended"][h],
            slot == CHILD,
            slot == DIL,
        ],
        [head_age[h], spouse_age[h], parent_age, son_age[h], child_age, dil_age[h]],
        grand_age,
    ).astype(int)
    return age, coin


def _sexes(comp: dict, lay: _Layout, coin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's sex and relation to the head (an index into RELATION_LABELS)."""
    h, slot, head_male = lay.h, lay.slot, comp["head_male"]
    # Parents: two → father then mother; one → either.
    father = np.where(comp["n_parent"][h] == 2, lay.pos == lay.t_spouse[h], coin)
    male = np.select(
        [
            slot == HEAD,
            slot == SPOUSE,
            slot == PARENT,
            (slot == CHILD) & lay.first_child & comp["extended"][h],
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
    return male, relation


def _surnames(rng: np.random.Generator, comp: dict, lay: _Layout, male: np.ndarray) -> np.ndarray:
    """Children and grandchildren mostly take the family's surname (the father's), the rest their own."""
    h, slot, n, total = lay.h, lay.slot, len(comp["head_age"]), len(lay.h)
    head_surname = _surname_draw(rng, n)
    spouse_surname = _surname_draw(rng, n)
    family = np.where(comp["head_male"] | (comp["n_spouse"] == 0), head_surname, spouse_surname)
    own = _surname_draw(rng, total)
    keeps_family = rng.random(total) < 0.92
    return np.select(
        [slot == HEAD, slot == SPOUSE, (slot == PARENT) & male, (slot == CHILD) | (slot == GRANDCHILD)],
        [head_surname[h], spouse_surname[h], head_surname[h], np.where(keeps_family, family[h], own)],
        own,
    )


def _births(rng: np.random.Generator, age: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Birth dates: exactly `age` full years on `as_of` (birth in the year up to the age-th birthday)."""
    month_start = np.int64((as_of.year - 1970) * 12 + as_of.month - 1) - 12 * age.astype(np.int64)
    day = min(as_of.day, 28) - 1 if as_of.month == 2 else as_of.day - 1
    birthday = month_start.astype("datetime64[M]").astype("datetime64[D]") + day
    return birthday - rng.integers(0, 365, len(age))


def member_frame(hh: dict, m: dict, a: dict, t: dict) -> pl.DataFrame:
    yes_no = ["否", "是"]
    h = m["h"]
    ptype = t["poverty_type"][h]
    frame = pl.DataFrame(
        {
            "household_no": hh["household_no"].gather(pl.Series(h)),
            "name": m["name"],
            "id_number": m["id_number"],
            "sex": label(["女", "男"], m["male"].astype(int)),
            "relation": label(m["relation_labels"], m["relation"]),
            "health": label([zh(codes.HEALTH, c) for c in HEALTH_CODES], a["health"]),
            "labour": label([zh(codes.LABOUR, c) for c in LABOUR_CODES], a["labour"]),
            "education": label([zh(codes.EDUCATION, c) for c in EDUCATION_CODES], a["education"]),
            "school": label([zh(codes.SCHOOL, c) for c in SCHOOL_CODES], a["school"]),
            "work_status": label([zh(codes.WORK, c) for c in WORK_CODES], a["work"]),
            "work_months": pl.Series(np.where(a["work"] > 0, a["months"], -1))
            .cast(pl.String)
            .replace("-1", ""),
            "medical_insurance": label(yes_no, a["medical"].astype(int)),
            "pension_insurance": label(yes_no, a["pension"].astype(int)),
            "dibao": label(yes_no, (ptype == 1).astype(int)),
            "tekun": label(yes_no, (ptype == 2).astype(int)),
        }
    )
    return frame.select([c.key for c in MEMBER_COLUMNS])
