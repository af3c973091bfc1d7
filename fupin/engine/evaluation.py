"""成效考核 / 第三方评估 / 普查 (domain.md §7.1, §7.2, §4.3): a seeded stratified sample of households, the
verification visits' judgement, and 错退率, 漏评率 and 群众认可度 with Wilson confidence intervals.

The sample (`draw_sample`), in two stages, over the households of one county in one year:

1. Villages. Every village of the county with households gets a permanent random number
   `key = splitmix64(splitmix64(seed) XOR village code)`; the `evaluation_sample_villages` villages with the
   smallest keys are drawn.
2. Households, per stratum: 已脱贫 `exited` (status exited_policy, exited_stable) and 未脱贫 `poor` (poor,
   exit_pending, returned) from the whole county; 未建档立卡 `unregistered` (not_poor, removed) from the
   drawn villages only — the 漏评 survey covers the unregistered rural population of the sampled villages.
   Each household's key is `splitmix64(splitmix64(seed) XOR household_id)`; the `evaluation_sample_<stratum>`
   households with the smallest keys are drawn (simple random sampling without replacement within the
   stratum). A census (普查) takes every household of every stratum in every village.

Permanent random numbers make the draw reproducible: the same seed over the same households gives the same
sample, and a household added later does not change which of the others were drawn (only whether it enters
itself). Everything is vectorised: one hash over a column, one sort and `rank` per stratum.

Rates (`rates`), from the visits (domain.md §4.3):

- 错退率 = persons of visited exited households found wrongly exited / persons of visited exited households;
- 漏评率 = persons of visited unregistered households found to meet the standard / their persons;
- 群众认可度 = visited households that approve / visited households (every stratum).

A household "meets the standard" (is poor, §3.3) when its re-measured per-capita net income is below the
poverty line in force, or any of 不愁吃, 不愁穿, 义务教育, 基本医疗, 住房安全, 饮水安全 is not secured (§3.2). The
interval is Wilson's score interval at `evaluation_confidence_pct`, with the finite-population correction
(the variance times (N − n)/(N − 1), i.e. Wilson with the effective size n·(N − 1)/(N − n)) where the
stratum's size N is known; a census (n = N) has no sampling error. The interval treats persons as drawn
independently: households cluster persons, so the true interval of the person rates is somewhat wider.
Sample sizes and the confidence level are policy parameters (name, year, region).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import polars as pl

from fupin.engine.params import resolve_table
from fupin.engine.schema import EXITED_STATUSES, REGISTERED_POOR_STATUSES

NATIONAL = ""
STRATA = ("exited", "poor", "unregistered")
UNREGISTERED_STATUSES = ("not_poor", "removed")
GUARANTEES = ("food", "clothing", "education", "medical", "housing", "water")
INDICATORS = ("wrong_exit", "missed", "approval")
SIZE_PARAMS = {
    "villages": "evaluation_sample_villages",
    "exited": "evaluation_sample_exited",
    "poor": "evaluation_sample_poor",
    "unregistered": "evaluation_sample_unregistered",
}
CONFIDENCE_PARAM = "evaluation_confidence_pct"

# Default rows (name, region_code, year_from, year_to, value, source), created when missing by
# fupin/evaluation/services.py: ensure_parameters; their labels for fupin/policy/definitions.py.
PARAM_DEFAULTS: list[tuple[str, str, int, int | None, float, str]] = [
    (
        "evaluation_sample_villages",
        NATIONAL,
        2014,
        None,
        10.0,
        "抽查村 per county: the 漏评 survey covers the unregistered households of these villages "
        "(domain.md §4.3; the number is local practice [memory, low] — provinces override)",
    ),
    (
        "evaluation_sample_exited",
        NATIONAL,
        2014,
        None,
        100.0,
        "sampled exited households per county for 错退率 (domain.md §4.3 抽样脱贫人口; size local practice "
        "[memory, low])",
    ),
    (
        "evaluation_sample_poor",
        NATIONAL,
        2014,
        None,
        30.0,
        "sampled households still poor per county, surveyed for 群众认可度 (domain.md §4.3 [memory, low])",
    ),
    (
        "evaluation_sample_unregistered",
        NATIONAL,
        2014,
        None,
        50.0,
        "sampled unregistered households of the sampled villages for 漏评率 (domain.md §4.3 [memory, low])",
    ),
    (
        "evaluation_confidence_pct",
        NATIONAL,
        2014,
        None,
        95.0,
        "confidence level of the intervals of 错退率, 漏评率 and 群众认可度 (statistical convention)",
    ),
]
PARAM_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "evaluation_sample_villages": ("成效考核：抽查村数", "Evaluation: villages sampled per county", "个"),
    "evaluation_sample_exited": ("成效考核：抽样脱贫户数", "Evaluation: exited households sampled", "户"),
    "evaluation_sample_poor": ("成效考核：抽样未脱贫户数", "Evaluation: poor households sampled", "户"),
    "evaluation_sample_unregistered": (
        "成效考核：抽查村未建档立卡户抽样数",
        "Evaluation: unregistered households sampled in the sampled villages",
        "户",
    ),
    "evaluation_confidence_pct": ("成效考核：置信水平", "Evaluation: confidence level", "%"),
}
assert set(PARAM_DEFINITIONS) == {r[0] for r in PARAM_DEFAULTS}

# --- parameters ---------------------------------------------------------------------------------------


def sample_sizes(params: pl.DataFrame, county: str, year: int) -> dict[str, int | None]:
    """The sample sizes in force for `county` in `year`: villages and one per stratum (None where unset)."""
    table = resolve_table(
        params, list(SIZE_PARAMS.values()), pl.DataFrame({"region_code": [county], "year": [year]})
    )
    row = table.row(0, named=True)
    return {k: None if row[p] is None else int(row[p]) for k, p in SIZE_PARAMS.items()}


def confidence(params: pl.DataFrame, county: str, year: int) -> float | None:
    table = resolve_table(params, [CONFIDENCE_PARAM], pl.DataFrame({"region_code": [county], "year": [year]}))
    value = table[CONFIDENCE_PARAM][0]
    return None if value is None else float(value)


# --- the sample ---------------------------------------------------------------------------------------

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser over a uint64 array (wrapping arithmetic): a well-mixed 64-bit hash."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def unit_keys(ids: pl.Series, seed: int) -> pl.Series:
    """The permanent random number of each unit (a non-negative integer id) for `seed`: UInt64."""
    salt = _splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    values = ids.cast(pl.UInt64).to_numpy().astype(np.uint64)
    return pl.Series(ids.name, _splitmix64(values ^ salt) & _M64, dtype=pl.UInt64)


def stratum_expr(status: str = "status") -> pl.Expr:
    s = pl.col(status)
    return (
        pl.when(s.is_in(EXITED_STATUSES))
        .then(pl.lit("exited"))
        .when(s.is_in(REGISTERED_POOR_STATUSES))
        .then(pl.lit("poor"))
        .when(s.is_in(UNREGISTERED_STATUSES))
        .then(pl.lit("unregistered"))
    )


def _smallest(df: pl.DataFrame, by: str, n: int | None, over: str | None = None) -> pl.DataFrame:
    """The rows with the `n` smallest keys in `by` (per `over` group); every row when n is None."""
    if n is None:
        return df
    rank = pl.col(by).rank("ordinal")
    return df.filter((rank.over(over) if over else rank) <= n)


def draw_sample(
    households: pl.DataFrame, sizes: dict[str, int | None], seed: int, *, census: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The sample of `households` (household_id, village, status, size: one county, one year).

    Returns (villages, sample): the villages with `key` and `sampled`; the drawn households with household_id,
    village, status, size, stratum and `rank` (1 = smallest key within its stratum). A stratum's size None
    (or `census`) takes all of it."""
    hh = (
        households.select("household_id", "village", "status", "size")
        .with_columns(stratum_expr().alias("stratum"))
        .filter(pl.col("stratum").is_not_null())
    )
    villages = hh.select(pl.col("village").unique().sort())
    n_villages = None if census else sizes.get("villages")
    villages = villages.with_columns(unit_keys(villages["village"].cast(pl.UInt64), seed).alias("key"))
    villages = villages.with_columns(
        (pl.lit(True) if n_villages is None else pl.col("key").rank("ordinal") <= n_villages).alias("sampled")
    )
    in_villages = villages.filter("sampled")["village"].implode()
    hh = hh.with_columns(unit_keys(hh["household_id"], seed).alias("key"))
    hh = hh.filter((pl.col("stratum") != "unregistered") | pl.col("village").is_in(in_villages))
    parts = [
        _smallest(hh.filter(pl.col("stratum") == s), "key", None if census else sizes.get(s)) for s in STRATA
    ]
    sample = pl.concat(parts).with_columns(pl.col("key").rank("ordinal").over("stratum").alias("rank"))
    return villages, sample.sort("stratum", "rank").drop("key")


