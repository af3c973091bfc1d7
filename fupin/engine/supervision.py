"""挂牌督战 (listed supervision, domain.md §1, §9) and 四个不摘 (domain.md §4.1): which counties and villages
lag behind, and which exited households and villages have lost their cadre, a measure or their work team
within the buffer years after exit.

Pure Polars, no Django. Both are rules as data — a record with an id, the zh/en message and a Polars
expression over one frame (true = the rule flags the row) — evaluated in one pass per frame; every
threshold is a policy parameter resolved per region and year (`engine/params.py`).

`propose` (the list): one row per county and village of `regions` with the figures the rules read —
  poor_persons        persons of poor households (schema.POOR_STATUSES) in `year`
  incidence_pct       poor persons / rural population × 100 (null where the region has no denominator)
  overdue_cases       open monitoring cases (monitoring/cases.py) whose deadline is before `as_of`
  uncovered           poor households without a cadre in force or without a matched measure (coverage.py)
— and the reasons (rule codes) that put it on the list; regions no rule flags are left out.

`keep_checks` (四个不摘): the findings over the households and villages that exited within
`supervision_buffer_years` of `year` (0 ≤ year − exit_year ≤ buffer).

Input frames (column: type; dates pl.Date):
  regions      code, name, level, poverty_status, exit_year
  household_years  household_id, village, year, status, size        (schema.HOUSEHOLD_YEARS)
  population   region_code, year, rural_population                  (schema.POPULATION)
  cases        village, deadline                                     (open cases only)
  coverage     the frames of coverage.SCHEMAS (households, assignments, measures, cause_measures, teams)
  exits        household_id, household_no, village, year, status, exit_year
  stopped      household_id, year, measure_code                      (plan measures with status stopped)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl
from polars.datatypes import DataTypeClass

from fupin.engine import coverage, stats
from fupin.engine.params import Resolved
from fupin.engine.regions import COUNTY, VILLAGE
from fupin.engine.schema import EXITED_STATUSES, POOR_STATUSES

c = pl.col
NATIONAL = ""
LEVELS = (COUNTY, VILLAGE)  # 挂牌督战 lists counties and villages (domain.md §1: 52 counties, 1,113 villages)
POOR_REGION_STATUSES = ("poor_village", "poor_county")

REMAINING_MIN = "supervision_remaining_poor_min"
INCIDENCE_PCT = "supervision_incidence_pct"
OVERDUE_MIN = "supervision_overdue_cases_min"
UNCOVERED_MIN = "supervision_uncovered_min"
BUFFER_YEARS = "supervision_buffer_years"
LIST_PARAMS = (REMAINING_MIN, INCIDENCE_PCT, OVERDUE_MIN, UNCOVERED_MIN)

# Default rows (name, region_code, year_from, year_to, value, source), created when missing by
# fupin/supervision/services.py: ensure_parameters; their labels for fupin/policy/definitions.py.
PARAM_DEFAULTS: list[tuple[str, str, int, int | None, float, str]] = [
    (
        REMAINING_MIN,
        NATIONAL,
        2014,
        None,
        1.0,
        "a poor county or village not yet out of poverty with at least 1 poor person left is listed "
        "(2020 挂牌督战 of the unexited counties, domain.md §1 [S22]; the threshold is ours)",
    ),
    (
        INCIDENCE_PCT,
        NATIONAL,
        2014,
        None,
        10.0,
        "incidence above 10% lists a county or village (the 2020 挂牌督战 villages had high incidence, "
        "domain.md §1 [S22]; the figure is [memory, low] — provinces override)",
    ),
    (
        OVERDUE_MIN,
        NATIONAL,
        2014,
        None,
        1.0,
        "at least 1 open monitoring case past its deadline (domain.md §6.6, ours)",
    ),
    (
        UNCOVERED_MIN,
        NATIONAL,
        2014,
        None,
        1.0,
        "at least 1 poor household without a cadre or a matched measure (domain.md §9 结对帮扶, ours)",
    ),
    (
        BUFFER_YEARS,
        NATIONAL,
        2014,
        None,
        5.0,
        "四个不摘 for 5 years after exit: the 5-year 过渡期 (domain.md §1 [S37], §4.1 [S33][S6])",
    ),
]
PARAM_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    REMAINING_MIN: (
        "挂牌督战：未退出地区剩余贫困人口下限",
        "Listed supervision: remaining poor at least",
        "人",
    ),
    INCIDENCE_PCT: ("挂牌督战：贫困发生率高于", "Listed supervision: incidence above", "%"),
    OVERDUE_MIN: ("挂牌督战：超期未办结案件数下限", "Listed supervision: overdue cases at least", "件"),
    UNCOVERED_MIN: (
        "挂牌督战：帮扶未全覆盖户数下限",
        "Listed supervision: households without full assistance at least",
        "户",
    ),
    BUFFER_YEARS: ("四个不摘：脱贫后保持年数", "Four not-removed: years kept after exit", "年"),
}
assert set(PARAM_DEFINITIONS) == {r[0] for r in PARAM_DEFAULTS}


@dataclass(frozen=True)
class Rule:
    """One reason to list a region: code, messages, the expression (true = listed) over the figures."""

    code: str
    zh: str
    en: str
    build: Callable[[Resolved], pl.Expr]


RULES: list[Rule] = [
    Rule(
        "remaining_poor",
        "未摘帽（出列）且仍有贫困人口",
        "not yet out of poverty, poor people remain",
        lambda R: c("_unexited") & (c("poor_persons") > 0) & (c("poor_persons") >= R[REMAINING_MIN]),
    ),
    Rule(
        "high_incidence",
        "贫困发生率偏高",
        "incidence above the threshold",
        lambda R: (c("incidence_pct") > R[INCIDENCE_PCT]).fill_null(False),
    ),
    Rule(
        "overdue_cases",
        "监测案件超期未办结",
        "monitoring cases past their deadline",
        lambda R: (c("overdue_cases") > 0) & (c("overdue_cases") >= R[OVERDUE_MIN]),
    ),
    Rule(
        "uncovered",
        "贫困户帮扶未全覆盖",
        "poor households without a cadre or a matched measure",
        lambda R: (c("uncovered") > 0) & (c("uncovered") >= R[UNCOVERED_MIN]),
    ),
]
RULE_CODES = tuple(r.code for r in RULES)

PROPOSAL: dict[str, pl.DataType | DataTypeClass] = {
    "region_code": pl.String,
    "region_name": pl.String,
    "level": pl.Int64,
    "year": pl.Int64,
    "poverty_status": pl.String,
    "exit_year": pl.Int64,
    "poor_persons": pl.Int64,
    "rural_population": pl.Int64,
    "incidence_pct": pl.Float64,
    "overdue_cases": pl.Int64,
    "uncovered": pl.Int64,
    "reasons": pl.List(pl.String),
}


def _by_level(frame: pl.DataFrame, col: str, name: str) -> pl.DataFrame:
    """Count the rows of `frame` per county and per village (by the 12-digit code in `col`)."""
    parts = [
        frame.select(stats.unit_code(col, level).alias("region_code"))
        .group_by("region_code")
        .agg(pl.len().cast(pl.Int64).alias(name))
        for level in LEVELS
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"region_code": pl.String, name: pl.Int64})


def figures(
    regions: pl.DataFrame,
    household_years: pl.DataFrame,
    population: pl.DataFrame,
    cases: pl.DataFrame,
    coverage_frames: dict[str, pl.DataFrame],
    *,
    year: int,
    as_of: date,
) -> pl.DataFrame:
    """The figures the rules read, one row per county and village of `regions`."""
    units = regions.filter(c("level").is_in(LEVELS))
    counts = stats.counts_by_tree(
        household_years, units.select("code", "name", "level"), population, year=year
    )
    overdue = _by_level(cases.filter(c("deadline") < as_of), "village", "overdue_cases")
    f = {name: coverage_frames.get(name, coverage.empty(name)) for name in coverage.SCHEMAS}
    hf = coverage.household_frame(
        f["households"], f["assignments"], f["measures"], f["cause_measures"], year=year, as_of=as_of
    )
    poor = c("status").is_in(list(POOR_STATUSES))
    uncovered = _by_level(
        hf.filter(poor & ~(c("_has_cadre") & c("_has_matched_measure"))), "village", "uncovered"
    )
    exited_by = c("exit_year").is_not_null() & (c("exit_year") <= year)
    return (
        counts.select(
            "region_code", "region_name", "level", "year", "poor_persons", "rural_population", "incidence_pct"
        )
        .join(
            units.select(c("code").alias("region_code"), "poverty_status", "exit_year"),
            on="region_code",
            how="left",
        )
        .join(overdue, on="region_code", how="left")
        .join(uncovered, on="region_code", how="left")
        .with_columns(
            c("overdue_cases").fill_null(0),
            c("uncovered").fill_null(0),
            (c("poverty_status").is_in(POOR_REGION_STATUSES) & ~exited_by.fill_null(False)).alias(
                "_unexited"
            ),
        )
    )


def propose(
    regions: pl.DataFrame,
    household_years: pl.DataFrame,
    population: pl.DataFrame,
    cases: pl.DataFrame,
    coverage_frames: dict[str, pl.DataFrame],
    params: pl.DataFrame,
    *,
    year: int,
    as_of: date,
    rules: list[Rule] = RULES,
    keep_all: bool = False,
) -> pl.DataFrame:
    """The counties and villages the rules flag (schema PROPOSAL), counties first; `keep_all` keeps the
    regions no rule flags too (with no reasons), for checking one region."""
    df = figures(regions, household_years, population, cases, coverage_frames, year=year, as_of=as_of)
    if df.height == 0:
        return pl.DataFrame(schema=PROPOSAL)
    R = Resolved(params, LIST_PARAMS, df.select("region_code", "year"), region_col="region_code")
    df = R.attach(df)
    hits = [pl.when(r.build(R)).then(pl.lit(r.code)) for r in rules]
    df = df.with_columns(pl.concat_list(hits).list.drop_nulls().alias("reasons"))
    if not keep_all:
        df = df.filter(c("reasons").list.len() > 0)
    return df.select([c(n).cast(t) for n, t in PROPOSAL.items()]).sort("level", "region_code")


# --- 四个不摘 ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeepCheck:
    """One 四个不摘 check (scope household or village), its messages and its expression."""

    id: str
    scope: str
    zh: str
    en: str
    build: Callable[[], pl.Expr]


KEEP_CHECKS: list[KeepCheck] = [
    KeepCheck(
        "KEEP-H1",
        "household",
        "脱贫户在过渡期内未落实帮扶责任人（不摘帮扶）",
        "exited household without an assistance cadre within the buffer years (assistance kept)",
        lambda: ~c("_has_cadre"),
    ),
    KeepCheck(
        "KEEP-H2",
        "household",
        "脱贫户在过渡期内有帮扶措施被终止（不摘政策）",
        "exited household with a measure stopped within the buffer years (policies kept)",
        lambda: c("_stopped").fill_null("") != "",
    ),
    KeepCheck(
        "KEEP-V1",
        "village",
        "出列村在过渡期内没有驻村工作队（不摘责任、不摘监管）",
        "village out of poverty without a resident work team within the buffer years "
        "(responsibility and supervision kept)",
        lambda: ~c("_has_team"),
    ),
]
KEEP_BY_ID = {k.id: k for k in KEEP_CHECKS}

KEEP_FINDINGS: dict[str, pl.DataType | DataTypeClass] = {
    "check_id": pl.String,
    "scope": pl.String,
    "region_code": pl.String,
    "household_id": pl.Int64,
    "household_no": pl.String,
    "subject": pl.String,
    "exit_year": pl.Int64,
    "value": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
}


def _within_buffer(params: pl.DataFrame, frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The rows of `frame` (village, exit_year) whose exit lies within the buffer years before `year`."""
    keyed = frame.with_columns(pl.lit(year, pl.Int64).alias("_year"))
    R = Resolved(params, [BUFFER_YEARS], keyed.select("village", "_year"), year_col="_year")
    since = pl.lit(year, pl.Int64) - c("exit_year")
    return (
        R.attach(keyed)
        .filter(c("exit_year").is_not_null() & (since >= 0) & (since <= R[BUFFER_YEARS]))
        .drop("_year", *[f"_p_{n}" for n in R.varying])
    )


