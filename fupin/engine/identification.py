"""Identification (识别): per household and year, income, 两不愁三保障 + 饮水安全, exclusion screens, outcome.

Inputs (columns in `schema.py`): `household_years` (schema.HOUSEHOLD_YEAR_FRAME, optional
schema.EXCLUSION_COLUMNS) and `members` (schema.MEMBER_FRAME, optional schema.MEMBERSHIP_COLUMNS).

Decisions, each tested in tests/engine/test_identification.py:
- Net income (domain.md §2.4) = wage + business + property + transfer − business_cost, recomputed from the
  components (a missing component counts as 0); the stored `net_income` is only checked (DQ-F5).
- Current members of a household in year Y: born by the end of Y, not dead before Y, and (with membership
  periods) in the household at the end of Y. A member who **died during Y counts in Y** — the year's
  income was earned and spent by a household that included them, and the record of Y describes that
  household — and no longer from Y+1 (`count_death_year=False` counts only those alive at the end of Y).
- Zero current members: per-capita income is null, the outcome `poor` is null (cannot be judged) and
  the reason `no_members` is given.
- Negative net income is kept (a loss year): per-capita income is negative, so below any line, and the
  reason `negative_income` is added beside `income_below_line`.
- Each guarantee is its own nullable boolean ("deprived"): true = not secured, false = secured, null = not
  known (e.g. housing never graded). Education: a child whose age at the end of Y is within
  [age_compulsory_from, age_compulsory_to] with school status `not_student`, unless excused by health
  (schema.SCHOOL_EXCUSED_HEALTH). Medical: a current member with medical_insurance = false. Housing:
  grade C or D. Water: water_safe = false.
- Exclusion screens (§3.4) are optional columns; absent or null = not known = does not exclude.
- Outcome: poor = (income below the line OR a guarantee not secured) AND no exclusion screen applies.
  Unknown guarantees do not make a household poor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from fupin.engine.params import Resolved
from fupin.engine.schema import (
    ABLE_LABOUR,
    DISABLED_HEALTH,
    EXCLUSION_COLUMNS,
    HOUSEHOLD_YEAR_FRAME,
    ILL_HEALTH,
    MEMBER_FRAME,
    SCHOOL_EXCUSED_HEALTH,
    STUDENT_SCHOOL,
    UNSAFE_HOUSING,
    WORKING_AWAY,
    Frame,
    ensure_columns,
)

# reason code → (zh, en)
REASONS: dict[str, tuple[str, str]] = {  # in the order a reasons list shows them
    "no_members": (
        "无在户成员，无法计算人均收入",
        "no current members: per-capita income cannot be computed",
    ),
    "income_below_line": ("人均纯收入低于贫困线", "per-capita net income below the poverty line"),
    "negative_income": ("家庭纯收入为负", "household net income is negative"),
    "income_above_line": ("人均纯收入不低于贫困线", "per-capita net income at or above the poverty line"),
    "education_unmet": (
        "有义务教育阶段适龄儿童失学辍学",
        "a child of compulsory-school age is out of school",
    ),
    "medical_unmet": ("有家庭成员未参加基本医疗保险", "a member has no basic medical insurance"),
    "housing_unsafe": ("住房不安全(C/D级危房)", "the house is unsafe (grade C/D)"),
    "water_unsafe": ("饮水不安全", "drinking water is not safe"),
    "guarantees_met": ("三保障和饮水安全均有保障", "the three guarantees and safe water are secured"),
    "excluded_car": ("家庭拥有非生产性车辆", "the household owns a non-productive car"),
    "excluded_town_house": ("家庭在城镇购有商品房", "the household owns a house in town"),
    "excluded_payroll": ("有财政供养人员", "a member is on the public payroll"),
    "excluded_business": ("经营公司或个体工商户", "the household runs a registered business"),
    "excluded_machinery": ("拥有大型农机具", "the household owns large farm machinery"),
    "excluded_cadre": ("有现任村干部", "a member is a sitting village cadre"),
}
REASON_TYPE = pl.Enum(list(REASONS))
_BIT = {code: i for i, code in enumerate(REASONS)}
EXCLUSION_REASON = {
    "has_car": "excluded_car",
    "has_town_house": "excluded_town_house",
    "public_payroll": "excluded_payroll",
    "runs_business": "excluded_business",
    "large_machinery": "excluded_machinery",
    "village_cadre": "excluded_cadre",
}
assert set(EXCLUSION_REASON) == set(EXCLUSION_COLUMNS)

GUARANTEES = ("education_deprived", "medical_deprived", "housing_deprived", "water_deprived")
PARAM_NAMES = (
    "poverty_line",
    "age_compulsory_from",
    "age_compulsory_to",
    "age_working_from",
    "age_working_to",
)
CODE_COLUMNS_HY = (
    "household_type",
    "status",
    "poverty_type",
    "standard",
    "main_cause",
    "other_causes",
    "housing_grade",
)
CODE_COLUMNS_MEMBER = (
    "sex",
    "relation",
    "health",
    "labour",
    "education",
    "school",
    "work_status",
    "disability_cert",
)


def reason_label(code: str, lang: str = "zh") -> str:
    zh, en = REASONS[code]
    return en if lang.startswith("en") else zh


def blank_to_null(df: Frame, columns: Iterable[str]) -> Frame:
    """'' → null in the String columns among `columns` (the store writes blanks; the engine uses nulls)."""
    schema = df.collect_schema() if isinstance(df, pl.LazyFrame) else df.schema
    fix = [
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
        for c in columns
        if c in schema and schema[c] == pl.String
    ]
    return df.with_columns(fix) if fix else df


def _int64_keys(lf: pl.LazyFrame, keys: Iterable[str]) -> pl.LazyFrame:
    schema = lf.collect_schema()
    return lf.with_columns([pl.col(k).cast(pl.Int64) for k in keys if schema[k] != pl.Int64])


def prepare_household_years(household_years: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The household-year frame with every schema column present, int64 keys and blanks as nulls."""
    lf = ensure_columns(household_years.lazy(), HOUSEHOLD_YEAR_FRAME)
    return blank_to_null(_int64_keys(lf, ("household_id", "year")), CODE_COLUMNS_HY)


