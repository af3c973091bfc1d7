"""Exit evaluation (退出, domain.md §4): household, village and county (三率一度).

- Household (§4.1): eligible when per-capita net income is at or above the line AND education, medical,
  housing and water are all secured. Works on the output of `identification.identify`. A guarantee that
  is not known blocks exit (reason `*_unknown`): exit must be shown, not presumed.
- Village (§4.2): incidence = poor persons / rural population ×100 < `village_exit_incidence_pct`
  (2%, 3% in the west). Poor persons = Σ size of households whose status is poor or returned.
- County (§4.3): 综合贫困发生率 = (remaining + 漏评 + 错退) / rural population ×100 < threshold (2%/3%);
  错退率 = sampled wrong exits / sampled exits ×100 < 2%; 漏评率 = missed found / surveyed unregistered
  population ×100 < 2%; 群众认可度 = approving / surveyed households ×100 ≥ 90%. Exit = all four pass.
  An indicator without a denominator (null or 0) is null, does not pass, and says why.
Thresholds are parameters (defaults.py), resolved per region and year.
"""

from __future__ import annotations

import polars as pl

from fupin.engine.params import Resolved
from fupin.engine.schema import COUNTY_EXIT_INPUT, POOR_STATUSES, ensure_columns

EXIT_REASONS: dict[str, tuple[str, str]] = {
    "income_below_line": ("人均纯收入未达到贫困线", "per-capita net income is not above the poverty line"),
    "income_unknown": ("人均纯收入无法计算", "per-capita net income cannot be computed"),
    "education_unmet": ("义务教育未保障", "compulsory education is not secured"),
    "medical_unmet": ("基本医疗未保障", "basic medical insurance is not secured"),
    "housing_unsafe": ("住房安全未保障", "housing is not safe"),
    "water_unsafe": ("饮水安全未保障", "drinking water is not safe"),
    "education_unknown": ("义务教育情况不明", "compulsory education not known"),
    "medical_unknown": ("基本医疗情况不明", "medical insurance not known"),
    "housing_unknown": ("住房安全情况不明(未鉴定)", "housing safety not known (not graded)"),
    "water_unknown": ("饮水安全情况不明", "drinking-water safety not known"),
    "no_denominator": ("无农村人口数据(分母)，无法计算", "no rural population (denominator): cannot compute"),
    "no_sample": ("无抽样/调查数据，无法计算", "no sample or survey data: cannot compute"),
    "above_threshold": ("未达到退出标准", "does not meet the exit threshold"),
}
_REASON = pl.Enum(list(EXIT_REASONS))
_GUARANTEES = (
    ("education_deprived", "education"),
    ("medical_deprived", "medical"),
    ("housing_deprived", "housing"),
    ("water_deprived", "water"),
)


def _lit(code: str) -> pl.Expr:
    return pl.lit(code, _REASON)


def household_exit(identified: pl.DataFrame) -> pl.DataFrame:
    """Per household-year of `identify()`'s output: `exit_eligible` (bool) and `exit_reasons` (what blocks
    it; empty when eligible)."""
    blocks = [
        pl.when(pl.col("income_poor")).then(_lit("income_below_line")),
        pl.when(pl.col("income_poor").is_null()).then(_lit("income_unknown")),
    ]
    for col, name in _GUARANTEES:
        bad = (
            "housing_unsafe" if name == "housing" else "water_unsafe" if name == "water" else f"{name}_unmet"
        )
        blocks += [
            pl.when(pl.col(col)).then(_lit(bad)),
            pl.when(pl.col(col).is_null()).then(_lit(f"{name}_unknown")),
        ]
    return identified.with_columns(
        pl.concat_list(blocks).list.drop_nulls().alias("exit_reasons")
    ).with_columns((pl.col("exit_reasons").list.len() == 0).alias("exit_eligible"))