def _keep_rows(hit: pl.DataFrame, check: KeepCheck, keys: dict[str, pl.Expr]) -> pl.DataFrame:
    cols = {name: keys.get(name, pl.lit(None)).cast(t) for name, t in KEEP_FINDINGS.items()}
    cols |= {
        "check_id": pl.lit(check.id),
        "scope": pl.lit(check.scope),
        "message_zh": pl.lit(check.zh),
        "message_en": pl.lit(check.en),
    }
    return hit.select([cols[n].alias(n) for n in KEEP_FINDINGS])


def keep_checks(
    exits: pl.DataFrame,
    stopped: pl.DataFrame,
    villages: pl.DataFrame,
    coverage_frames: dict[str, pl.DataFrame],
    params: pl.DataFrame,
    *,
    year: int,
    as_of: date,
    checks: list[KeepCheck] = KEEP_CHECKS,
) -> pl.DataFrame:
    """四个不摘 findings (schema KEEP_FINDINGS): exited households (status 已脱贫) and villages out of
    poverty within the buffer years that now have no cadre, a stopped measure or no work team."""
    f = {name: coverage_frames.get(name, coverage.empty(name)) for name in coverage.SCHEMAS}
    out: list[pl.DataFrame] = []
    hh = _within_buffer(
        params, exits.filter((c("year") == year) & c("status").is_in(list(EXITED_STATUSES))), year
    )
    if hh.height:
        in_force = f["assignments"].filter(
            (c("start_date").is_null() | (c("start_date") <= as_of))
            & (c("end_date").is_null() | (c("end_date") >= as_of))
        )
        stops = (
            stopped.join(hh.select("household_id", "exit_year"), on="household_id")
            .filter((c("year") >= c("exit_year")) & (c("year") <= year))
            .group_by("household_id")
            .agg(c("measure_code").unique().sort().str.join(",").alias("_stopped"))
        )
        hf = hh.join(stops, on="household_id", how="left").with_columns(
            c("household_id").is_in(in_force["household_id"].implode()).alias("_has_cadre")
        )
        for k in checks:
            if k.scope != "household":
                continue
            hit = hf.filter(k.build())
            if hit.height:
                value = c("_stopped") if k.id == "KEEP-H2" else pl.lit(None)
                out.append(
                    _keep_rows(
                        hit,
                        k,
                        {
                            "region_code": c("village"),
                            "household_id": c("household_id"),
                            "household_no": c("household_no"),
                            "subject": c("household_no"),
                            "exit_year": c("exit_year"),
                            "value": value,
                        },
                    )
                )
    vf = _within_buffer(
        params,
        villages.filter((c("level") == VILLAGE) & (c("poverty_status") == "poor_village")).rename(
            {"code": "village"}
        ),
        year,
    )
    if vf.height:
        teams = f["teams"].filter(
            (c("start_date").is_null() | (c("start_date") <= as_of))
            & (c("end_date").is_null() | (c("end_date") >= as_of))
        )
        vf = vf.with_columns(c("village").is_in(teams["village"].implode()).alias("_has_team"))
        for k in checks:
            if k.scope != "village":
                continue
            hit = vf.filter(k.build())
            if hit.height:
                out.append(
                    _keep_rows(
                        hit,
                        k,
                        {"region_code": c("village"), "subject": c("name"), "exit_year": c("exit_year")},
                    )
                )
    if not out:
        return pl.DataFrame(schema=KEEP_FINDINGS)
    return pl.concat(out).sort("region_code", "check_id", "household_no", nulls_last=True)