def prepare_members(members: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The member frame with every schema column present, int64 keys and blanks as nulls."""
    lf = ensure_columns(members.lazy(), MEMBER_FRAME)
    return blank_to_null(_int64_keys(lf, ("household_id", "member_id")), CODE_COLUMNS_MEMBER)


def member_years(members: pl.LazyFrame, years: list[int], *, count_death_year: bool = True) -> pl.LazyFrame:
    """One row per member and year of `years`: `year`, `age` (at the end of the year) and `current`
    (a current member of `household_id` that year, see the module docstring)."""
    if len(years) == 1:
        lf = members.with_columns(pl.lit(years[0], pl.Int64).alias("year"))
    else:
        lf = members.join(pl.LazyFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    y = pl.col("year")
    born = pl.col("birth_date").dt.year()
    died = pl.col("death_date").dt.year()
    alive = (born <= y).fill_null(True) & (died.is_null() | ((died >= y) if count_death_year else (died > y)))
    current = alive & pl.col("household_id").is_not_null()
    names = members.collect_schema().names()
    if "start_date" in names and "end_date" in names:
        end = pl.col("end_date").dt.year()
        in_hh = (pl.col("start_date").dt.year() <= y).fill_null(True) & (
            end.is_null() | (end > y) | ((end == y) & (died == y)).fill_null(False)
        )
        current = current & in_hh
    return lf.with_columns((y - born).cast(pl.Int32).alias("age"), current.alias("current"))


def member_flags(R: Resolved) -> list[pl.Expr]:
    """Per member-year facts of identification: out of compulsory school, uninsured (null = not known)."""
    age, school, health = pl.col("age"), pl.col("school"), pl.col("health")
    child = age.is_between(R["age_compulsory_from"], R["age_compulsory_to"])
    out_of_school = pl.when(school == "not_student").then(True).when(school.is_in(STUDENT_SCHOOL)).then(False)
    excused = health.is_in(SCHOOL_EXCUSED_HEALTH).fill_null(False)
    return [child & ~excused & out_of_school, ~pl.col("medical_insurance")]


def summarise_members(
    members: pl.LazyFrame, keys: pl.LazyFrame, R: Resolved, *, sorted_keys: bool = False
) -> pl.LazyFrame:
    """Per household of the current members in one year: the counts identification and the quality rules
    need, in one group-by. `members` are member-year rows of one year (member_years); `keys` =
    household_id, year, village (joined only when a parameter varies by region). With `sorted_keys`
    (members sorted by household_id) the group-by takes Polars' sorted fast path and its output is sorted."""
    lf = members
    if R.varying:
        lf = R.attach(lf.join(keys, on=["household_id", "year"], how="inner"))
        sorted_keys = False
    health, rel, sex = pl.col("health"), pl.col("relation"), pl.col("sex")
    working_age = pl.col("age").is_between(R["age_working_from"], R["age_working_to"])
    edu, uninsured = member_flags(R)
    # Every "any member …" fact is one bit of a per-member mask, OR-ed per household in one aggregation
    # (≈3× faster than one aggregation per fact); nullable facts get a second bit for "not known".
    facts = {
        "_edu_true": edu.fill_null(False),
        "_edu_null": edu.is_null(),
        "_med_true": uninsured.fill_null(False),
        "_med_null": uninsured.is_null(),
        "_head_male": (rel == "head") & (sex == "1"),
        "_head_female": (rel == "head") & (sex == "2"),
        "_spouse_male": (rel == "spouse") & (sex == "1"),
        "_spouse_female": (rel == "spouse") & (sex == "2"),
        "_any_ill": health.is_in(ILL_HEALTH),
        "_any_unhealthy": health != "healthy",
        "_any_disabled": health.is_in(DISABLED_HEALTH),
        "_any_student": pl.col("school").is_in(STUDENT_SCHOOL),
        "_any_dibao": pl.col("dibao"),
        "_any_worker": pl.col("work_status").is_in(WORKING_AWAY) | (pl.col("work_months") > 0),
        "_any_able_working_age": working_age & pl.col("labour").is_in(ABLE_LABOUR),
        "_any_ill_uninsured": health.is_in(ILL_HEALTH) & ~pl.col("medical_insurance"),
    }
    bit = {name: pl.lit(1 << i, pl.UInt32) for i, name in enumerate(facts)}
    mask = pl.sum_horizontal(
        [pl.when(e.fill_null(False)).then(bit[n]).otherwise(pl.lit(0, pl.UInt32)) for n, e in facts.items()]
    )

    def has(n: str) -> pl.Expr:
        return (pl.col("_mask") & bit[n]) != 0

    def nullable(t: str, n: str) -> pl.Expr:
        return pl.when(has(t)).then(True).when(has(n)).then(None).otherwise(False)

    return (
        lf.filter(pl.col("current"))
        .group_by("household_id", maintain_order=sorted_keys)
        .agg(
            pl.len().cast(pl.Int64).alias("members"),
            (rel == "head").sum().alias("_heads"),
            mask.bitwise_or().alias("_mask"),
        )
        .with_columns(
            nullable("_edu_true", "_edu_null").cast(pl.Boolean).alias("education_deprived"),
            nullable("_med_true", "_med_null").cast(pl.Boolean).alias("medical_deprived"),
            *[has(n).alias(n) for n in list(facts)[4:]],
        )
        .drop("_mask")
    )


def _by_household(df: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """`df` with household_id flagged sorted (the store returns rows ordered by household_id), or sorted
    here when it is not. Returns (frame, was_already_sorted)."""
    s = df["household_id"]
    if s.null_count() == 0 and s.is_sorted():
        return df.with_columns(s.set_sorted()), True
    return df.sort("household_id", nulls_last=True).with_columns(pl.col("household_id").set_sorted()), False


def net_income_expr() -> pl.Expr:
    parts = [
        pl.col(c).fill_null(0)
        for c in ("wage_income", "business_income", "property_income", "transfer_income")
    ]
    return parts[0] + parts[1] + parts[2] + parts[3] - pl.col("business_cost").fill_null(0)


def resolve_for(params: pl.DataFrame, hy: pl.LazyFrame, names: Sequence[str] = PARAM_NAMES) -> Resolved:
    pairs = hy.select("village", "year").unique().collect()
    return Resolved(params, names, pairs, region_col="village", year_col="year")


def household_frame(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    *,
    count_death_year: bool = True,
    extra_params: Iterable[str] = (),
) -> tuple[pl.DataFrame, Resolved]:
    """Household-years joined with their member summary and parameters (shared by identify and quality:
    compute it once, pass it to both as `frame=`). Rows keep the order of `household_years`."""
    hy = prepare_household_years(household_years).collect()
    R = resolve_for(params, hy.lazy(), tuple(dict.fromkeys((*PARAM_NAMES, *extra_params))))
    # no household-years at all: one pass over the empty frame still gives every output column
    years = hy["year"].unique().sort().to_list() or [0]
    mem = prepare_members(members).collect()
    mem, _ = _by_household(mem) if mem.height else (mem, True)
    multi = len(years) > 1
    keep_order = multi or not hy["household_id"].is_sorted()
    if keep_order:
        hy = hy.with_row_index("_row")
    parts = []
    for y in years:
        hy_y = hy.filter(pl.col("year") == y) if multi else hy
        hy_y, _ = _by_household(hy_y)
        my = member_years(mem.lazy(), [y], count_death_year=count_death_year)
        summary = summarise_members(
            my, hy_y.lazy().select("household_id", "year", "village"), R, sorted_keys=True
        )
        if R.varying:
            summary = summary.sort("household_id")
        summary = summary.with_columns(pl.col("household_id").set_sorted())
        # both sides sorted by household_id: Polars merges instead of hashing
        parts.append(hy_y.lazy().join(summary, on="household_id", how="left"))
    frames = pl.collect_all(parts)
    frame = pl.concat(frames, how="vertical_relaxed") if multi else frames[0]
    if keep_order:  # back to the input order of household_years
        frame = frame.sort("_row").drop("_row")
    frame = R.attach(frame).with_columns(pl.col("members").fill_null(0))
    return frame, R


def identification_exprs(R: Resolved, exclusion_present: list[str]) -> list[list[pl.Expr]]:
    """The stages of expressions that turn a household frame into the identification columns."""
    net = net_income_expr()
    members = pl.col("members")
    line = R["poverty_line"]
    stage1 = [
        net.alias("net_income_calc"),
        pl.when(members > 0).then(net / members).alias("net_income_pc"),
        line.alias("poverty_line"),
        pl.col("housing_grade").is_in(UNSAFE_HOUSING).alias("housing_deprived"),
        (~pl.col("water_safe")).alias("water_deprived"),
    ]
    excl = [pl.col(c).fill_null(False) for c in exclusion_present]
    stage2 = [
        (pl.col("net_income_pc") < pl.col("poverty_line")).alias("income_poor"),
        (pl.any_horizontal(excl) if excl else pl.lit(False)).alias("excluded"),
        pl.any_horizontal([pl.col(c).fill_null(False) for c in GUARANTEES]).alias("_deprived_any"),
    ]
    poor = pl.when(members > 0).then((pl.col("income_poor") | pl.col("_deprived_any")) & ~pl.col("excluded"))
    # reasons: a bit per reason, then one small join from each distinct mask to its list (a concat_list of
    # when/then over every row is ~100× slower)
    bits = [
        (members == 0, "no_members"),
        (pl.col("income_poor"), "income_below_line"),
        (pl.col("net_income_calc") < 0, "negative_income"),
        (pl.col("income_poor").not_(), "income_above_line"),
        (pl.col("education_deprived"), "education_unmet"),
        (pl.col("medical_deprived"), "medical_unmet"),
        (pl.col("housing_deprived"), "housing_unsafe"),
        (pl.col("water_deprived"), "water_unsafe"),
        (
            (members > 0) & pl.all_horizontal([pl.col(c).not_() for c in GUARANTEES]).fill_null(False),
            "guarantees_met",
        ),  # all four known and secured
        *[(pl.col(c), EXCLUSION_REASON[c]) for c in exclusion_present],
    ]
    mask = pl.sum_horizontal(
        [
            pl.when(cond.fill_null(False))
            .then(pl.lit(1 << _BIT[code], pl.UInt32))
            .otherwise(pl.lit(0, pl.UInt32))
            for cond, code in bits
        ]
    )
    stage3 = [poor.alias("poor"), mask.alias("_reason_mask")]
    return [stage1, stage2, stage3]


OUTPUT_COLUMNS = (
    "household_id",
    "year",
    "village",
    "members",
    "net_income_calc",
    "net_income_pc",
    "poverty_line",
    "income_poor",
    "education_deprived",
    "medical_deprived",
    "housing_deprived",
    "water_deprived",
    "excluded",
    "poor",
    "reasons",
)


def identify(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    *,
    count_death_year: bool = True,
    frame: tuple[pl.DataFrame, Resolved] | None = None,
) -> pl.DataFrame:
    """Identification per household and year (one row per row of `household_years`).

    Output columns: OUTPUT_COLUMNS plus any exclusion-screen columns that were given. `reasons` is a list
    of codes of REASONS (labels: `reason_label`). `frame` may pass a precomputed `household_frame()`.
    """
    hf, R = (
        frame
        if frame is not None
        else household_frame(household_years, members, params, count_death_year=count_death_year)
    )
    lf = hf.lazy()
    names = lf.collect_schema().names()
    exclusion_present = [c for c in EXCLUSION_COLUMNS if c in names]
    for stage in identification_exprs(R, exclusion_present):
        lf = lf.with_columns(stage)
    out = lf.select(*OUTPUT_COLUMNS[:-1], *exclusion_present, "_reason_mask").collect()
    return with_reason_lists(out).select(*OUTPUT_COLUMNS, *exclusion_present)


def reasons_from_mask(masks: pl.Series) -> pl.DataFrame:
    """(mask, reasons) for each distinct mask: the list of reason codes of its set bits, in REASONS order."""
    distinct = masks.unique().drop_nulls().to_list()
    lists = [[code for code, b in _BIT.items() if m >> b & 1] for m in distinct]
    return pl.DataFrame(
        {
            "_reason_mask": pl.Series(distinct, dtype=pl.UInt32),
            "reasons": pl.Series(lists, dtype=pl.List(REASON_TYPE)),
        }
    )


def with_reason_lists(df: pl.DataFrame) -> pl.DataFrame:
    """Replace the `_reason_mask` bit column with the `reasons` list column."""
    table = reasons_from_mask(df["_reason_mask"])
    return df.join(table, on="_reason_mask", how="left", maintain_order="left").drop("_reason_mask")


def reasons_text(reasons: pl.Expr, lang: str = "zh") -> pl.Expr:
    """A reasons list column rendered as text in one language ('；'-joined in Chinese, '; ' in English)."""
    idx = 1 if lang.startswith("en") else 0
    mapping = {k: v[idx] for k, v in REASONS.items()}
    sep = "; " if idx else "；"
    return reasons.list.eval(pl.element().cast(pl.String).replace_strict(mapping)).list.join(sep)
