"""What each person of the synthetic county is like, consistent with their age: health, school,
education, labour, migrant work and insurance (as indices into the code lists below)."""

from __future__ import annotations

import numpy as np

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


def draw_attributes(rng: np.random.Generator, m: dict) -> dict[str, np.ndarray]:
    """Health, labour, school, education, work and insurance per person, consistent with age."""
    age = m["age"]
    health = _health(rng, age)
    school, education = _schooling(rng, age)
    student = school >= 2
    labour = _labour(rng, age, health, student)
    work, months = _work(rng, age, student, labour)
    total = len(age)
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
        "school_codes": SCHOOL_CODES,
    }


def _health(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """0 healthy, 1 chronic, 2 serious, 3 disabled, 4 serious+disabled, 5 chronic+disabled."""
    total = len(age)
    p_ill = np.select([age < 16, age < 45, age < 60], [0.04, 0.12, 0.26], 0.45)
    ill = rng.random(total) < p_ill
    kind = rng.choice(5, size=total, p=[0.58, 0.15, 0.22, 0.02, 0.03]) + 1
    return np.where(ill, kind, 0)


def _schooling(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """School status (index into SCHOOL_CODES) and education (EDUCATION_CODES): a student's education is
    that of their school; the others' is drawn by their age."""
    total = len(age)
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
    return school, education


def _labour(rng: np.random.Generator, age: np.ndarray, health: np.ndarray, student: np.ndarray) -> np.ndarray:
    """0 ordinary, 1 skilled, 2 weak, 3 lost, 4 none."""
    w = rng.random(len(age))
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

    return labour


def _work(
    rng: np.random.Generator, age: np.ndarray, student: np.ndarray, labour: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Migrant work (0 none, 1 in township, 2 in county, 3 in province, 4 out of province) and months."""
    total = len(age)
    can_work = (age >= 16) & (age <= 59) & ~student & (labour <= 1)
    x = rng.random(total)
    works = can_work & (rng.random(total) < 0.55)
    work = np.where(works, _bucket(x, [0.10, 0.28, 0.58], [1, 2, 3], 4), 0)
    months = np.where(rng.random(total) < 0.9, rng.integers(3, 13, total), rng.integers(1, 3, total))
    return work, months


def _bucket(u: np.ndarray, edges: list[float], values: list[int], last: int) -> np.ndarray:
    """u in [0,1) → values[i] for the first edge u is under, else `last`."""
    return np.select([u < e for e in edges], values, last)
