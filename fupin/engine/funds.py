"""Fund anomaly checks (资金疑点): the money of the project library checked against the registry.

Pure Polars, no Django. Each `Check` is a record — id, subject (payment | project | beneficiary),
severity, Chinese and English messages, a Polars expression (true = a finding) and the value shown —
and `run()` evaluates every check of a subject in one `with_columns` over the whole frame.

Input frames (column names and types in the *_SCHEMA dicts below):
- projects: one row per project, with its region code, status, deadline and budget total.
- payments: one row per disbursement; `kind` is "household" (payee = a person, by ID number) or
  "contractor" (payee = a company; only the budget check reads those).
- beneficiaries: one row per (project, household) with the household's village code.
- members: the registry's people (ID number, date of death); a payee is "in the registry" when the ID
  number is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from fupin.engine import regions

c = pl.col
ERROR, SUSPECT = "error", "suspect"
# A project in these states is finished: no longer "overdue", and it takes no more payments.
FINISHED_STATUSES = ("accepted", "announced", "closed")

PROJECTS_SCHEMA = {
    "project_id": pl.Int64,
    "name": pl.String,
    "region_code": pl.String,
    "status": pl.String,
    "deadline": pl.Date,
    "budget": pl.Float64,
}
PAYMENTS_SCHEMA = {
    "payment_id": pl.Int64,
    "project_id": pl.Int64,
    "kind": pl.String,
    "id_number": pl.String,
    "payee_name": pl.String,
    "item": pl.String,
    "amount": pl.Float64,
    "paid_on": pl.Date,
}
BENEFICIARIES_SCHEMA = {
    "project_id": pl.Int64,
    "household_id": pl.Int64,
    "household_no": pl.String,
    "village_code": pl.String,
}
MEMBERS_SCHEMA = {"id_number": pl.String, "death_date": pl.Date}
FINDINGS = {
    "check_id": pl.String,
    "subject": pl.String,
    "severity": pl.String,
    "project_id": pl.Int64,
    "payment_id": pl.Int64,
    "household_id": pl.Int64,
    "message_zh": pl.String,
    "message_en": pl.String,
    "value": pl.String,
}


@dataclass(frozen=True)
class Check:
    id: str
    subject: str  # payment | project | beneficiary
    severity: str  # error | suspect
    message_zh: str
    message_en: str
    expr: Callable[[], pl.Expr]  # true = finding
    value: Callable[[], pl.Expr]  # what the finding shows


_HOUSEHOLD = c("kind") == "household"


def _money(name: str) -> pl.Expr:
    return c(name).round(2).cast(pl.String)


CHECKS: list[Check] = [
    Check(
        "FA-1",
        "payment",
        ERROR,
        "收款人不在建档立卡登记中(证件号码未找到)",
        "payee is not in the registry (ID number not found)",
        lambda: _HOUSEHOLD & ~c("_in_registry"),
        lambda: c("payee_name") + " " + c("id_number"),
    ),
    Check(
        "FA-2",
        "payment",
        ERROR,
        "付款日已死亡人员仍获付款",
        "payment to a person dead at the payment date",
        lambda: _HOUSEHOLD & c("death_date").is_not_null() & (c("death_date") <= c("paid_on")),
        lambda: c("payee_name") + " †" + c("death_date").cast(pl.String),
    ),
    Check(
        "FA-3",
        "payment",
        ERROR,
        "同一项目同一事项向同一人重复付款",
        "the same person paid twice for the same item of the same project",
        lambda: _HOUSEHOLD & (c("_same_item_count") > 1),
        lambda: c("payee_name") + " · " + c("item") + " ×" + c("_same_item_count").cast(pl.String),
    ),
    Check(
        "FA-4",
        "project",
        ERROR,
        "已支付金额超过项目预算",
        "disbursed more than the project's budget",
        lambda: c("paid") > c("budget") + 0.005,
        lambda: _money("paid") + " > " + _money("budget"),
    ),
    Check(
        "FA-6",
        "project",
        SUSPECT,
        "项目已过完成期限仍未验收",
        "project past its deadline and not accepted",
        lambda: (c("deadline") < c("_today")) & ~c("status").is_in(FINISHED_STATUSES),
        lambda: c("deadline").cast(pl.String),
    ),
    Check(
        "FA-5",
        "beneficiary",
        ERROR,
        "受益户不在项目所在区域内",
        "beneficiary household outside the project's region",
        lambda: ~c("village_code").str.starts_with(c("_region_prefix")),
        lambda: c("household_no") + " @ " + c("village_code"),
    ),
]
CHECKS_BY_ID = {k.id: k for k in CHECKS}


def _payment_frame(payments: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    people = (
        members.select("id_number", "death_date").unique("id_number").with_columns(_in_registry=pl.lit(True))
    )
    return (
        payments.with_columns(_item_key=c("item").str.strip_chars())
        .join(people, on="id_number", how="left")
        .with_columns(
            c("_in_registry").fill_null(False),
            _same_item_count=pl.len().over("project_id", "id_number", "_item_key"),
        )
    )


def _project_frame(projects: pl.DataFrame, payments: pl.DataFrame, today: date) -> pl.DataFrame:
    paid = payments.group_by("project_id").agg(paid=c("amount").sum())
    return projects.join(paid, on="project_id", how="left").with_columns(
        c("paid").fill_null(0.0), c("budget").fill_null(0.0), _today=pl.lit(today)
    )


def _beneficiary_frame(beneficiaries: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    return beneficiaries.join(
        projects.select("project_id", _region_prefix=regions.prefix_expr(c("region_code"))),
        on="project_id",
        how="inner",
    )


def _findings(frame: pl.DataFrame, checks: list[Check], ids: dict[str, pl.Expr]) -> pl.DataFrame:
    if frame.is_empty() or not checks:
        return pl.DataFrame(schema=FINDINGS)
    flagged = frame.with_columns(
        [k.expr().fill_null(False).alias(f"_hit_{k.id}") for k in checks]
        + [k.value().alias(f"_val_{k.id}") for k in checks]
    )
    parts = [
        flagged.filter(c(f"_hit_{k.id}")).select(
            check_id=pl.lit(k.id),
            subject=pl.lit(k.subject),
            severity=pl.lit(k.severity),
            project_id=ids["project_id"],
            payment_id=ids["payment_id"],
            household_id=ids["household_id"],
            message_zh=pl.lit(k.message_zh),
            message_en=pl.lit(k.message_en),
            value=c(f"_val_{k.id}").cast(pl.String),
        )
        for k in checks
    ]
    return pl.concat(parts).cast(pl.Schema(FINDINGS))


def run(
    projects: pl.DataFrame,
    payments: pl.DataFrame,
    beneficiaries: pl.DataFrame,
    members: pl.DataFrame,
    today: date,
    checks: list[Check] | None = None,
) -> pl.DataFrame:
    """Every check over the whole frames: one findings frame (FINDINGS schema), sorted by project."""
    checks = CHECKS if checks is None else checks
    projects, payments = projects.cast(pl.Schema(PROJECTS_SCHEMA)), payments.cast(pl.Schema(PAYMENTS_SCHEMA))
    beneficiaries, members = (
        beneficiaries.cast(pl.Schema(BENEFICIARIES_SCHEMA)),
        members.cast(pl.Schema(MEMBERS_SCHEMA)),
    )
    null = pl.lit(None, pl.Int64)
    out = [
        _findings(
            _payment_frame(payments, members),
            [k for k in checks if k.subject == "payment"],
            {"project_id": c("project_id"), "payment_id": c("payment_id"), "household_id": null},
        ),
        _findings(
            _project_frame(projects, payments, today),
            [k for k in checks if k.subject == "project"],
            {"project_id": c("project_id"), "payment_id": null, "household_id": null},
        ),
        _findings(
            _beneficiary_frame(beneficiaries, projects),
            [k for k in checks if k.subject == "beneficiary"],
            {"project_id": c("project_id"), "payment_id": null, "household_id": c("household_id")},
        ),
    ]
    return pl.concat(out).sort("project_id", "check_id", "payment_id", "household_id", nulls_last=True)