def _indicator(
    prefix: str, num: pl.Expr, den: pl.Expr, threshold: pl.Expr, *, at_least: bool, missing: str
) -> list[pl.Expr]:
    value = pl.when(den > 0).then((num / den * 100).round(4))
    passed = (value >= threshold) if at_least else (value < threshold)
    reason = pl.when(value.is_null()).then(_lit(missing)).when(~passed).then(_lit("above_threshold"))
    return [
        value.alias(f"{prefix}_pct"),
        threshold.alias(f"{prefix}_threshold"),
        passed.fill_null(False).alias(f"{prefix}_passed"),
        reason.alias(f"_r_{prefix}"),
    ]


def village_exit(
    households: pl.DataFrame, population: pl.DataFrame, params: pl.DataFrame, *, year: int
) -> pl.DataFrame:
    """One row per village with households or a denominator in `year`: poor persons, rural population,
    incidence, threshold, passed and reasons. `households`: village, year, status, size;
    `population`: region_code, year, rural_population (schema.POPULATION)."""
    poor = (
        households.lazy()
        .filter(pl.col("year") == year)
        .group_by("village")
        .agg(
            (pl.col("size") * pl.col("status").is_in(POOR_STATUSES))
            .sum()
            .cast(pl.Int64)
            .alias("poor_persons"),
            pl.col("size").sum().cast(pl.Int64).alias("registered_persons"),
        )
        .collect()
    )
    pop = population.filter(
        (pl.col("year") == year) & (pl.col("region_code").str.slice(9, 3) != "000")
    ).select(pl.col("region_code").alias("village"), "rural_population")
    frame = poor.join(pop, on="village", how="full", coalesce=True).with_columns(
        pl.col("poor_persons").fill_null(0),
        pl.col("registered_persons").fill_null(0),
        pl.lit(year, pl.Int64).alias("year"),
    )
    R = Resolved(params, ["village_exit_incidence_pct"], frame, region_col="village", year_col="year")
    frame = R.attach(frame)
    ind = _indicator(
        "incidence",
        pl.col("poor_persons"),
        pl.col("rural_population").cast(pl.Float64),
        R["village_exit_incidence_pct"],
        at_least=False,
        missing="no_denominator",
    )
    out = frame.with_columns(ind).with_columns(
        pl.concat_list([pl.col("_r_incidence")]).list.drop_nulls().alias("reasons"),
        pl.col("incidence_passed").alias("exit"),
    )
    return out.select(
        "village",
        "year",
        "poor_persons",
        "registered_persons",
        "rural_population",
        "incidence_pct",
        "incidence_threshold",
        "incidence_passed",
        "exit",
        "reasons",
    ).sort("village")


def remaining_poor_by_county(households: pl.DataFrame, year: int) -> pl.DataFrame:
    """Registered poor persons per county (status poor or returned) from a household frame."""
    return (
        households.lazy()
        .filter(pl.col("year") == year)
        .group_by(pl.col("village").str.slice(0, 6).str.pad_end(12, "0").alias("county"))
        .agg(
            (pl.col("size") * pl.col("status").is_in(POOR_STATUSES))
            .sum()
            .cast(pl.Int64)
            .alias("remaining_poor_registry")
        )
        .collect()
    )


INDICATORS = ("comprehensive_incidence", "wrong_exit", "missed", "approval")


