"""Fund anomaly checks over the store: load the frames of the user's region, run the engine, label the
findings with the project, its region and the payee (ID numbers masked for roles that may not see them)."""

from __future__ import annotations

from datetime import date

import polars as pl
from django.db.models import F

from fupin.core.privacy import masked_frame
from fupin.engine import funds as engine
from fupin.funds.models import Beneficiary, Payment
from fupin.funds.selectors import projects_for
from fupin.registry.models import Member

COLUMNS = {  # key → (zh, en) for pages and exports
    "check_id": ("检查", "Check"),
    "severity": ("级别", "Severity"),
    "region_code": ("区划代码", "Region code"),
    "region_name": ("项目地点", "Location"),
    "project_id": ("项目ID", "Project ID"),
    "project_name": ("项目名称", "Project"),
    "message_zh": ("问题", "Problem (zh)"),
    "message_en": ("Problem", "Problem (en)"),
    "value": ("数值", "Value"),
    "payment_id": ("付款ID", "Payment ID"),
    "household_id": ("户ID", "Household ID"),
}
SEVERITY = {"error": ("错误", "Error"), "suspect": ("疑点", "Suspect")}


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def load_frames(user, region: str | None = None, project=None) -> dict[str, pl.DataFrame]:
    """The engine's inputs for the projects in the user's scope (one query per frame)."""
    projects = projects_for(user, region=region)
    if project is not None:
        projects = projects.filter(pk=project.pk)
    ids = projects.values("pk")
    p = _frame(
        projects.order_by().values_list("pk", "name", "region_id", "status", "deadline", "budget"),
        engine.PROJECTS_SCHEMA | {"budget": pl.Decimal(16, 2)},
    )
    pay = _frame(
        Payment.objects.filter(project_id__in=ids)
        .order_by()
        .values_list("pk", "project_id", "kind", "id_number", "payee_name", "item", "amount", "paid_on"),
        engine.PAYMENTS_SCHEMA | {"amount": pl.Decimal(14, 2)},
    )
    ben = _frame(
        Beneficiary.objects.filter(project_id__in=ids)
        .order_by()
        .values_list("project_id", "household_id", F("household__household_no"), F("household__village_id")),
        engine.BENEFICIARIES_SCHEMA,
    )
    wanted = pay.filter(pl.col("kind") == "household")["id_number"].unique().to_list()
    people = []
    for i in range(0, len(wanted), 5000):  # the registry is large; only the payees are needed
        people += list(
            Member.objects.filter(id_number__in=wanted[i : i + 5000]).values_list("id_number", "death_date")
        )
    return {
        "projects": p,
        "payments": pay,
        "beneficiaries": ben,
        "members": _frame(people, engine.MEMBERS_SCHEMA),
    }


def anomalies_for(
    user,
    *,
    region: str | None = None,
    check: str | None = None,
    severity: str | None = None,
    project=None,
    today: date | None = None,
) -> pl.DataFrame:
    frames = load_frames(user, region, project)
    found = engine.run(
        frames["projects"],
        frames["payments"],
        frames["beneficiaries"],
        frames["members"],
        today or date.today(),
    )
    if check:
        found = found.filter(pl.col("check_id") == check)
    if severity:
        found = found.filter(pl.col("severity") == severity)
    names = dict(projects_for(user, region=region).values_list("region_id", "region__name"))
    info = frames["projects"].select("project_id", project_name="name", region_code="region_code")
    found = found.join(info, on="project_id", how="left").with_columns(
        region_name=pl.col("region_code").replace_strict(names, default=None, return_dtype=pl.String)
    )
    if user is not None:
        # the value of FA-1 shows the payee's ID number: masked for roles that may not see it
        payees = masked_frame(frames["payments"].select("payment_id", "payee_name", "id_number"), user)
        found = (
            found.join(payees, on="payment_id", how="left")
            .with_columns(
                value=pl.when(pl.col("check_id") == "FA-1")
                .then(pl.concat_str(pl.col("payee_name"), pl.lit(" "), pl.col("id_number")))
                .otherwise(pl.col("value"))
            )
            .drop("payee_name", "id_number")
        )
    return found.select(list(COLUMNS)).sort("region_code", "project_id", "check_id", nulls_last=True)
