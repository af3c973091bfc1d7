"""Coverage of assistance (帮扶全覆盖): who is left without a cadre, a matched measure, a work team …

Pure Polars, no Django. Each `Check` is a record — id, scope, severity, Chinese and English messages and
a Polars expression (true = a finding) — evaluated over one frame per scope in one `filter` each:

- household: one row per household in `year` with `status`, `_has_cadre` (an assignment in force on
  `as_of`) and `_has_matched_measure` (a measure of that year, not stopped, whose code is suggested for
  one of the household's causes; a household whose causes have no suggestion needs any measure).
- village: one row per village with `is_poor`, `_has_team`, `_has_first_secretary`, `_has_paired_unit`,
  `_has_county_leader` (each in force on `as_of`).
- cadre: one row per cadre with `_households` (assignments in force on `as_of`) and `_limit`.
- measure: one row per plan measure with `_ended` (status done/stopped, or an end date before `as_of`).

Input frames (column: type; dates are pl.Date, null end = open):
  households   household_id, household_no, village, year, status, main_cause, other_causes
  assignments  household_id, cadre_id, start_date, end_date
  measures     measure_id, household_id, year, measure_code, status, end_date, result
  cause_measures  cause, measure_code        (the suggestions, domain.md §5.5)
  cadres       cadre_id, name, region
  villages     code, name, is_poor
  teams        team_id, village, start_date, end_date
  team_members team_id, is_first_secretary, start_date, end_date
  paired_units region_code, start_date, end_date
  leaders      region_code, level, start_date, end_date
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl
from polars.datatypes import DataTypeClass

from fupin.engine.schema import POOR_STATUSES

c = pl.col
ERROR, WARNING = "error", "warning"
ENDED_STATUSES = ("done", "stopped")
COUNTING_STATUSES = ("planned", "in_progress", "done")  # a stopped measure covers nothing

SCHEMAS: dict[str, dict[str, pl.DataType | DataTypeClass]] = {
    "households": {
        "household_id": pl.Int64,
        "household_no": pl.String,
        "village": pl.String,
        "year": pl.Int64,
        "status": pl.String,
        "main_cause": pl.String,
        "other_causes": pl.String,
    },
    "assignments": {
        "household_id": pl.Int64,
        "cadre_id": pl.Int64,
        "start_date": pl.Date,
        "end_date": pl.Date,
    },
    "measures": {
        "measure_id": pl.Int64,
        "household_id": pl.Int64,
        "year": pl.Int64,
        "measure_code": pl.String,
        "status": pl.String,
        "end_date": pl.Date,
        "result": pl.String,
    },
    "cause_measures": {"cause": pl.String, "measure_code": pl.String},
    "cadres": {"cadre_id": pl.Int64, "name": pl.String, "region": pl.String},
    "villages": {"code": pl.String, "name": pl.String, "is_poor": pl.Boolean},
    "teams": {"team_id": pl.Int64, "village": pl.String, "start_date": pl.Date, "end_date": pl.Date},
    "team_members": {
        "team_id": pl.Int64,
        "is_first_secretary": pl.Boolean,
        "start_date": pl.Date,
        "end_date": pl.Date,
    },
    "paired_units": {"region_code": pl.String, "start_date": pl.Date, "end_date": pl.Date},
    "leaders": {"region_code": pl.String, "level": pl.String, "start_date": pl.Date, "end_date": pl.Date},
}

FINDINGS = {
    "check_id": pl.String,
    "scope": pl.String,
    "severity": pl.String,
    "year": pl.Int64,
    "region_code": pl.String,
    "household_id": pl.Int64,
    "household_no": pl.String,
    "cadre_id": pl.Int64,
    "measure_id": pl.Int64,
    "subject": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
    "value": pl.String,
}


@dataclass(frozen=True)
class Check:
    id: str
    scope: str  # household | village | cadre | measure
    severity: str  # error | warning
    message_zh: str
    message_en: str
    build: Callable[[], pl.Expr]  # true = finding
    value: Callable[[], pl.Expr] | None = None


_POOR = c("status").is_in(list(POOR_STATUSES))
_POOR_VILLAGE = c("is_poor").fill_null(False)

CHECKS: list[Check] = [
    Check(
        "COV-H1",
        "household",
        ERROR,
        "贫困户未落实帮扶责任人",
        "poor household without an assistance cadre",
        lambda: _POOR & ~c("_has_cadre"),
        lambda: c("status"),
    ),
    Check(
        "COV-H2",
        "household",
        ERROR,
        "贫困户没有与致贫原因相符的帮扶措施",
        "poor household without a measure matched to its cause",
        lambda: _POOR & ~c("_has_matched_measure"),
        lambda: c("_causes"),
    ),
    Check(
        "COV-V1",
        "village",
        ERROR,
        "贫困村未派驻村工作队",
        "poor village without a resident work team",
        lambda: _POOR_VILLAGE & ~c("_has_team"),
    ),
    Check(
        "COV-V2",
        "village",
        ERROR,
        "贫困村未选派第一书记",
        "poor village without a first secretary",
        lambda: _POOR_VILLAGE & ~c("_has_first_secretary"),
    ),
    Check(
        "COV-V3",
        "village",
        ERROR,
        "贫困村没有帮扶单位",
        "poor village without a paired unit",
        lambda: _POOR_VILLAGE & ~c("_has_paired_unit"),
    ),
    Check(
        "COV-V4",
        "village",
        WARNING,
        "贫困村没有县级领导联系",
        "poor village without a linked county-level leader",
        lambda: _POOR_VILLAGE & ~c("_has_county_leader"),
    ),
    Check(
        "COV-C1",
        "cadre",
        WARNING,
        "帮扶责任人结对户数超过上限",
        "assistance cadre has more households than the limit",
        lambda: c("_households") > c("_limit"),
        lambda: pl.format("{}/{}", c("_households"), c("_limit")),
    ),
    Check(
        "COV-M1",
        "measure",
        WARNING,
        "帮扶措施已结束但未填写成效",
        "measure ended without a recorded result",
        lambda: c("_ended") & (c("result").str.strip_chars().fill_null("") == ""),
        lambda: c("measure_code"),
    ),
]
BY_ID = {ch.id: ch for ch in CHECKS}


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[name])


def _in_force(as_of: date) -> pl.Expr:
    return (c("start_date").is_null() | (c("start_date") <= as_of)) & (
        c("end_date").is_null() | (c("end_date") >= as_of)
    )


def household_frame(
    households: pl.DataFrame,
    assignments: pl.DataFrame,
    measures: pl.DataFrame,
    cause_measures: pl.DataFrame,
    *,
    year: int,
    as_of: date,
) -> pl.DataFrame:
    hh = households.filter(c("year") == year).with_columns(
        pl.concat_list(c("main_cause").fill_null(""), c("other_causes").fill_null("").str.split(","))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique(maintain_order=True)
        .alias("_cause_list")
    )
    with_cadre = assignments.filter(_in_force(as_of)).select("household_id").unique()
    counting = measures.filter((c("year") == year) & c("status").is_in(COUNTING_STATUSES))
    causes = hh.select("household_id", c("_cause_list").alias("cause")).explode("cause").drop_nulls("cause")
    suggested = causes.join(cause_measures, on="cause", how="inner").select("household_id", "measure_code")
    matched = (
        suggested.join(
            counting.select("household_id", "measure_code"), on=["household_id", "measure_code"], how="semi"
        )
        .select("household_id")
        .unique()
    )
    # causes with no suggestion at all (其他, or none recorded): any measure that year answers them
    mapped = suggested.select("household_id").unique()
    any_measure = counting.select("household_id").unique()
    unmapped_ok = any_measure.join(mapped, on="household_id", how="anti")
    ok = pl.concat([matched, unmapped_ok]).unique()
    return hh.with_columns(
        c("household_id").is_in(with_cadre["household_id"].implode()).alias("_has_cadre"),
        c("household_id").is_in(ok["household_id"].implode()).alias("_has_matched_measure"),
        c("_cause_list").list.join(",").alias("_causes"),
    )


def village_frame(
    villages: pl.DataFrame,
    teams: pl.DataFrame,
    team_members: pl.DataFrame,
    paired_units: pl.DataFrame,
    leaders: pl.DataFrame,
    *,
    as_of: date,
) -> pl.DataFrame:
    active_teams = teams.filter(_in_force(as_of))
    secretaries = (
        team_members.filter(_in_force(as_of) & c("is_first_secretary").fill_null(False))
        .join(active_teams.select("team_id", "village"), on="team_id")
        .select("village")
    )
    units = paired_units.filter(_in_force(as_of)).select("region_code")
    county_leaders = leaders.filter(_in_force(as_of) & (c("level") == "county")).select("region_code")
    return villages.with_columns(
        c("code").is_in(active_teams["village"].implode()).alias("_has_team"),
        c("code").is_in(secretaries["village"].implode()).alias("_has_first_secretary"),
        c("code").is_in(units["region_code"].implode()).alias("_has_paired_unit"),
        c("code").is_in(county_leaders["region_code"].implode()).alias("_has_county_leader"),
    )


def cadre_frame(cadres: pl.DataFrame, assignments: pl.DataFrame, *, limit: int, as_of: date) -> pl.DataFrame:
    load = (
        assignments.filter(_in_force(as_of))
        .group_by("cadre_id")
        .agg(c("household_id").n_unique().cast(pl.Int64).alias("_households"))
    )
    return cadres.join(load, on="cadre_id", how="left").with_columns(
        c("_households").fill_null(0), pl.lit(limit, pl.Int64).alias("_limit")
    )


def measure_frame(measures: pl.DataFrame, *, year: int, as_of: date) -> pl.DataFrame:
    return measures.filter(c("year") == year).with_columns(
        (c("status").is_in(ENDED_STATUSES) | (c("end_date") < as_of).fill_null(False)).alias("_ended")
    )


def _findings(
    df: pl.DataFrame, checks: list[Check], year: int, keys: dict[str, pl.Expr]
) -> list[pl.DataFrame]:
    out = []
    for ch in checks:
        hit = df.filter(ch.build())
        if hit.height == 0:
            continue
        cols = {name: keys.get(name, pl.lit(None)).cast(t) for name, t in FINDINGS.items()}
        cols |= {
            "check_id": pl.lit(ch.id),
            "scope": pl.lit(ch.scope),
            "severity": pl.lit(ch.severity),
            "year": pl.lit(year, pl.Int64),
            "message_zh": pl.lit(ch.message_zh),
            "message_en": pl.lit(ch.message_en),
            "value": (ch.value() if ch.value else pl.lit(None)).cast(pl.String),
        }
        out.append(hit.select([cols[name].alias(name) for name in FINDINGS]))
    return out


def run(
    frames: dict[str, pl.DataFrame], *, year: int, as_of: date, cadre_limit: int, checks: list[Check] = CHECKS
) -> pl.DataFrame:
    """Every finding of `checks` for `year`, with assignments, teams, units and leaders taken as of `as_of`.
    Missing frames count as empty."""
    f = {name: frames.get(name, empty(name)) for name in SCHEMAS}
    by_scope = {
        s: [ch for ch in checks if ch.scope == s] for s in ("household", "village", "cadre", "measure")
    }
    out: list[pl.DataFrame] = []
    if by_scope["household"]:
        hf = household_frame(
            f["households"], f["assignments"], f["measures"], f["cause_measures"], year=year, as_of=as_of
        )
        out += _findings(
            hf,
            by_scope["household"],
            year,
            {
                "region_code": c("village"),
                "household_id": c("household_id"),
                "household_no": c("household_no"),
                "subject": c("household_no"),
            },
        )
    if by_scope["village"]:
        vf = village_frame(
            f["villages"], f["teams"], f["team_members"], f["paired_units"], f["leaders"], as_of=as_of
        )
        out += _findings(vf, by_scope["village"], year, {"region_code": c("code"), "subject": c("name")})
    if by_scope["cadre"]:
        cf = cadre_frame(f["cadres"], f["assignments"], limit=cadre_limit, as_of=as_of)
        out += _findings(
            cf,
            by_scope["cadre"],
            year,
            {"region_code": c("region"), "cadre_id": c("cadre_id"), "subject": c("name")},
        )
    if by_scope["measure"]:
        mf = measure_frame(f["measures"], year=year, as_of=as_of)
        hh = f["households"].filter(c("year") == year).select("household_id", "household_no", "village")
        mf = mf.join(hh, on="household_id", how="left")
        out += _findings(
            mf,
            by_scope["measure"],
            year,
            {
                "region_code": c("village"),
                "household_id": c("household_id"),
                "household_no": c("household_no"),
                "measure_id": c("measure_id"),
                "subject": c("household_no"),
            },
        )
    return pl.concat(out, how="vertical") if out else pl.DataFrame(schema=FINDINGS)


def summary(findings: pl.DataFrame, checks: list[Check] = CHECKS) -> pl.DataFrame:
    """One row per check with its count, in catalogue order (checks with no finding: 0)."""
    catalogue = pl.DataFrame(
        [
            {
                "check_id": ch.id,
                "scope": ch.scope,
                "severity": ch.severity,
                "message_zh": ch.message_zh,
                "message_en": ch.message_en,
            }
            for ch in checks
        ]
    )
    counts = findings.group_by("check_id").agg(pl.len().cast(pl.Int64).alias("count"))
    return catalogue.join(counts, on="check_id", how="left", maintain_order="left").with_columns(
        c("count").fill_null(0)
    )
