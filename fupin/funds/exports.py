"""Excel exports of the project library (projects, payments, anomalies): masked for the role, logged."""

from __future__ import annotations

import io

import polars as pl
from django.db.models import F

from fupin.accounts.models import ExportLog
from fupin.core.exports import cell, sheet_parts, workbook
from fupin.core.privacy import masked_frame
from fupin.funds import anomalies as fund_anomalies
from fupin.funds.codes import FUND_SOURCE, PAYMENT_KIND, PROJECT_STATUS, PROJECT_TYPE
from fupin.funds.models import BudgetLine
from fupin.funds.selectors import payments_for, projects_for

PROJECT_COLUMNS = {
    "id": "项目ID",
    "name": "项目名称",
    "project_type": "项目类型",
    "region_code": "区划代码",
    "region_name": "项目地点",
    "implementing_unit": "实施单位",
    "start_date": "开工日期",
    "deadline": "完成期限",
    "status": "状态",
    **{f"budget_{s.code}": f"{s.zh}(元)" for s in FUND_SOURCE},
    "budget": "预算合计(元)",
    "paid": "已拨付(元)",
    "beneficiaries": "受益户数",
}
PAYMENT_COLUMNS = {
    "id": "付款ID",
    "project_id": "项目ID",
    "project_name": "项目名称",
    "region_code": "区划代码",
    "kind": "付款对象",
    "payee_name": "收款人",
    "id_number": "证件号码",
    "item": "事项",
    "amount": "金额(元)",
    "paid_on": "付款日期",
}


def write_xlsx(sheets: dict[str, tuple[pl.DataFrame, dict[str, str]]]) -> bytes:
    """Frames → one workbook, one sheet each (and continuation sheets past Excel's row limit), headers from
    the column labels."""
    buf = io.BytesIO()
    wb = workbook(buf, in_memory=True)
    head = wb.add_format({"bold": True, "bg_color": "#EEF0F2"})
    for title, (df, labels) in sheets.items():
        cols = [k for k in labels if k in df.columns]
        for name, part in sheet_parts(title, df.select(cols)):
            ws = wb.add_worksheet(name)
            for j, k in enumerate(cols):
                ws.write_string(0, j, labels[k], head)
                ws.set_column(j, j, max(10, min(40, len(labels[k]) * 2 + 2)))
            for i, row in enumerate(part.iter_rows(), start=1):
                for j, v in enumerate(row):
                    if cell(v) is None:  # null, NaN and inf: an empty cell
                        continue
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        ws.write_number(i, j, v)
                    else:
                        ws.write_string(i, j, str(v))
            ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def _labels(df: pl.DataFrame, column: str, codelist) -> pl.Expr:
    return pl.col(column).replace_strict({x.code: x.zh for x in codelist}, default=pl.col(column))


def project_frame(user, **filters) -> pl.DataFrame:
    from django.db.models import Count

    qs = projects_for(user, **filters).annotate(n_beneficiaries=Count("beneficiaries", distinct=True))
    rows = list(
        qs.order_by("region_id", "start_date", "pk").values(
            "id",
            "name",
            "project_type",
            "implementing_unit",
            "start_date",
            "deadline",
            "status",
            "budget",
            "paid",
            region_code=F("region_id"),
            region_name=F("region__name"),
            n=F("n_beneficiaries"),
        )
    )
    schema = {
        "id": pl.Int64,
        "name": pl.String,
        "project_type": pl.String,
        "implementing_unit": pl.String,
        "start_date": pl.Date,
        "deadline": pl.Date,
        "status": pl.String,
        "budget": pl.Float64,
        "paid": pl.Float64,
        "region_code": pl.String,
        "region_name": pl.String,
        "n": pl.Int64,
    }
    df = pl.from_dicts(rows, schema=schema, strict=False) if rows else pl.DataFrame(schema=schema)
    df = df.rename({"n": "beneficiaries"})
    lines = pl.DataFrame(
        list(
            BudgetLine.objects.filter(project_id__in=qs.values("pk")).values_list(
                "project_id", "source", "amount"
            )
        ),
        schema={"id": pl.Int64, "source": pl.String, "amount": pl.Float64},
        orient="row",
    )
    wide = (
        lines.pivot(on="source", index="id", values="amount", aggregate_function="sum")
        if lines.height
        else pl.DataFrame(schema={"id": pl.Int64})
    )
    wide = wide.rename({s: f"budget_{s}" for s in wide.columns if s != "id"})
    df = df.join(wide, on="id", how="left")
    df = df.with_columns(
        [
            pl.lit(None, pl.Float64).alias(f"budget_{s.code}")
            for s in FUND_SOURCE
            if f"budget_{s.code}" not in df.columns
        ]
    )
    return df.with_columns(
        _labels(df, "project_type", PROJECT_TYPE),
        _labels(df, "status", PROJECT_STATUS),
        pl.col("start_date").cast(pl.String),
        pl.col("deadline").cast(pl.String),
    )


def payment_frame(user, **filters) -> pl.DataFrame:
    qs = payments_for(user, **filters).order_by("project_id", "paid_on", "pk")
    schema = {
        "id": pl.Int64,
        "project_id": pl.Int64,
        "project_name": pl.String,
        "region_code": pl.String,
        "kind": pl.String,
        "payee_name": pl.String,
        "id_number": pl.String,
        "item": pl.String,
        "amount": pl.Float64,
        "paid_on": pl.Date,
    }
    rows = list(
        qs.values_list(
            "id",
            "project_id",
            "project__name",
            "project__region_id",
            "kind",
            "payee_name",
            "id_number",
            "item",
            "amount",
            "paid_on",
        )
    )
    df = pl.DataFrame(rows, schema=schema, orient="row")
    if user is not None:
        df = masked_frame(df, user)
    return df.with_columns(_labels(df, "kind", PAYMENT_KIND), pl.col("paid_on").cast(pl.String))


def _log(user, kind: str, channel: str, filters: dict, rows: int) -> None:
    ExportLog.objects.create(
        user=user,
        kind=kind,
        channel=channel,
        rows=rows,
        filters={k: v for k, v in filters.items() if v not in (None, "")},
        masked=user is not None and not user.can("sees_id_numbers"),
    )


def export_projects(user, channel: str, **filters) -> bytes:
    projects, payments = project_frame(user, **filters), payment_frame(user, region=filters.get("region"))
    payments = payments.filter(pl.col("project_id").is_in(projects["id"].to_list()))
    _log(user, "funds_projects", channel, filters, projects.height + payments.height)
    return write_xlsx({"项目": (projects, PROJECT_COLUMNS), "资金拨付": (payments, PAYMENT_COLUMNS)})


def export_payments(user, channel: str, **filters) -> bytes:
    df = payment_frame(user, **filters)
    _log(user, "funds_payments", channel, {k: getattr(v, "pk", v) for k, v in filters.items()}, df.height)
    return write_xlsx({"资金拨付": (df, PAYMENT_COLUMNS)})


def anomaly_labels() -> dict[str, str]:
    return {k: zh for k, (zh, en) in fund_anomalies.COLUMNS.items()}


def export_anomalies(user, channel: str, df: pl.DataFrame, filters: dict) -> bytes:
    df = df.with_columns(
        pl.col("severity").replace_strict(
            {k: v[0] for k, v in fund_anomalies.SEVERITY.items()}, default=pl.col("severity")
        )
    )
    _log(user, "funds_anomalies", channel, filters, df.height)
    return write_xlsx({"资金疑点": (df, anomaly_labels())})
