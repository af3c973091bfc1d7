"""Department matching (部门筛查预警, domain.md §6.5): a department's list (医保, 民政, 教育 …) matched to
registry members by ID number, with the name as a check and the source's thresholds. Every input row comes
back with a status: nothing is silently dropped.

Pure Polars, no Django; tested in tests/engine/test_monitoring.py. The thresholds are the `dept_*`
parameters of `monitoring.PARAM_DEFAULTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from fupin.engine.cleaning import prepare
from fupin.engine.idnumber import ID_MESSAGES, parse_ids
from fupin.engine.params import Resolved

c = pl.col

MATCH_MESSAGES: dict[str, tuple[str, str]] = {
    "signal": ("已匹配，达到预警条件", "matched; meets the alert condition"),
    "below_threshold": ("已匹配，未达到预警线", "matched; below the alert threshold"),
    "id.missing": ("证件号码为空", "the ID number is empty"),
    "not_in_registry": (
        "系统中（您的辖区内）没有该证件号码的人员",
        "no person with this ID number in the registry (in your area)",
    ),
    "duplicate": (
        "同一人在名单中重复出现（仅第一行参与匹配）",
        "the same person appears again in the list (only the first row is matched)",
    ),
    "name_mismatch": (
        "姓名与系统中该证件号码的人员不一致",
        "the name differs from the registry's person with this ID number",
    ),
    "amount_missing": ("金额为空或不是数字", "the amount is empty or not a number"),
}


@dataclass(frozen=True)
class DepartmentRule:
    """How a source's matched rows become signals: `build` is true for a row that raises the alert."""

    source: str
    risk: str
    needs_amount: bool
    build: Callable[[Resolved], pl.Expr]
    threshold: Callable[[Resolved], pl.Expr] = lambda R: pl.lit(None, pl.Float64)
    params: tuple[str, ...] = ()


_REGISTERED = c("household_type").is_in(["poor", "exited"]).fill_null(False)
_MED_LINE: Callable[[Resolved], pl.Expr] = lambda R: (  # noqa: E731
    pl.when(_REGISTERED).then(R["dept_medical_oop_registered"]).otherwise(R["dept_medical_oop_other"])
)
DEPARTMENT_RULES: dict[str, DepartmentRule] = {
    r.source: r
    for r in (
        DepartmentRule(
            "medical_insurance",
            "illness",
            True,
            lambda R: c("amount") >= _MED_LINE(R),
            _MED_LINE,
            ("dept_medical_oop_registered", "dept_medical_oop_other"),
        ),
        DepartmentRule(
            "education",
            "schooling",
            True,
            lambda R: c("amount") > R["dept_education_oop"],
            lambda R: R["dept_education_oop"],
            ("dept_education_oop",),
        ),
        # being on these lists is the signal (低保/特困/临时救助, housing, disaster victims, new disabilities,
        # unemployment / return home, deaths)
        DepartmentRule("civil_affairs", "other", False, lambda R: pl.lit(True)),
        DepartmentRule("housing", "housing", False, lambda R: pl.lit(True)),
        DepartmentRule("emergency", "disaster", False, lambda R: pl.lit(True)),
        DepartmentRule("disability", "disability", False, lambda R: pl.lit(True)),
        DepartmentRule("human_resources", "employment", False, lambda R: pl.lit(True)),
        DepartmentRule("public_security", "other", False, lambda R: pl.lit(True)),
    )
}
MATCH_OUTPUT = {
    "_row": pl.Int64,
    "id_number_raw": pl.String,
    "name_raw": pl.String,
    "id_number": pl.String,
    "status": pl.String,
    "member_id": pl.Int64,
    "household_id": pl.Int64,
    "village": pl.String,
    "amount": pl.Float64,
    "threshold": pl.Float64,
    "message_zh": pl.String,
    "message_en": pl.String,
}


def _name_key(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).str.normalize("NFKC").str.replace_all(r"[\s·•.]", "")