def stratum_populations(households: pl.DataFrame, villages: pl.DataFrame) -> pl.DataFrame:
    """Per stratum, the population the sample was drawn from: households and persons (exited and poor in the
    whole county, unregistered in the drawn villages). For the finite-population correction."""
    drawn = villages.filter("sampled")["village"].implode()
    return (
        households.with_columns(stratum_expr().alias("stratum"))
        .filter(
            pl.col("stratum").is_not_null()
            & ((pl.col("stratum") != "unregistered") | pl.col("village").is_in(drawn))
        )
        .group_by("stratum")
        .agg(
            pl.len().cast(pl.Int64).alias("households"), pl.col("size").sum().cast(pl.Int64).alias("persons")
        )
        .sort("stratum")
    )


# --- the visits ---------------------------------------------------------------------------------------


def judge(visits: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """`visits` (county, year, stratum, size, income_pc, the GUARANTEES as booleans, approves) with
    `poverty_line`, `meets_standard` (income below the line or a guarantee not secured), `wrongly_exited`
    (exited and meets the standard) and `missed` (unregistered and meets the standard). An unknown income or
    guarantee leaves the judgement unknown (null)."""
    table = resolve_table(params, ["poverty_line"], visits, region_col="county", year_col="year")
    df = visits.join(table, on=["county", "year"], how="left", maintain_order="left")
    unmet = pl.any_horizontal([~pl.col(g) for g in GUARANTEES])
    all_known = pl.all_horizontal([pl.col(g).is_not_null() for g in GUARANTEES])
    below = pl.col("income_pc").cast(pl.Float64) < pl.col("poverty_line")
    meets = (
        pl.when(below.fill_null(False) | unmet.fill_null(False))
        .then(True)
        .when(below.is_not_null() & all_known)
        .then(False)
    )
    return df.with_columns(meets.alias("meets_standard")).with_columns(
        (pl.col("meets_standard") & (pl.col("stratum") == "exited")).alias("wrongly_exited"),
        (pl.col("meets_standard") & (pl.col("stratum") == "unregistered")).alias("missed"),
    )


def wilson(x: pl.Expr, n: pl.Expr, z: float, population: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """Wilson's score interval of x/n at normal quantile z, as percentages (null when n is 0). With the
    population size N: the finite-population correction (effective size n(N−1)/(N−n); none left at n ≥ N)."""
    xf, nf = x.cast(pl.Float64), n.cast(pl.Float64)
    p = xf / nf
    if population is None:
        m = nf
        exact = pl.lit(False)
    else:
        big = population.cast(pl.Float64)
        exact = big.is_not_null() & (nf >= big)
        m = pl.when(big.is_not_null() & (big > nf)).then(nf * (big - 1) / (big - nf)).otherwise(nf)
    z2 = z * z
    centre = (p + z2 / (2 * m)) / (1 + z2 / m)
    half = z / (1 + z2 / m) * (p * (1 - p) / m + z2 / (4 * m * m)).sqrt()
    low = pl.when(nf <= 0).then(None).when(exact).then(p).otherwise((centre - half).clip(0, 1))
    high = pl.when(nf <= 0).then(None).when(exact).then(p).otherwise((centre + half).clip(0, 1))
    return (low * 100).round(2), (high * 100).round(2)


def quantile(confidence_pct: float) -> float:
    """The two-sided normal quantile of a confidence level in percent (95 → 1.96)."""
    return NormalDist().inv_cdf(0.5 + confidence_pct / 200)


def rates(judged: pl.DataFrame, populations: pl.DataFrame, confidence_pct: float) -> pl.DataFrame:
    """One row per indicator (wrong_exit, missed, approval): numerator, denominator, unit (persons or
    households), visited households, population (for the correction), pct, ci_low, ci_high, confidence.
    Visits whose judgement is unknown count in neither term of 错退率 or 漏评率."""
    z = quantile(confidence_pct)
    size = pl.col("size").cast(pl.Int64)

    def persons(stratum: str, flag: str) -> pl.DataFrame:
        known = judged.filter((pl.col("stratum") == stratum) & pl.col(flag).is_not_null())
        return known.select(
            (size * pl.col(flag).cast(pl.Int64)).sum().alias("numerator"),
            size.sum().alias("denominator"),
            pl.len().cast(pl.Int64).alias("visited"),
        )

    pop = {r["stratum"]: r for r in populations.iter_rows(named=True)}

    def total(stratum: str, unit: str) -> int | None:
        return pop[stratum][unit] if stratum in pop else None

    approving = judged.filter(pl.col("approves").is_not_null())
    all_households = sum(r["households"] for r in pop.values()) if pop else None
    rows = [
        persons("exited", "wrongly_exited").with_columns(
            pl.lit("wrong_exit").alias("indicator"),
            pl.lit("persons").alias("unit"),
            pl.lit(total("exited", "persons"), pl.Int64).alias("population"),
        ),
        persons("unregistered", "missed").with_columns(
            pl.lit("missed").alias("indicator"),
            pl.lit("persons").alias("unit"),
            pl.lit(total("unregistered", "persons"), pl.Int64).alias("population"),
        ),
        approving.select(
            pl.col("approves").cast(pl.Int64).sum().alias("numerator"),
            pl.len().cast(pl.Int64).alias("denominator"),
            pl.len().cast(pl.Int64).alias("visited"),
        ).with_columns(
            pl.lit("approval").alias("indicator"),
            pl.lit("households").alias("unit"),
            pl.lit(all_households, pl.Int64).alias("population"),
        ),
    ]
    df = pl.concat(
        [
            r.select(
                "indicator",
                pl.col("numerator").fill_null(0).cast(pl.Int64),
                pl.col("denominator").fill_null(0).cast(pl.Int64),
                "unit",
                pl.col("visited").cast(pl.Int64),
                "population",
            )
            for r in rows
        ]
    )
    low, high = wilson(pl.col("numerator"), pl.col("denominator"), z, pl.col("population"))
    return df.with_columns(
        pl.when(pl.col("denominator") > 0)
        .then((pl.col("numerator") / pl.col("denominator") * 100).round(2))
        .alias("pct"),
        low.alias("ci_low"),
        high.alias("ci_high"),
        pl.lit(confidence_pct, pl.Float64).alias("confidence"),
    )


def exit_counts(judged: pl.DataFrame) -> dict[str, int]:
    """The county-exit inputs (schema.COUNTY_EXIT_INPUT sample columns) from judged visits: persons sampled
    and found for 错退 and 漏评, households surveyed and approving."""
    out: dict[str, int] = {}
    r = rates(judged, pl.DataFrame(schema={"stratum": pl.String}), 95.0)
    by = {row["indicator"]: row for row in r.iter_rows(named=True)}
    out["exit_sample"] = by["wrong_exit"]["denominator"]
    out["wrong_exit_found"] = by["wrong_exit"]["numerator"]
    out["missed_sample_population"] = by["missed"]["denominator"]
    out["missed_found"] = by["missed"]["numerator"]
    out["survey_households"] = by["approval"]["denominator"]
    out["survey_approving"] = by["approval"]["numerator"]
    return out