def county_inputs_from_samples(
    *,
    population: pl.DataFrame,
    exit_sample: pl.DataFrame | None = None,
    missed_sample: pl.DataFrame | None = None,
    survey: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """COUNTY_EXIT_INPUT counts from the evaluation's row-level frames (one row per sampled unit):

    - population: county, year, rural_population (and optionally remaining_poor);
    - exit_sample: county, year, wrongly_exited (bool) — one row per sampled exited person;
    - missed_sample: county, year, missed (bool) — one row per surveyed unregistered rural person;
    - survey: county, year, approves (bool) — one row per surveyed household.
    Counties without a sample get nulls (→ the indicator is null and does not pass)."""
    out = population.select(
        "county",
        "year",
        "rural_population",
        *(["remaining_poor"] if "remaining_poor" in population.columns else []),
    )
    samples = [
        (exit_sample, "wrongly_exited", "wrong_exit_found", "exit_sample"),
        (missed_sample, "missed", "missed_found", "missed_sample_population"),
        (survey, "approves", "survey_approving", "survey_households"),
    ]
    for frame, flag, found, total in samples:
        if frame is None:
            continue
        counts = frame.group_by("county", "year").agg(
            pl.col(flag).fill_null(False).sum().cast(pl.Int64).alias(found),
            pl.len().cast(pl.Int64).alias(total),
        )
        out = out.join(counts, on=["county", "year"], how="left", maintain_order="left")
    return ensure_columns(out, COUNTY_EXIT_INPUT).select(list(COUNTY_EXIT_INPUT))


def county_exit(
    inputs: pl.DataFrame, params: pl.DataFrame, *, households: pl.DataFrame | None = None
) -> pl.DataFrame:
    """三率一度 per county and year of `inputs` (schema.COUNTY_EXIT_INPUT). With `households`, a null
    `remaining_poor` is taken from the registry (poor and returned persons of the county that year)."""
    df = ensure_columns(inputs, COUNTY_EXIT_INPUT)
    if households is not None:
        for y in df["year"].unique().to_list():
            reg = remaining_poor_by_county(households, y).with_columns(pl.lit(y, pl.Int64).alias("year"))
            df = (
                df.join(reg, on=["county", "year"], how="left", maintain_order="left")
                .with_columns(
                    pl.coalesce("remaining_poor", "remaining_poor_registry").alias("remaining_poor")
                )
                .drop("remaining_poor_registry")
            )
    names = [
        "county_comprehensive_incidence_pct",
        "county_wrong_exit_pct",
        "county_missed_pct",
        "county_approval_pct",
    ]
    R = Resolved(params, names, df, region_col="county", year_col="year")
    df = R.attach(df)

    def f(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.Float64)

    numerator = f("remaining_poor") + f("missed_found").fill_null(0) + f("wrong_exit_found").fill_null(0)
    exprs = [
        *_indicator(
            "comprehensive_incidence",
            numerator,
            f("rural_population"),
            R[names[0]],
            at_least=False,
            missing="no_denominator",
        ),
        *_indicator(
            "wrong_exit",
            f("wrong_exit_found"),
            f("exit_sample"),
            R[names[1]],
            at_least=False,
            missing="no_sample",
        ),
        *_indicator(
            "missed",
            f("missed_found"),
            f("missed_sample_population"),
            R[names[2]],
            at_least=False,
            missing="no_sample",
        ),
        *_indicator(
            "approval",
            f("survey_approving"),
            f("survey_households"),
            R[names[3]],
            at_least=True,
            missing="no_sample",
        ),
    ]
    out = df.with_columns(exprs)
    reason_structs = [
        pl.when(pl.col(f"_r_{i}").is_not_null()).then(
            pl.struct(pl.lit(i).alias("indicator"), pl.col(f"_r_{i}").alias("reason"))
        )
        for i in INDICATORS
    ]
    out = out.with_columns(
        pl.all_horizontal([pl.col(f"{i}_passed") for i in INDICATORS]).alias("exit"),
        pl.concat_list(reason_structs).list.drop_nulls().alias("reasons"),
    )
    cols = ["county", "year"]
    for i in INDICATORS:
        cols += [f"{i}_pct", f"{i}_threshold", f"{i}_passed"]
    return out.select(*cols, "exit", "reasons").sort("county", "year")


def exit_reason_label(code: str, lang: str = "zh") -> str:
    zh, en = EXIT_REASONS[code]
    return en if lang.startswith("en") else zh