def match_department(
    rows: pl.DataFrame, members: pl.DataFrame, params: pl.DataFrame, *, source: str, year: int, today: date
) -> pl.DataFrame:
    """Match a department list to the registry.

    `rows`: all-string frame with `_row`, `id_number`, optional `name`, `amount` (more columns are kept
    out). `members`: member_id, household_id, id_number, name, village, household_type (the household's
    type in `year`; null = not known) — the members the acting user may see. Returns one row per input row
    (MATCH_OUTPUT), in input order; `status` is `signal`, `below_threshold`, or a problem code of
    MATCH_MESSAGES / idnumber.ID_MESSAGES.
    """
    rule = DEPARTMENT_RULES[source]
    df = _with_registry(_list_rows(rows, today), members)
    df = df.with_columns(
        pl.coalesce(c("village"), pl.lit("000000000000")).alias("_pv"), pl.lit(year, pl.Int64).alias("year")
    )
    R = Resolved(
        params,
        rule.params or ("monitoring_line",),
        df.select("_pv", "year"),
        region_col="_pv",
        year_col="year",
    )
    df = R.attach(df)
    df = df.with_columns(
        _match_status(rule, R).alias("status"), rule.threshold(R).cast(pl.Float64).alias("threshold")
    )
    return _match_output(df)


def _list_rows(rows: pl.DataFrame, today: date) -> pl.DataFrame:
    """The department's rows cleaned once: the ID number parsed (`_id18`, `_id_problem`), the amount as a
    number."""
    for k in ("name", "amount"):
        if k not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.String).alias(k))
    df = prepare(
        rows.select("_row", "id_number", "name", "amount"), ["id_number", "name", "amount"], text={"name"}
    )
    df = parse_ids(df, "id_number", today)
    return df.with_columns(
        c("_k_amount").str.replace_all(r"[,，元¥￥]", "").cast(pl.Float64, strict=False).alias("amount")
    )


_ID_OK = c("_id_problem").is_null() & c("_id18").is_not_null()  # a valid ID number, as read


def _with_registry(df: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Each row with the registry's person of its ID number (null when none) and whether it repeats an
    earlier row's person (`_dup`)."""
    # only the registry rows the list names (a semi-join probes the big frame once), then one per ID
    wanted = df.select(c("_id18")).drop_nulls().unique().lazy()
    reg = (
        members.lazy()
        .select(
            c("id_number").alias("_id18"),
            c("member_id").cast(pl.Int64),
            c("household_id").cast(pl.Int64),
            c("name").alias("_reg_name"),
            "village",
            c("household_type").cast(pl.String),
        )
        .join(wanted, on="_id18", how="semi")
        .unique("_id18", keep="first", maintain_order=True)
        .collect()
    )
    df = df.join(reg, on="_id18", how="left", maintain_order="left")
    return df.with_columns(
        (_ID_OK & c("_id18").is_duplicated() & ~c("_id18").is_first_distinct()).alias("_dup")
    )


def _match_status(rule: DepartmentRule, R: Resolved) -> pl.Expr:
    """The status of a row: the first problem it has, else whether it raises the alert."""
    name_given = c("_c_name").is_not_null()
    return (
        pl.when(c("_k_id_number").is_null())
        .then(pl.lit("id.missing"))
        .when(c("_id_problem").is_not_null())
        .then(c("_id_problem"))
        .when(c("_dup"))
        .then(pl.lit("duplicate"))
        .when(c("member_id").is_null())
        .then(pl.lit("not_in_registry"))
        .when(name_given & (_name_key(c("_c_name")) != _name_key(c("_reg_name"))))
        .then(pl.lit("name_mismatch"))
        .when(pl.lit(rule.needs_amount) & c("amount").is_null())
        .then(pl.lit("amount_missing"))
        .when(rule.build(R).fill_null(False))
        .then(pl.lit("signal"))
        .otherwise(pl.lit("below_threshold"))
    )


def _match_output(df: pl.DataFrame) -> pl.DataFrame:
    """MATCH_OUTPUT: the registry's person only for a matched row, the messages of the status."""
    messages = {**MATCH_MESSAGES, **ID_MESSAGES}
    matched = c("status").is_in(["signal", "below_threshold", "amount_missing"])
    return df.select(
        "_row",
        c("id_number").alias("id_number_raw"),
        c("name").alias("name_raw"),
        pl.when(_ID_OK).then(c("_id18")).alias("id_number"),
        "status",
        pl.when(matched).then(c("member_id")).alias("member_id"),
        pl.when(matched).then(c("household_id")).alias("household_id"),
        pl.when(matched).then(c("village")).alias("village"),
        "amount",
        pl.when(matched).then(c("threshold")).alias("threshold"),
        c("status").replace_strict({k: v[0] for k, v in messages.items()}, default=None).alias("message_zh"),
        c("status").replace_strict({k: v[1] for k, v in messages.items()}, default=None).alias("message_en"),
    ).cast(pl.Schema(MATCH_OUTPUT))
