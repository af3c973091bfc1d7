"""Charts of the pages: what each chart shows, as data, in the page's language.

A `Chart` is drawn by static/fupin/charts.js with ECharts (the `<div data-chart>` of
templates/overview/_chart.html reads `Chart.data` from a json_script block) and shown as a table too, for
screen readers, for printing and for a machine where the chart library is not installed. The builders
take figures the pages already computed (or one aggregate query more) and only label them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl
from django.db.models import Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.overview.finders import echarts_available

PALETTE = ["#b3261e", "#3b6ea8", "#1e6b35", "#c77c02", "#6b4fa0", "#5f6b73", "#2a9d8f", "#e76f51"]


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _num(v):
    if v is None:
        return None
    if isinstance(v, Decimal):
        return float(v)
    return v


@dataclass
class Series:
    name: str
    data: list
    kind: str = ""  # bar | line ('' = the chart's kind)
    axis: int = 0  # 1 = the second value axis (a percentage next to counts)
    stack: str = ""


@dataclass
class Chart:
    """One chart: `kind` bar | line | funnel; categories along the axis (or the funnel's stages)."""

    id: str
    kind: str
    title: str
    category_label: str
    categories: list[str]
    series: list[Series]
    horizontal: bool = False
    unit: str = ""  # of the first value axis
    unit2: str = ""  # of the second value axis
    note: str = ""  # a line under the chart (how a figure is defined)
    links: list[str] = field(default_factory=list)  # per category, for the table
    extra: dict = field(default_factory=dict)  # more for the script (a map's codes, outlines address, labels)

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def data(self) -> dict:
        counts = all(isinstance(v, int) for s in self.series if s.axis == 0 for v in s.data if v is not None)
        return {
            "kind": self.kind,
            "title": self.title,
            "horizontal": self.horizontal,
            "unit": self.unit,
            "counts": counts,
            "unit2": self.unit2,
            "categories": [str(c) for c in self.categories],
            "palette": PALETTE,
            "series": [
                {
                    "name": s.name,
                    "data": [_num(v) for v in s.data],
                    "kind": s.kind or self.kind,
                    "axis": s.axis,
                    "stack": s.stack,
                }
                for s in self.series
            ],
            **self.extra,
        }

    @property
    def rows(self) -> list[tuple[str, str, list]]:
        """(category, link, values) per category, for the table."""
        links = self.links or [""] * len(self.categories)
        return [(c, links[i], [_num(s.data[i]) for s in self.series]) for i, c in enumerate(self.categories)]

    @property
    def series_names(self) -> list[str]:
        return [s.name for s in self.series]

    @property
    def wide(self) -> bool:
        """A long list of regions or rules takes the page's whole width."""
        return self.kind == "map" or (self.horizontal and len(self.categories) > 8)

    @property
    def empty(self) -> bool:
        if self.kind == "map":  # outlines without figures still draw, as "no data"
            return not self.categories
        return not self.categories or not any(v for s in self.series for v in s.data if v)


def available() -> bool:
    return echarts_available()


def month_label(m: date) -> str:
    return f"{m:%Y-%m}" if _en() else f"{m.year}年{m.month}月"


# --- the overview -------------------------------------------------------------------------------------


def overview_trend(trend: list[dict]) -> Chart:
    return Chart(
        "chart-trend",
        "line",
        _("Monthly trend: alerts and cases"),
        _("Month"),
        [month_label(r["month"]) for r in trend],
        [
            Series(_("Alerts raised"), [r["alerts"] for r in trend]),
            Series(_("Cases opened"), [r["opened"] for r in trend]),
            Series(_("Cases closed"), [r["closed"] for r in trend]),
        ],
    )


def overview_poor_by_year(rows: list[dict]) -> Chart:
    return Chart(
        "chart-poor-years",
        "bar",
        _("Poor households and persons by year"),
        _("Year"),
        [str(r["year"]) for r in rows],
        [
            Series(_("Poor households"), [r["poor_households"] for r in rows]),
            Series(_("Poor persons"), [r["poor_persons"] for r in rows], kind="line"),
        ],
    )


def overview_exits_by_year(rows: list[dict]) -> Chart:
    """Households out of poverty (bars), villages delisted and counties removed (lines) by exit year."""
    return Chart(
        "chart-exits-years",
        "bar",
        _("Exits by year"),
        _("Exit year"),
        [str(r["year"]) for r in rows],
        [
            Series(_("Households out of poverty"), [r["exited_households"] for r in rows]),
            Series(_("Villages delisted"), [r["villages_out"] for r in rows], kind="line"),
            Series(_("Counties removed from the list"), [r["counties_out"] for r in rows], kind="line"),
        ],
    )


def overview_children(children: list[dict], level_name: str, link) -> Chart:
    return Chart(
        "chart-children",
        "bar",
        _("By %(level)s") % {"level": level_name},
        level_name,
        [r["name"] for r in children],
        [
            Series(_("Poor households"), [r["poor_households"] for r in children]),
            Series(_("Monitored households"), [r["monitored"] for r in children]),
            Series(_("Open cases"), [r["open_cases"] for r in children]),
            Series(_("Open quality findings"), [r["open_findings"] for r in children]),
        ],
        horizontal=True,
        links=[link(r["code"]) for r in children],
    )


# --- statistics ---------------------------------------------------------------------------------------


def statistics_by_region(rows: list[dict], level_name: str, year: int) -> Chart:
    """Poor persons (bars) and incidence (line, second axis) of each sub-region of the statistics page."""
    return Chart(
        "chart-stat-regions",
        "bar",
        _("Poor persons and incidence by %(level)s") % {"level": level_name},
        level_name,
        [r["region_name"] for r in rows],
        [
            Series(_("Poor persons"), [r["poor_persons"] for r in rows]),
            Series(_("Incidence (%)"), [r["incidence_pct"] for r in rows], kind="line", axis=1),
        ],
        unit2="%",
        links=[f"?year={year}&region={r['region_code']}" for r in rows],
    )


# --- monitoring ---------------------------------------------------------------------------------------


def monitoring_trend(trend: list[dict], year: int) -> Chart:
    return Chart(
        "chart-monitoring-trend",
        "line",
        _("Trend by month, %(year)s") % {"year": year},
        _("Month"),
        [month_label(date(year, r["month"], 1)) for r in trend],
        [
            Series(_("Alerts raised"), [r["alerts"] for r in trend]),
            Series(_("Cases opened"), [r["opened"] for r in trend]),
            Series(_("Newly identified"), [r["identified"] for r in trend]),
            Series(_("Risk eliminated"), [r["eliminated"] for r in trend]),
        ],
    )


def monitoring_risks(by_signal: list[dict]) -> Chart:
    """Alerts of the year by risk signal (the page's `by signal` rows, labelled)."""
    rows = sorted(by_signal, key=lambda r: -r["n"])
    return Chart(
        "chart-monitoring-risks",
        "bar",
        _("Risk types: alerts by signal"),
        _("Signal"),
        [r["label"] for r in rows],
        [Series(_("Alerts"), [r["n"] for r in rows]), Series(_("New"), [r["new"] for r in rows])],
        horizontal=True,
    )


def funnel_counts(prefix: str, year: int) -> dict[str, int]:
    """Households identified as monitored up to the end of `year`; of them, those with an assistance measure
    under way or done; those whose risk was eliminated (an approved elimination that stands). Three counts."""
    from fupin.assistance.models import PlanMeasure
    from fupin.monitoring.dashboard import eliminated, identified

    ids = identified(prefix).filter(identified_on__year__lte=year).values("household_id")
    return {
        "identified": identified(prefix)
        .filter(identified_on__year__lte=year)
        .values("household_id")
        .distinct()
        .count(),
        "assisted": PlanMeasure.objects.filter(
            household_id__in=ids, year__lte=year, status__in=["in_progress", "done"]
        )
        .values("household_id")
        .distinct()
        .count(),
        "eliminated": eliminated(prefix)
        .filter(closed_on__year__lte=year, household_id__in=ids)
        .values("household_id")
        .distinct()
        .count(),
    }


def monitoring_funnel(counts: dict[str, int], year: int) -> Chart:
    return Chart(
        "chart-monitoring-funnel",
        "funnel",
        _("Identified → assisted → eliminated (households, to %(year)s)") % {"year": year},
        _("Stage"),
        [_("Identified as monitored"), _("Assisted"), _("Risk eliminated")],
        [Series(_("Households"), [counts["identified"], counts["assisted"], counts["eliminated"]])],
        note=_(
            "Assisted: with an assistance measure under way or done. Risk eliminated: an approved "
            "elimination that stands."
        ),
    )


# --- funds --------------------------------------------------------------------------------------------


def fund_sources(projects) -> pl.DataFrame:
    """Budget and spent per fund source of the given projects (a queryset, already scoped and filtered).

    Payments do not name a source: each project's payments are shared among its sources in proportion to
    their part of its budget. Two aggregate queries and one Polars join."""
    from fupin.funds.codes import FUND_SOURCE
    from fupin.funds.models import BudgetLine, Payment

    ids = projects.order_by().values("pk")
    lines = pl.DataFrame(
        list(
            BudgetLine.objects.filter(project_id__in=ids)
            .values_list("project_id", "source")
            .annotate(a=Sum("amount"))
            .order_by()
        ),
        schema={"project_id": pl.Int64, "source": pl.String, "budget": pl.Float64},
        orient="row",
    )
    paid = pl.DataFrame(
        list(
            Payment.objects.filter(project_id__in=ids)
            .values_list("project_id")
            .annotate(p=Sum("amount"))
            .order_by()
        ),
        schema={"project_id": pl.Int64, "paid": pl.Float64},
        orient="row",
    )
    share = pl.col("budget") / pl.col("budget").sum().over("project_id")
    per = (
        lines.join(paid, on="project_id", how="left")
        .with_columns(
            spent=pl.when(pl.col("budget").sum().over("project_id") > 0)
            .then(pl.col("paid").fill_null(0) * share)
            .otherwise(0.0)
        )
        .group_by("source")
        .agg(pl.col("budget").sum(), pl.col("spent").sum())
    )
    order = pl.DataFrame({"source": [c.code for c in FUND_SOURCE]})
    return order.join(per, on="source", how="left").with_columns(
        pl.col("budget").fill_null(0).round(2), pl.col("spent").fill_null(0).round(2)
    )


def funds_by_source(df: pl.DataFrame) -> Chart:
    from fupin.funds.codes import FUND_SOURCE

    lang = "en" if _en() else "zh"
    return Chart(
        "chart-funds-sources",
        "bar",
        _("Budget and spent by fund source (yuan)"),
        _("Fund source"),
        [FUND_SOURCE.label(s, lang) for s in df["source"]],
        [Series(_("Budget"), df["budget"].to_list()), Series(_("Spent"), df["spent"].to_list())],
        unit=_("yuan"),
        note=_(
            "Payments do not name a fund source: each project's payments are shared among its "
            "sources in proportion to their part of its budget."
        ),
    )


# --- quality ------------------------------------------------------------------------------------------


def quality_by_rule(counts: list[dict]) -> Chart:
    """Findings per rule (the worklist's counts), one series per severity so the colour tells it."""
    en = _en()
    rows = [c for c in counts if c["count"]]
    sev = {"error": _("Error"), "suspect": _("Suspect")}
    return Chart(
        "chart-quality-rules",
        "bar",
        _("Findings by rule and severity"),
        _("Rule"),
        [f"{c['rule_id']} {c['message_en'] if en else c['message_zh']}" for c in rows],
        [
            Series(label, [c["count"] if c["severity"] == key else 0 for c in rows], stack="severity")
            for key, label in sev.items()
        ],
        horizontal=True,
    )


# --- the map of incidence -----------------------------------------------------------------------------


def bilingual(zh: str, en: str) -> str:
    """Text of the map in the page's language (kept here, with both languages, until the catalogues have it)."""
    return en if _en() else zh


def incidence_map(user, code: str, year: int | None, rows: list[dict] | None = None) -> dict:
    """The map of incidence (%) by child region of `code` ('' = the user's region, or the provinces), drawn
    from the outlines users uploaded (regions/boundaries.py). `rows` are the page's sub-region figures
    (region_code, incidence_pct, poor_persons); None computes them (one statistics query) when outlines exist.

    Returns {"chart": Chart | None, "note": text when there is no outline, "upload_url", "ask"}."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from fupin.accounts.roles import ROLES
    from fupin.regions.boundaries import child_boundaries, may_upload
    from fupin.regions.codes import LEVEL_NAMES, level_of
    from fupin.reports.statistics import region_stats

    outlines = list(
        child_boundaries(user, code or None).values_list("region_id", "region__name", "region__level")
    )
    upload_url = reverse("regions:boundary_upload") if may_upload(user) else ""
    if not outlines:
        approvers = (
            "、".join(r.zh for r in ROLES.values() if r.approves)
            if not _en()
            else ", ".join(r.en.lower() for r in ROLES.values() if r.approves)
        )
        return {
            "chart": None,
            "upload_url": upload_url,
            "note": bilingual(
                "地图未显示：尚未导入这些地区的边界（GeoJSON）。",
                "No map: no boundaries (GeoJSON) are loaded for these regions.",
            ),
            "link": bilingual("上传边界文件", "Upload a boundary file"),
            "ask": bilingual(
                f"请{approvers}在“区划 › 边界”页面上传，或在服务器上运行 fupin import boundaries FILE。",
                f"Ask a {approvers} to upload them on the Regions › Boundaries page, or run "
                f"fupin import boundaries FILE on the server.",
            ),
        }
    if rows is None:
        from fupin.reports.statistics import LEVELS

        by = {v: k for k, v in LEVELS.items()}[outlines[0][2]]
        rows = region_stats(user, year=year, region=code or None, by=by).to_dicts() if year else []
    figures = {r["region_code"]: r for r in rows}
    level = outlines[0][2]
    level_name = LEVEL_NAMES[level][1 if _en() else 0]
    incidence = [(figures.get(c) or {}).get("incidence_pct") for c, _n, _l in outlines]
    poor = [(figures.get(c) or {}).get("poor_persons") for c, _n, _l in outlines]
    geo_url = reverse("regions:boundary_geojson") + ("?" + urlencode({"region": code}) if code else "")
    chart = Chart(
        "chart-map",
        "map",
        bilingual(f"各{level_name}贫困发生率（%）地图", f"Map: incidence (%) by {level_name.lower()}"),
        level_name,
        [n for _c, n, _l in outlines],
        [Series(_("Incidence (%)"), incidence), Series(_("Poor persons"), poor)],
        unit="%",
        note=bilingual(
            "贫困发生率 = 贫困人口 ÷ 农业户籍人口 × 100。灰色：无分母或无数据。",
            "Incidence = poor persons ÷ rural registered population × 100. Grey: no denominator or no data.",
        ),
        extra={
            "codes": [c for c, _n, _l in outlines],
            "geo_url": geo_url,
            "map": f"fupin-{code or 'all'}-{level_of(outlines[0][0])}",
            "labels": {
                "no_data": bilingual("无数据", "no data"),
                "incidence": _("Incidence (%)"),
                "poor": _("Poor persons"),
                "level": level_name,
            },
        },
    )
    return {"chart": chart, "note": "", "upload_url": upload_url}
