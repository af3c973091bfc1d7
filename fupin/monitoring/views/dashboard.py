"""The monitoring dashboard: its figures and charts, the households behind a figure, and its workbook."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from fupin.accounts.models import ExportLog
from fupin.core.exports import workbook, write_sheet
from fupin.monitoring import dashboard as figures_
from fupin.monitoring import selectors, services
from fupin.monitoring.codes import ELIMINATION_METHOD
from fupin.monitoring.dashboard_page import DASHBOARD
from fupin.monitoring.models import AlertStatus, CaseKind, Channel, MonitorType
from fupin.monitoring.views.common import _lang, _refusals, _region, _year
from fupin.overview import charts
from fupin.reports.kept import computing_response


@login_required
@_refusals
def dashboard(request):
    year, region = _year(request), _region(request)
    try:
        page = DASHBOARD.page(request.user, region, year=year, today=date.today())
    except services.MonitoringError as e:
        messages.error(request, e.message())
        return redirect("monitoring:dashboard")
    if page.computing:
        return computing_response(request, gettext_lazy("Monitoring"))
    data, trend = page.data["data"], page.data["trend"]
    lang = _lang()
    for row in data["by_signal"]:
        row["label"] = selectors.signal_label(row["signal"], lang)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "cases": page.data["cases"],
            "figures": page.data["figures"],
            "trend": trend,
            "computed_at": page.computed_at,
            "refreshing": page.refreshing,
            "page_charts": [
                charts.monitoring_trend(trend, year),
                charts.monitoring_risks(data["by_signal"]),
                charts.monitoring_funnel(page.data["funnel"], year),
            ],
            "type_labels": dict(MonitorType.choices),
            "types": MonitorType.choices,
            "methods": ELIMINATION_METHOD.choices,
            "year": year,
            "region": region or "",
            "data": data,
            "channels": Channel.choices,
            "statuses": AlertStatus.choices,
            "can_run": request.user.can("writes_registry"),
            "can_import": services.can_import_department(request.user),
            "can_export": request.user.can("exports"),
            "imports": selectors.department_imports_for(request.user)[:5],
        },
    )


MEASURE_LABELS = {
    "poor": gettext_lazy("Remaining poor households"),
    "monitored": gettext_lazy("Monitored households"),
    "identified": gettext_lazy("Newly identified monitored households"),
    "eliminated": gettext_lazy("Risk eliminated"),
    "opened": gettext_lazy("Cases opened"),
    "alerts": gettext_lazy("Households with new alerts"),
}


@login_required
@_refusals
def household_drill(request):
    """The households behind one dashboard figure: ?measure=&year=&region=&key=&month=."""
    year, region = _year(request), _region(request)
    measure = request.GET.get("measure", "")
    if measure not in figures_.MEASURES:
        raise Http404
    key = request.GET.get("key", "")
    try:
        month = int(request.GET.get("month") or 0) or None
    except ValueError:
        month = None
    if month is not None and not 1 <= month <= 12:
        month = None
    try:
        qs = figures_.drill(request.user, year=year, measure=measure, region=region, key=key, month=month)
    except services.MonitoringError as e:
        messages.error(request, e.message())
        return redirect("monitoring:dashboard")
    key_label = dict(
        [*Channel.choices, *MonitorType.choices, *ELIMINATION_METHOD.choices, *CaseKind.choices]
    ).get(key, key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/household_drill.html",
        {
            "page": page,
            "year": year,
            "region": region or "",
            "month": month,
            "key_label": key_label,
            "title": MEASURE_LABELS[measure],
        },
    )


def _trend_sheet(trend: list[dict]) -> pl.DataFrame:
    cols = {
        "month": "月份 month",
        **{f"alerts_{c}": f"预警 alerts: {c}" for c in Channel.values},
        "alerts": "预警合计 alerts",
        "opened": "新开事项 cases opened",
        **{f"identified_{t}": f"新识别 identified: {t}" for t in MonitorType.values},
        "identified": "新识别合计 identified",
        "eliminated_assisted": "帮扶消除 eliminated: assisted",
        "eliminated_natural": "自然消除 eliminated: natural",
        "eliminated": "风险消除合计 eliminated",
    }
    return pl.DataFrame(
        [{v: r[k] for k, v in cols.items()} for r in trend], schema={v: pl.Int64 for v in cols.values()}
    )


def _totals_sheet(data: dict, counts: dict, figs: dict) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"指标 figure": k, "值 value": None if v is None else float(v)}
            for k, v in (
                ("alerts", data["total"]),
                ("households with alerts", data["households"]),
                ("new alerts", data["new"]),
                ("monitored households", counts["monitored"]),
                ("newly identified", counts["new_identified"]),
                ("eliminated", counts["eliminated"]),
                ("open cases", counts["open"]),
                ("overdue cases", counts["overdue"]),
                ("风险消除率 elimination rate %", counts["elimination_rate_pct"]),
                ("remaining poor households", figs["remaining_poor"]),
            )
        ]
    )


def _type_sheet(figs: dict) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "类型 type": t.code,
                "名称 label": t.zh,
                "监测中 monitored": figs["monitored_by_type"].get(t.code, 0),
                "当年新识别 identified": figs["new_by_type"].get(t.code, 0),
            }
            for t in MonitorType
        ],
        schema={
            "类型 type": pl.String,
            "名称 label": pl.String,
            "监测中 monitored": pl.Int64,
            "当年新识别 identified": pl.Int64,
        },
    )


def _method_sheet(figs: dict) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "方式 method": k,
                "名称 label": zh,
                "户数 households": figs["eliminated_by_method"].get(k, 0),
            }
            for k, zh in (("assisted", "帮扶消除"), ("natural", "自然消除"))
        ],
        schema={"方式 method": pl.String, "名称 label": pl.String, "户数 households": pl.Int64},
    )


def _signal_sheet(data: dict, lang: str) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "signal": r["signal"],
                "label": selectors.signal_label(r["signal"], lang),
                "alerts": r["n"],
                "new": r["new"],
            }
            for r in data["by_signal"]
        ],
        schema={"signal": pl.String, "label": pl.String, "alerts": pl.Int64, "new": pl.Int64},
    )


def _region_sheet(data: dict) -> pl.DataFrame:
    return pl.DataFrame(
        data["by_region"],
        schema={
            "code": pl.String,
            "name": pl.String,
            "alerts": pl.Int64,
            "households": pl.Int64,
            "new": pl.Int64,
        },
    )


def _workbook(sheets: dict[str, pl.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with workbook(buf) as wb:
        for name, df in sheets.items():
            write_sheet(wb, df, name)
    return buf.getvalue()


@login_required
@_refusals
def dashboard_export(request):
    """The dashboard as a workbook: one sheet per table the page shows."""
    if not request.user.can("exports"):
        raise PermissionDenied
    year, region = _year(request), _region(request)
    current = DASHBOARD.current(request.user, region, year=year, today=date.today())
    data, counts, figs, trend = (current[k] for k in ("data", "cases", "figures", "trend"))
    sheets = {
        "总体 totals": _totals_sheet(data, counts, figs),
        "按类型 by type": _type_sheet(figs),
        "按消除方式 by method": _method_sheet(figs),
        "按月 trend": _trend_sheet(trend),
        "按信号 by signal": _signal_sheet(data, _lang()),
        "按地区 by region": _region_sheet(data),
    }
    content = _workbook(sheets)
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.dashboard.xlsx",
        channel="web",
        filters={"year": year, "region": region or ""},
        rows=len(data["by_signal"]),
        masked=True,
    )
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="monitoring-{year}.xlsx"'
    return resp
