"""The overview page (概览): where everyone lands after signing in. Thin: figures.py counts, charts.py labels.

A region outside the user's subtree, or a code that is no region, answers 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.accounts import scope
from fupin.core.query import query_year
from fupin.overview import charts, figures
from fupin.regions.codes import LEVEL_NAMES
from fupin.reports.services import ReportInputError


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + ("?" + query if query else "")


def cards(totals: dict, code: str, year: int | None) -> list[dict]:
    """The key figures, each with the page that lists what it counts."""
    y = year or ""
    return [
        {
            "key": "poor_households",
            "label": _("Poor households"),
            "value": totals["poor_households"],
            "url": _url("reports:statistics", year=y, region=code),
            "note": _("in %(year)s") % {"year": y},
        },
        {
            "key": "poor_persons",
            "label": _("Poor persons"),
            "value": totals["poor_persons"],
            "url": _url("reports:statistics", year=y, region=code),
            "note": _("in %(year)s") % {"year": y},
        },
        {
            "key": "monitored",
            "label": _("Monitored households"),
            "value": totals["monitored"],
            "url": _url("monitoring:household_drill", measure="monitored", year=y, region=code),
            "note": _("now"),
        },
        {
            "key": "open_cases",
            "label": _("Open cases"),
            "value": totals["open_cases"],
            "url": _url("monitoring:case_list", state="open", region=code),
            "note": _("identification and elimination"),
        },
        {
            "key": "overdue_cases",
            "label": _("Cases past deadline"),
            "value": totals["overdue_cases"],
            "url": _url("monitoring:case_list", state="overdue", region=code),
            "note": _("open, deadline passed"),
            "alert": totals["overdue_cases"] > 0,
        },
        {
            "key": "open_findings",
            "label": _("Open quality findings"),
            "value": totals["open_findings"],
            "url": _url("quality:worklist", year=y, status="open", region=code),
            "note": _("in %(year)s") % {"year": y},
        },
        {
            "key": "fund_anomalies",
            "label": _("Fund anomalies"),
            "value": totals["fund_anomalies"],
            "url": _url("funds:anomaly_list", region=code),
            "note": _("payments and projects flagged"),
        },
    ]


def for_you(user, prefix: str, code: str, year: int | None) -> list[dict]:
    """What the user's role works on next: a few links, counted where a count helps."""
    from fupin.monitoring.models import Alert, AlertStatus
    from fupin.quality.models import OPEN, Finding

    items = []
    if user.can("writes_registry"):
        new = Alert.objects.filter(region__code__startswith=prefix, status=AlertStatus.NEW).count()
        mine = (
            Finding.objects.filter(
                household__village__code__startswith=prefix, assignee=user, status=OPEN, year=year
            ).count()
            if year
            else 0
        )
        items.append(
            {
                "label": _("New alerts to check"),
                "value": new,
                "url": _url("monitoring:alert_list", status=AlertStatus.NEW, region=code),
            }
        )
        items.append(
            {
                "label": _("Quality findings assigned to me"),
                "value": mine,
                "url": _url("quality:worklist", year=year or "", status="open", assignee="mine"),
            }
        )
    if user.can("serves_households"):
        from fupin.assistance.selectors import my_households

        items.append(
            {
                "label": _("My households"),
                "value": my_households(user).count(),
                "url": reverse("assistance:my_households"),
            }
        )
    if user.can("imports_department_data") and not user.can("writes_registry"):
        items.append(
            {
                "label": _("Upload a department list"),
                "value": None,
                "url": reverse("monitoring:department_upload"),
            }
        )
    if not user.can("writes_registry") and not user.can("serves_households"):
        items.append(
            {
                "label": _("Statistics and exports"),
                "value": None,
                "url": _url("reports:statistics", year=year or "", region=code),
            }
        )
        items.append(
            {"label": _("Identification and exit runs"), "value": None, "url": reverse("reports:run_list")}
        )
    return items


@login_required
def overview(request):
    try:
        data = figures.overview(
            request.user,
            region=(request.GET.get("region") or "").strip() or None,
            year=query_year(request.GET),
        )
    except (scope.BadRegionCode, ReportInputError):  # an OutOfScope is a 404 already
        raise Http404 from None
    where, year = data["place"], data["year"]
    en = (get_language() or "zh-hans").startswith("en")
    level_name = LEVEL_NAMES[where.child_level][1 if en else 0] if where.child_level else ""

    def link(code: str) -> str:
        return _url("overview:overview", region=code, year=year if request.GET.get("year") else None)

    crumbs = []
    if where.region is not None:
        crumbs = [
            {"code": r.code, "name": r.name, "url": link(r.code)}
            for r in [*where.region.ancestors(), where.region]
            if scope.contains(request.user, r.code)
        ]
    if not request.user.region_id:
        crumbs.insert(0, {"code": "", "name": _("All regions"), "url": reverse("overview:overview")})
    children = data["children"]
    for r in children:
        r["url"] = link(r["code"])
    page_charts = [charts.overview_trend(data["trend"]), charts.overview_poor_by_year(data["poor_by_year"])]
    if data["exits_by_year"]:
        page_charts.append(charts.overview_exits_by_year(data["exits_by_year"]))
    if children:
        page_charts.append(charts.overview_children(children, level_name, link))
    region_map = charts.incidence_map(request.user, where.code, year) if where.child_level else None
    if region_map and region_map["chart"]:
        page_charts.append(region_map["chart"])
    return render(
        request,
        "overview/overview.html",
        {
            "where": where,
            "year": year,
            "today": data["today"],
            "crumbs": crumbs,
            "name": where.region.name if where.region else _("All regions"),
            "cards": cards(data["totals"], where.code, year),
            "for_you": for_you(request.user, where.prefix, where.code, year),
            "children": children,
            "level_name": level_name,
            "page_charts": page_charts,
            "region_map": region_map,
        },
    )
