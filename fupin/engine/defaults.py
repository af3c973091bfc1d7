"""Default policy parameters (national values, with western-province overrides) and their sources.

Every threshold the engine uses is here as data, never in a rule. A province, city or county adds its own
rows (params.override); the most specific region wins. Sources refer to /shared/domain.md (§ and [S#]);
"[memory, low]" marks a value that could not be confirmed in a source.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from fupin.engine.params import make_params
from fupin.engine.schema import WESTERN_PROVINCES

NATIONAL = ""

# 现行标准 nominal rural poverty line (yuan per person per year), domain.md §3.1.
POVERTY_LINE = {
    2010: (2300, "2010 definition, 2,300 yuan at 2010 prices (domain.md §3.1 [S56])"),
    2011: (2536, "domain.md §3.1 [memory, med]"),
    2012: (2625, "domain.md §3.1 [memory, med]"),
    2013: (2736, "used for the 2014 registration (domain.md §3.1 [S28b])"),
    2014: (2800, "domain.md §3.1 [memory, high]"),
    2015: (2855, "相当于2010年2300元不变价 (domain.md §3.1 [S25][S24])"),
    2016: (2952, "check threshold for 2014–2017 exits (domain.md §3.1 [S44])"),
    2017: (2952, "domain.md §3.1 [memory, LOW confidence]"),
    2018: (2995, "domain.md §3.1 [memory, med]"),
    2019: (3218, "domain.md §3.1 [memory, med]"),
    2020: (4000, "official 约4000元 (domain.md §3.1 [memory, med])"),
}


def _rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    years = sorted(POVERTY_LINE)
    for i, y in enumerate(years):
        value, src = POVERTY_LINE[y]
        # the 2020 line stays in force afterwards (the 攻坚期 standard; exit checks of later years use it)
        rows.append(("poverty_line", NATIONAL, y, None if i == len(years) - 1 else y, value, src))
    rows += [
        (
            "monitoring_line",
            NATIONAL,
            2020,
            2020,
            6000,
            "1.5× the national line (“1.5倍左右”), domain.md §6.3 [S4]; several counties used 5,000 (local)",
        ),
        (
            "monitoring_line",
            NATIONAL,
            2021,
            None,
            6000,
            "2021 national baseline 1.5 × 4,000 (domain.md §6.3 [S7]). From 2022 each province sets its line "
            "(e.g. Yunnan 8,050 in 2023): 6,000 is only the national fallback — provinces must add overrides",
        ),
        (
            "village_exit_incidence_pct",
            NATIONAL,
            2014,
            None,
            2.0,
            "贫困村退出 <2% (domain.md §4.2 [S11][S10])",
        ),
        (
            "county_comprehensive_incidence_pct",
            NATIONAL,
            2014,
            None,
            2.0,
            "综合贫困发生率 <2% central (domain.md §4.3 [S8][S9])",
        ),
        ("county_wrong_exit_pct", NATIONAL, 2014, None, 2.0, "脱贫人口错退率 <2% (domain.md §4.3 [S8])"),
        (
            "county_missed_pct",
            NATIONAL,
            2014,
            None,
            2.0,
            "贫困人口漏评率 <2% (domain.md §4.3 [S8]; one source says 1% [S8b])",
        ),
        ("county_approval_pct", NATIONAL, 2014, None, 90.0, "群众认可度 ≥90% (domain.md §4.3 [S8])"),
        # age bands (domain.md §2.3.6, §3.2, §8.1)
        ("age_working_from", NATIONAL, 2010, None, 16, "age <16 ⇒ 无劳动力 (domain.md §2.3.6 [S47])"),
        (
            "age_working_to",
            NATIONAL,
            2010,
            None,
            59,
            "working age 16–59 (domain.md §8.1 [S43]); some statistics and rules use 65 (override)",
        ),
        ("age_elderly_from", NATIONAL, 2010, None, 60, "age band ≥60 (domain.md §8.1 [S43])"),
        (
            "age_labour_check_to",
            NATIONAL,
            2010,
            None,
            65,
            "劳动能力 required for ages 16–65 (domain.md §11 DQ-B1)",
        ),
        ("age_compulsory_from", NATIONAL, 2010, None, 6, "义务教育 ages 6–15 (domain.md §3.2 [S40])"),
        ("age_compulsory_to", NATIONAL, 2010, None, 15, "义务教育 ages 6–15 (domain.md §3.2 [S40])"),
        (
            "age_school_status_to",
            NATIONAL,
            2010,
            None,
            23,
            "在校生状况 required for ages 6–23 (domain.md §11 DQ-B1)",
        ),
        ("age_senior_school_max", NATIONAL, 2010, None, 14, "age ≤14 but in senior school (DQ-C3 [S44])"),
        ("age_primary_school_min", NATIONAL, 2010, None, 20, "age ≥20 but in primary school (DQ-C3 [S44])"),
        # plausibility bounds (domain.md §2.4, §11)
        ("income_pc_min", NATIONAL, 2010, None, 0, "0 < 人均纯收入 (domain.md §2.4 [S44])"),
        ("income_pc_max", NATIONAL, 2010, None, 100_000, "人均纯收入 ≤ 100,000 (domain.md §2.4 [S44])"),
        ("work_months_max", NATIONAL, 2010, None, 12, "务工时间 0–12 months (domain.md §2.4 [S44])"),
        (
            "wage_income_low",
            NATIONAL,
            2010,
            None,
            300,
            "工资性收入 in (0,300) is suspect (DQ-F3 [S46], local)",
        ),
        (
            "wage_income_high",
            NATIONAL,
            2010,
            None,
            300_000,
            "工资性收入 >300,000 is suspect (DQ-F3 [S46], local)",
        ),
        ("income_tolerance", NATIONAL, 2010, None, 1, "recomputed totals agree within ±1 yuan (DQ-F5)"),
        ("land_pc_max_mu", NATIONAL, 2010, None, 50, "per-capita 耕地 >50 亩 (DQ-H1 [S44])"),
        ("forest_pc_max_mu", NATIONAL, 2010, None, 70, "per-capita 林地 >70 亩 (DQ-H1 [S44])"),
        (
            "land_household_max_mu",
            NATIONAL,
            2010,
            None,
            100,
            "household 耕地 cap 100 亩 (DQ-H1 [S46], local)",
        ),
        (
            "forest_household_max_mu",
            NATIONAL,
            2010,
            None,
            200,
            "household 林地 cap 200 亩 (DQ-H1 [S46], local)",
        ),
        ("road_distance_max_km", NATIONAL, 2010, None, 50, "与村主干路距离 >50 km (DQ-H2 [S44]; local 5 km)"),
        # E4 amount floors (yuan per year, local [S46]); used once the registry records the amounts
        ("dibao_amount_floor", NATIONAL, 2010, None, 200, "0 < 低保金 <200 suspect (DQ-E4 [S46], local)"),
        (
            "family_planning_amount_floor",
            NATIONAL,
            2010,
            None,
            100,
            "0 < 计划生育金 <100 (DQ-E4 [S46], local)",
        ),
        (
            "pension_amount_floor",
            NATIONAL,
            2010,
            None,
            88,
            "0 < 养老保险金 <88, the 2018 minimum monthly pension (DQ-E4 [S46]; [memory, med])",
        ),
        ("tekun_amount_floor", NATIONAL, 2010, None, 200, "0 < 特困供养金 <200 (DQ-E4 [S46], local)"),
        ("min_family_name_len", NATIONAL, 2010, None, 2, "a name has at least 2 characters (DQ-B1, ours)"),
        # anti-"数字脱贫" checks (engine/integrity.py, DQ-K); ours, to be set by each province
        (
            "integrity_just_above_pct",
            NATIONAL,
            2014,
            None,
            10,
            "an exit with per-capita income < line × (1 + 10%) is 'just above the line' (DQ-K1, ours)",
        ),
        (
            "integrity_measure_years",
            NATIONAL,
            2014,
            None,
            2,
            "an exit needs a measure in the plans of its year or the year before (DQ-K2, ours; §4.1, §2.6)",
        ),
        (
            "integrity_jump_pct",
            NATIONAL,
            2014,
            None,
            50,
            "per-capita income up ≥50% on the year before is a jump (DQ-K3, ours)",
        ),
        (
            "integrity_jump_min",
            NATIONAL,
            2014,
            None,
            1000,
            "…and up by at least 1,000 yuan per person (DQ-K3, ours)",
        ),
        (
            "integrity_jump_untraced_pct",
            NATIONAL,
            2014,
            None,
            50,
            "…with ≥50% of the rise from wages without a worker or business without costs (DQ-K3, ours)",
        ),
        (
            "integrity_year_end_days",
            NATIONAL,
            2014,
            None,
            31,
            "exits recorded in the last 31 days of the exit year count as 'at the year end' (DQ-K4, ours)",
        ),
        (
            "integrity_batch_min",
            NATIONAL,
            2014,
            None,
            5,
            "5 or more year-end exits in one village make a batch (DQ-K4, ours)",
        ),
        (
            "integrity_death_grace_days",
            NATIONAL,
            2014,
            None,
            0,
            "a payment later than the day of death is suspect (DQ-K5a, ours; FA-2 in funds)",
        ),
    ]
    for p in WESTERN_PROVINCES:
        code = p + "0" * 10
        rows.append(
            (
                "village_exit_incidence_pct",
                code,
                2014,
                None,
                3.0,
                "西部 provinces <3% (domain.md §4.2 [S11][S10])",
            )
        )
        rows.append(
            (
                "county_comprehensive_incidence_pct",
                code,
                2014,
                None,
                3.0,
                "西部 provinces <3% (domain.md §4.3 [S8][S9])",
            )
        )
    return rows


def default_params() -> pl.DataFrame:
    """The national default parameter table (with the western-province overrides)."""
    return make_params(_rows())
