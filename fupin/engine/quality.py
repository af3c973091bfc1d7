"""Data quality (数据质量): the rule catalogue (quality_rules.py) evaluated in one pass per scope.

`run()` evaluates every rule of a scope in one `with_columns` over the whole registry and returns one
findings frame (FINDINGS schema); `summary()` counts the findings per rule in catalogue order.

Scopes and frames:
- member: one row per member (Member.*) with `age` at the end of the evaluation year and `current`.
- household / household_year: one row per household-year (HouseholdYear.*) joined with the member summary
  of that year (identification.summarise_members) and the identification columns (per-capita income,
  poverty line, guarantees). Household-scope rules are about the composition of the household.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

from fupin.engine import identification as ident
from fupin.engine.idnumber import DISABILITY_CATEGORIES, DISABILITY_GRADES, parse_id_numbers
from fupin.engine.params import Resolved

# the catalogue; callers read RULES and RULE_PARAMS from here too
from fupin.engine.quality_rules import RULE_PARAMS, RULES, Rule

FINDINGS = {
    "rule_id": pl.String,
    "scope": pl.String,
    "household_id": pl.Int64,
    "member_id": pl.Int64,
    "year": pl.Int64,
    "severity": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
    "value": pl.String,
}
c = pl.col


def _findings(frame: pl.DataFrame, rules: list[Rule], R: Resolved, keys: dict[str, pl.Expr]) -> pl.DataFrame:
    """Evaluate `rules` over `frame` in one pass and return their findings."""
    flags = [r.build(R).fill_null(False).alias(f"_f_{i}") for i, r in enumerate(rules)]
    hit = (
        frame.lazy()
        .with_columns(flags)
        .filter(pl.any_horizontal([c(f"_f_{i}") for i in range(len(rules))]))
        .collect()
    )
    parts = []
    for i, r in enumerate(rules):
        value = r.value() if r.value is not None else pl.lit(None, pl.String)
        parts.append(
            hit.lazy()
            .filter(c(f"_f_{i}"))
            .select(
                pl.lit(r.id).alias("rule_id"),
                pl.lit(r.scope).alias("scope"),
                *[e.alias(k) for k, e in keys.items()],
                pl.lit(r.severity).alias("severity"),
                pl.lit(r.message_zh).alias("message_zh"),
                pl.lit(r.message_en).alias("message_en"),
                value.cast(pl.String).alias("value"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=FINDINGS)
    return pl.concat(pl.collect_all(parts), how="vertical").cast(pl.Schema(FINDINGS))


evaluate = _findings  # for other rule families (integrity.py): the same one-pass evaluation


def member_frame(
    members: pl.DataFrame | pl.LazyFrame, year: int, R: Resolved, keys: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The member-scope frame for `year`: members with age, current, `_no_end` and the ID columns."""
    lf = ident.prepare_members(members)
    names = lf.collect_schema().names()
    if "start_date" in names and "end_date" in names:  # membership periods: keep each member's latest
        lf = latest_memberships(lf)
        no_end = c("end_date").is_null()
    else:
        no_end = pl.lit(True)
    lf = ident.member_years(lf, [year]).with_columns(no_end.alias("_no_end"))
    if R.varying and keys is not None:
        lf = R.attach(lf.join(keys.lazy().filter(c("year") == year), on=["household_id", "year"], how="left"))
    df = lf.collect()
    return df.hstack(parse_id_numbers(df["id_number"])).with_columns(_bad_certificates(df))


def latest_memberships(members: pl.LazyFrame) -> pl.LazyFrame:
    """Each member's latest membership row (the latest start; a period begun at registration has none, so
    it is the earliest; ties go to the higher household id), the rows kept in their input order. A person
    who moved has a row in each household; the member rules judge them once, where they live now.

    Only the keys of the few members with several rows are sorted, and the whole frame is filtered only if
    there are such members: a `unique(keep="last")` over every member took 2.2 s for 1 M members of 21
    columns; a filter of 10 M members that keeps them all, 3 s."""
    keys = members.select("member_id", "start_date", "household_id").with_row_index("_row").collect()
    if keys["member_id"].n_unique() == keys.height:  # 0.02 s for 10 M ids, against 1.2 s for is_duplicated
        return members
    several = keys.filter(c("member_id").is_duplicated())
    drop = (
        several.sort("start_date", "household_id", nulls_last=False, maintain_order=True)
        .filter(~c("member_id").is_last_distinct())
        .get_column("_row")
    )
    keep = pl.Series(np.ones(keys.height, dtype=bool)).scatter(drop, False)
    return members.filter(keep)


