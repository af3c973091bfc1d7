"""Return-to-poverty monitoring (防止返贫监测, domain.md §6): risk signals and elimination.

Pure Polars, no Django. Two pieces, each tested in tests/engine/test_monitoring.py (the third, department
matching, is `departments.py`):

- `registry_frame` / `registry_batch` — the registry batch: per household and year, the risk signals of
  SIGNALS (income below the monitoring line, a year-on-year fall, rigid spending past a share of income,
  三保障 + water failures, special groups). A signal is a record (id, message zh/en, the expression that
  raises it, the value and threshold reported as evidence), like the rules of `quality.py`.
- `elimination` — the §6.8 criteria for marking the risk eliminated (风险消除), with the blocking reasons.

Decisions:
- Per-capita income of a year = recomputed net income (identification.net_income_expr) / the current
  members of that year (identification.member_years); no members ⇒ null ⇒ no income signal.
- The year-on-year fall compares per-capita incomes of Y−1 and Y; no previous record or a previous income
  ≤ 0 ⇒ no fall signal.
- Rigid spending (合规自付支出 `out_of_pocket`) is compared with the previous year's household net income
  when that record exists (v1: “rigid spending clearly above last year's income”, §6.1), else with this
  year's; spending > 0 against an income ≤ 0 is always a signal.
- A guarantee not known (null) raises no signal; only a known failure does.
- Severe disability = a disabled member whose 残疾人证 number (20/22 characters) carries a grade ≤
  `severe_disability_grade_max` (一级/二级 = 重度). A disabled member without a certificate grade is not
  counted as severe (the registry cannot tell).
- Whole household without labour = every current member's labour ability is 丧失/无 (schema.NO_LABOUR);
  an unknown labour ability means "not known", so no signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from fupin.engine.identification import (
    member_flags,
    member_years,
    net_income_expr,
    prepare_household_years,
    prepare_members,
)
from fupin.engine.params import Resolved
from fupin.engine.schema import DISABLED_HEALTH, NO_LABOUR, UNSAFE_HOUSING

c = pl.col
NATIONAL = ""

# ---------------------------------------------------------------------------------------------------
# Parameters: default rows (name, region_code, year_from, year_to, value, source) that the Django side
# creates when missing (fupin/monitoring/services.py: load_parameter_defaults), and their labels.
PARAM_DEFAULTS: list[tuple[str, str, int, int | None, float, str]] = [
    (
        "income_fall_pct",
        NATIONAL,
        2020,
        None,
        30.0,
        "收入大幅缩减: per-capita net income down by this share or more on the previous year (domain.md §6.1, "
        "§6.2 “收入大幅缩减”; the share is local practice [memory, low] — provinces override)",
    ),
    (
        "rigid_spending_share_pct",
        NATIONAL,
        2020,
        None,
        100.0,
        "刚性支出明显超过上年度收入 (domain.md §6.1 v1 [S4]): out-of-pocket spending ≥ this share of the "
        "previous year's household net income",
    ),
    (
        "severe_disability_grade_max",
        NATIONAL,
        2020,
        None,
        2.0,
        "重度残疾 = 残疾等级 一级/二级 (GB/T 26341; domain.md §6.1 v2 focus on the severely disabled [S7])",
    ),
    (
        "elimination_min_months",
        NATIONAL,
        2020,
        None,
        6.0,
        "风险消除: identified at least six months earlier (原则上不少于半年, domain.md §6.8 [S12])",
    ),
    (
        "elimination_min_measures",
        NATIONAL,
        2020,
        None,
        1.0,
        "风险消除: at least one assistance measure applied (domain.md §6.8 [S12])",
    ),
    (
        "dept_medical_oop_registered",
        NATIONAL,
        2020,
        None,
        5000.0,
        "医保 push: cumulative inpatient out-of-pocket ≥ 5,000 for registered (脱贫/建档立卡) people "
        "(domain.md §6.5 [S52], local)",
    ),
    (
        "dept_medical_oop_other",
        NATIONAL,
        2020,
        None,
        20000.0,
        "医保 push: cumulative inpatient out-of-pocket ≥ 20,000 for other farmers (domain.md §6.5 [S52], local)",
    ),
    (
        "dept_education_oop",
        NATIONAL,
        2020,
        None,
        10000.0,
        "教育 push: high-school / vocational out-of-pocket > 10,000 a year (domain.md §6.5 [S52], local)",
    ),
    (
        "case_deadline_days",
        NATIONAL,
        2020,
        None,
        20.0,
        "识别认定 overall time limit in working days (Hainan ≤20, domain.md §6.6 [S3][S52c])",
    ),
    (
        "publicity_enabled",
        NATIONAL,
        2020,
        None,
        1.0,
        "村级公示 step on (1) or off (0); some localities ran monitoring without publicity (domain.md §6.6 [S58b])",
    ),
    ("publicity_days", NATIONAL, 2020, None, 5.0, "村级公示 5 working days (domain.md §6.6 [S52c], local)"),
]
# name: (Chinese label, English label, unit) — the lines for fupin/policy/definitions.py
PARAM_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "income_fall_pct": ("监测：人均纯收入同比降幅预警线", "Monitoring: per-capita income fall alert at", "%"),
    "rigid_spending_share_pct": (
        "监测：刚性支出占上年纯收入比例预警线",
        "Monitoring: rigid spending alert at share of last year's income",
        "%",
    ),
    "severe_disability_grade_max": (
        "监测：重度残疾等级上限",
        "Monitoring: severe disability up to grade",
        "级",
    ),
    "elimination_min_months": (
        "风险消除：识别后最少月数",
        "Risk elimination: months since identification at least",
        "月",
    ),
    "elimination_min_measures": (
        "风险消除：最少帮扶措施数",
        "Risk elimination: assistance measures at least",
        "项",
    ),
    "dept_medical_oop_registered": (
        "医保预警：脱贫人口自付费用线",
        "Medical-insurance alert: out-of-pocket, registered people",
        "元",
    ),
    "dept_medical_oop_other": (
        "医保预警：一般农户自付费用线",
        "Medical-insurance alert: out-of-pocket, others",
        "元",
    ),
    "dept_education_oop": ("教育预警：自付费用线", "Education alert: out-of-pocket above", "元"),
    "case_deadline_days": ("识别认定办理时限", "Identification case time limit", "工作日"),
    "publicity_enabled": (
        "识别认定是否公示（1是0否）",
        "Identification: publicity step on (1) or off (0)",
        "",
    ),
    "publicity_days": ("公示天数", "Publicity period", "工作日"),
}
assert set(PARAM_DEFINITIONS) == {r[0] for r in PARAM_DEFAULTS}


# ---------------------------------------------------------------------------------------------------
# Registry signals
SERIOUS_ILLNESS = ("serious", "serious_disabled")


@dataclass(frozen=True)
class Signal:
    id: str
    risk: str  # the 2.3.13 risk type it points at (for the case record)
    message_zh: str
    message_en: str
    build: Callable[[Resolved], pl.Expr]  # true = the signal is raised
    value: Callable[[Resolved], pl.Expr] = lambda R: pl.lit(None, pl.Float64)
    threshold: Callable[[Resolved], pl.Expr] = lambda R: pl.lit(None, pl.Float64)


def _base_income() -> pl.Expr:
    return pl.coalesce(c("net_income_prev"), c("net_income_calc"))


SIGNALS: list[Signal] = [
    Signal(
        "MON-INCOME",
        "income",
        "人均纯收入低于监测线",
        "per-capita net income below the monitoring line",
        lambda R: c("net_income_pc") < R["monitoring_line"],
        lambda R: c("net_income_pc"),
        lambda R: R["monitoring_line"],
    ),
    Signal(
        "MON-FALL",
        "income",
        "人均纯收入较上年大幅下降",
        "per-capita net income fell sharply on last year",
        lambda R: (
            (c("net_income_pc_prev") > 0)
            & (c("net_income_pc") <= c("net_income_pc_prev") * (1 - R["income_fall_pct"] / 100))
        ),
        lambda R: ((c("net_income_pc_prev") - c("net_income_pc")) / c("net_income_pc_prev") * 100).round(1),
        lambda R: R["income_fall_pct"],
    ),
    Signal(
        "MON-RIGID",
        "illness",
        "合规自付支出超过家庭纯收入的预警比例",
        "eligible out-of-pocket spending past the alert share of household net income",
        lambda R: (
            (c("out_of_pocket").fill_null(0) > 0)
            & (
                (_base_income() <= 0)
                | (c("out_of_pocket") >= _base_income() * R["rigid_spending_share_pct"] / 100)
            )
        ),
        lambda R: c("out_of_pocket"),
        lambda R: _base_income() * R["rigid_spending_share_pct"] / 100,
    ),
    Signal(
        "MON-EDU",
        "schooling",
        "有义务教育阶段适龄儿童失学辍学",
        "a child of compulsory-school age is out of school",
        lambda R: c("out_of_school") > 0,
        lambda R: c("out_of_school").cast(pl.Float64),
    ),
    Signal(
        "MON-MED",
        "uninsured",
        "有家庭成员未参加基本医疗保险",
        "a member has no basic medical insurance",
        lambda R: c("uninsured") > 0,
        lambda R: c("uninsured").cast(pl.Float64),
    ),
    Signal(
        "MON-HOUSING",
        "housing",
        "住房不安全(C/D级危房)",
        "the house is unsafe (grade C/D)",
        lambda R: c("housing_grade").is_in(UNSAFE_HOUSING),
    ),
    Signal("MON-WATER", "water", "饮水不安全", "drinking water is not safe", lambda R: ~c("water_safe")),
    Signal(
        "MON-ILL",
        "illness",
        "有患大病成员",
        "a member is seriously ill",
        lambda R: c("serious_ill") > 0,
        lambda R: c("serious_ill").cast(pl.Float64),
    ),
    Signal(
        "MON-DISABLED",
        "disability",
        "有重度残疾成员",
        "a member is severely disabled",
        lambda R: c("severe_disabled") > 0,
        lambda R: c("severe_disabled").cast(pl.Float64),
        lambda R: R["severe_disability_grade_max"],
    ),
    Signal(
        "MON-ELDERLY-ALONE",
        "labour",
        "独居老人",
        "an elderly person living alone",
        lambda R: (c("members") == 1) & (c("elderly") == 1),
        lambda R: c("members").cast(pl.Float64),
        lambda R: R["age_elderly_from"],
    ),
    Signal(
        "MON-NO-LABOUR",
        "labour",
        "整户无劳动能力",
        "no member of the household is able to work",
        lambda R: (c("members") > 0) & (c("no_labour") == c("members")),
        lambda R: c("members").cast(pl.Float64),
    ),
]
SIGNAL_IDS = [s.id for s in SIGNALS]
SIGNALS_BY_ID = {s.id: s for s in SIGNALS}
BATCH_PARAMS = (
    "monitoring_line",
    "income_fall_pct",
    "rigid_spending_share_pct",
    "severe_disability_grade_max",
    "age_elderly_from",
    "age_compulsory_from",
    "age_compulsory_to",
)
SIGNAL_OUTPUT = {
    "household_id": pl.Int64,
    "year": pl.Int64,
    "village": pl.String,
    "signal_id": pl.String,
    "value": pl.Float64,
    "threshold": pl.Float64,
}
WIDE_COLUMNS = (
    "household_id",
    "year",
    "village",
    "household_type",
    "status",
    "members",
    "members_prev",
    "net_income_calc",
    "net_income_prev",
    "net_income_pc",
    "net_income_pc_prev",
    "out_of_pocket",
    "housing_grade",
    "water_safe",
    "out_of_school",
    "uninsured",
    "serious_ill",
    "severe_disabled",
    "elderly",
    "no_labour",
)


def signal_label(signal_id: str, lang: str = "zh") -> str:
    s = SIGNALS_BY_ID.get(signal_id)
    if s is None:
        return signal_id
    return s.message_en if lang.startswith("en") else s.message_zh


def _member_summary(
    members: pl.DataFrame | pl.LazyFrame, year: int, keys: pl.LazyFrame, R: Resolved
) -> pl.LazyFrame:
    """Per household: current members in `year` and `year`−1 and the member facts of the signals."""
    cols = [
        "member_id",
        "household_id",
        "birth_date",
        "death_date",
        "health",
        "labour",
        "school",
        "medical_insurance",
        "disability_cert",
    ]
    lf = prepare_members(members)
    names = lf.collect_schema().names()
    lf = lf.select(*cols, *[n for n in ("start_date", "end_date") if n in names])
    lf = member_years(lf, [year - 1]).rename({"current": "current_prev"}).drop("year", "age")
    lf = member_years(lf, [year])
    if R.varying:
        lf = R.attach(lf.join(keys, on=["household_id", "year"], how="inner"))
    cur = c("current")
    edu, uninsured = member_flags(R)
    cert = c("disability_cert")
    grade = pl.when(cert.str.len_chars() >= 20).then(cert.str.slice(19, 1).cast(pl.Int64, strict=False))
    severe = c("health").is_in(DISABLED_HEALTH) & (grade <= R["severe_disability_grade_max"])

    def count(e: pl.Expr) -> pl.Expr:
        return (cur & e.fill_null(False)).sum().cast(pl.Int64)

    return lf.group_by("household_id").agg(
        cur.sum().cast(pl.Int64).alias("members"),
        c("current_prev").sum().cast(pl.Int64).alias("members_prev"),
        count(edu).alias("out_of_school"),
        count(uninsured).alias("uninsured"),
        count(c("health").is_in(SERIOUS_ILLNESS)).alias("serious_ill"),
        count(severe).alias("severe_disabled"),
        count(c("age") >= R["age_elderly_from"]).alias("elderly"),
        count(c("labour").is_in(NO_LABOUR)).alias("no_labour"),
    )


def registry_frame(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    year: int,
) -> tuple[pl.DataFrame, Resolved]:
    """One row per household with a record in `year` (in no promised order): the facts the signals read (WIDE_COLUMNS), one boolean
    column per signal id, `monitoring_line` (and `_p_<name>` columns of parameters that vary by region).
    Also the resolved parameters (for `signals_long`). Households with no record in `year` are left out."""
    hy = prepare_household_years(household_years).filter(c("year").is_in([year - 1, year]))
    hy = hy.with_columns(net_income_expr().alias("net_income_calc"))
    cur = hy.filter(c("year") == year).collect()
    R = Resolved(params, BATCH_PARAMS, cur.select("village", "year"), region_col="village", year_col="year")
    prev = hy.filter(c("year") == year - 1).select(
        "household_id", c("net_income_calc").alias("net_income_prev")
    )
    summary = _member_summary(members, year, cur.lazy().select("household_id", "year", "village"), R)
    lf = cur.lazy().join(summary, on="household_id", how="left").join(prev, on="household_id", how="left")
    counts = (
        "members",
        "members_prev",
        "out_of_school",
        "uninsured",
        "serious_ill",
        "severe_disabled",
        "elderly",
        "no_labour",
    )
    lf = lf.with_columns([c(n).fill_null(0) for n in counts])
    lf = lf.with_columns(
        pl.when(c("members") > 0).then(c("net_income_calc") / c("members")).alias("net_income_pc"),
        pl.when(c("members_prev") > 0)
        .then(c("net_income_prev") / c("members_prev"))
        .alias("net_income_pc_prev"),
    )
    lf = R.attach(lf.select(*WIDE_COLUMNS))
    lf = lf.with_columns(
        *[s.build(R).fill_null(False).alias(s.id) for s in SIGNALS],
        R["monitoring_line"].alias("monitoring_line"),
    )
    return lf.collect(), R


def signals_long(wide: pl.DataFrame, R: Resolved) -> pl.DataFrame:
    """The raised signals of a `registry_frame`, one row per household and signal (SIGNAL_OUTPUT), with the
    value and threshold as evidence (computed on the raised rows only). Rows come signal by signal, in
    SIGNALS order, and within a signal by household: the same registry gives the same rows in the same
    order (its alerts are created in that order), whatever order the joins before left the frame in."""
    parts = [
        wide.lazy()
        .filter(c(s.id))
        .select(
            "household_id",
            "year",
            "village",
            pl.lit(s.id).alias("signal_id"),
            s.value(R).cast(pl.Float64).alias("value"),
            s.threshold(R).cast(pl.Float64).alias("threshold"),
        )
        .sort("household_id")
        for s in SIGNALS
    ]
    out = pl.concat(pl.collect_all(parts), how="vertical_relaxed")
    return out.cast(pl.Schema(SIGNAL_OUTPUT))


def registry_batch(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    year: int,
) -> pl.DataFrame:
    """The registry batch of one year: one row per raised signal (SIGNAL_OUTPUT)."""
    wide, R = registry_frame(household_years, members, params, year)
    return signals_long(wide, R)


# ---------------------------------------------------------------------------------------------------
# Risk elimination (风险消除, §6.8)
BLOCKERS: dict[str, tuple[str, str]] = {
    "too_recent": ("识别认定未满规定月数", "identified less than the required months ago"),
    "no_measure": ("未落实帮扶措施", "no assistance measure applied"),
    "income_unknown": ("无当年收入记录", "no income record for the year"),
    "income_below_line": (
        "人均纯收入未稳定高于当年监测线",
        "per-capita net income not above this year's monitoring line",
    ),
    "rigid_spending": ("大额刚性支出未解决", "large rigid spending not resolved"),
    "guarantees": ("三保障或饮水安全未保障", "the three guarantees or safe water are not secured"),
    "no_labour": (
        "整户无劳动能力，不得标注风险消除",
        "the whole household cannot work: the risk may not be marked eliminated",
    ),
}
ELIMINATION_PARAMS = ("elimination_min_months", "elimination_min_measures")


def elimination(
    monitored: pl.DataFrame, wide: pl.DataFrame, measures: pl.DataFrame, params: pl.DataFrame, *, as_of: date
) -> pl.DataFrame:
    """Whether each monitored household may be marked 风险消除 on `as_of`.

    `monitored`: household_id, identified_on (Date). `wide`: `registry_frame` of the year judged.
    `measures`: household_id, measures (count of assistance measures applied). Returns household_id,
    months (whole months since identification), measures, eligible, blockers (list of BLOCKERS codes), by
    household (the joins keep no order; the worklist and what is drawn from it must not depend on it).
    """
    df = (
        monitored.lazy()
        .select(c("household_id").cast(pl.Int64), "identified_on")
        .join(wide.lazy(), on="household_id", how="left")
        .join(
            measures.lazy().select(c("household_id").cast(pl.Int64), c("measures").cast(pl.Int64)),
            on="household_id",
            how="left",
        )
        .with_columns(
            c("measures").fill_null(0),
            pl.lit(as_of.year, pl.Int64).alias("_y"),
            pl.coalesce(c("village"), pl.lit("000000000000")).alias("_region"),
        )
        .collect()
    )
    R = Resolved(params, ELIMINATION_PARAMS, df.select("_region", "_y"), region_col="_region", year_col="_y")
    d = c("identified_on")
    months = (
        (as_of.year - d.dt.year()) * 12
        + (as_of.month - d.dt.month())
        - (d.dt.day() > as_of.day).cast(pl.Int64)
    )
    guarantee = pl.any_horizontal(
        [c(s).fill_null(False) for s in ("MON-EDU", "MON-MED", "MON-HOUSING", "MON-WATER")]
    )
    checks = [
        ("too_recent", c("months").is_null() | (c("months") < R["elimination_min_months"])),
        ("no_measure", c("measures") < R["elimination_min_measures"]),
        ("income_unknown", c("net_income_pc").is_null()),
        ("income_below_line", c("net_income_pc") <= c("monitoring_line")),
        ("rigid_spending", c("MON-RIGID")),
        ("guarantees", guarantee),
        ("no_labour", c("MON-NO-LABOUR")),
    ]
    lf = R.attach(df.lazy()).with_columns(months.cast(pl.Int64).alias("months"))
    lf = lf.with_columns(
        pl.concat_list([pl.when(e.fill_null(False)).then(pl.lit(code)) for code, e in checks])
        .list.drop_nulls()
        .alias("blockers")
    )
    return (
        lf.select(
            "household_id",
            "months",
            "measures",
            (c("blockers").list.len() == 0).alias("eligible"),
            "blockers",
        )
        .sort("household_id")
        .collect()
    )


def blocker_text(codes: list[str], lang: str = "zh") -> str:
    i = 1 if lang.startswith("en") else 0
    return ("; " if i else "；").join(BLOCKERS[k][i] for k in codes)