def _other_cause_repeats_main(df: pl.DataFrame) -> pl.Series:
    """DQ-D2 on the rows that list other causes (string work on those rows only, not on every row)."""
    rows = (df["other_causes"].is_not_null() & df["main_cause"].is_not_null()).arg_true()
    sub = df.select(pl.col("other_causes"), pl.col("main_cause").cast(pl.String))[rows]
    hit = sub.select(pl.col("other_causes").str.split(",").list.contains(pl.col("main_cause")))
    out = pl.Series("_other_has_main", np.zeros(df.height, dtype=bool))
    return out.scatter(rows, hit.to_series().fill_null(False)) if len(rows) else out


def _bad_certificates(df: pl.DataFrame) -> pl.Series:
    """DQ-A4 on the few rows that carry a certificate (string work on ~3% of the rows, not all)."""
    cert = df["disability_cert"]
    rows = cert.is_not_null().arg_true()
    sub = df.select("id_number", "disability_cert")[rows]
    d = pl.col("disability_cert")
    bad = sub.select(
        ~(
            (d.str.len_bytes() == 20)
            & d.str.starts_with(pl.col("id_number"))
            & d.str.slice(18, 1).is_in(list(DISABILITY_CATEGORIES))
            & d.str.slice(19, 1).is_in(list(DISABILITY_GRADES))
        ).fill_null(True)
    )
    out = pl.Series("_cert_bad", np.zeros(df.height, dtype=bool))
    return out.scatter(rows, bad.to_series()) if len(rows) else out


def run(
    household_years: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    params: pl.DataFrame,
    *,
    year: int | None = None,
    rules: list[Rule] = RULES,
    frame: tuple[pl.DataFrame, Resolved] | None = None,
    member_chunk: int = 2_000_000,
    member_rows: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every finding of `rules` over the registry: household and household-year rules over every row of
    `household_years`, member rules over the `members` of the households with a record in `year`, as of the
    end of `year` (default: the latest year).
    `frame` may pass a precomputed `identification.household_frame(..., extra_params=RULE_PARAMS)`.
    `member_rows`: the rows the member rules read, one per member (default: each member's latest
    membership in `members`, `latest_memberships`); a run over part of the registry passes the rows
    chosen over the whole of it, since a person's memberships may lie in several parts."""
    if frame is None:
        frame = ident.household_frame(household_years, members, params, extra_params=RULE_PARAMS)
    hf, R = frame
    if hf.is_empty():  # no household-year: no finding, and no year to evaluate the members in
        return pl.DataFrame(schema=FINDINGS)
    if year is None:
        year = cast(int, hf["year"].max())  # household_frame makes `year` Int64
    out = []
    hh_rules = [r for r in rules if r.scope in ("household", "household_year")]
    if hh_rules:
        lf = hf.lazy()
        names = lf.collect_schema().names()
        if "income_poor" not in names:
            for stage in ident.identification_exprs(R, [])[:2]:
                lf = lf.with_columns(stage)
        hh = lf.collect()
        out.append(
            _findings(
                hh.with_columns(_other_cause_repeats_main(hh)),
                hh_rules,
                R,
                {"household_id": c("household_id"), "member_id": pl.lit(None, pl.Int64), "year": c("year")},
            )
        )
    m_rules = [r for r in rules if r.scope == "member"]
    if m_rules:
        # member rules look at one row at a time: slices bound the memory of the parsed columns. The
        # latest membership is chosen before slicing: a person's rows may fall in different slices.
        if member_rows is None:
            lf = ident.prepare_members(members)
            if {"start_date", "end_date"} <= set(lf.collect_schema().names()):
                lf = latest_memberships(lf)
            member_rows = lf.collect()
        members = member_rows
        keys = hf.select("household_id", "year", "village")
        found = []
        for start in range(0, max(members.height, 1), member_chunk):
            mf = member_frame(members.slice(start, member_chunk), year, R, keys)
            found.append(
                _findings(
                    mf,
                    m_rules,
                    R,
                    {"household_id": c("household_id"), "member_id": c("member_id"), "year": c("year")},
                )
            )
            del mf
        # a finding belongs to a household-year: keep those of households with a record that year (filtering
        # the few findings is far cheaper than filtering the members)
        with_record = hf.filter(c("year") == year).select("household_id")
        out += [f.join(with_record, on="household_id", how="semi") for f in found]
    return pl.concat(out, how="vertical") if out else pl.DataFrame(schema=FINDINGS)


def summary(findings: pl.DataFrame, rules: list[Rule] = RULES) -> pl.DataFrame:
    """错误类型/错误条数: one row per rule with its count, in catalogue order (rules with no finding: 0)."""
    catalogue = pl.DataFrame(
        [
            {
                "rule_id": r.id,
                "scope": r.scope,
                "severity": r.severity,
                "message_zh": r.message_zh,
                "message_en": r.message_en,
            }
            for r in rules
        ]
    )
    counts = findings.group_by("rule_id").agg(pl.len().cast(pl.Int64).alias("count"))
    return catalogue.join(counts, on="rule_id", how="left", maintain_order="left").with_columns(
        pl.col("count").fill_null(0)
    )
