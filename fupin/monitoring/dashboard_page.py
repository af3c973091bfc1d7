"""The monitoring dashboard as a page: every figure it shows, computed together, and kept for large regions
(reports/kept.py) — the figures themselves are in dashboard.py, cases.py and selectors.py."""

from __future__ import annotations

from datetime import date

from fupin.accounts import scope
from fupin.monitoring import cases, selectors
from fupin.monitoring.dashboard import figures, trend
from fupin.overview import charts
from fupin.reports import kept


def page_data(user, code: str, *, year: int, today: date) -> dict:
    """Every figure of the dashboard for the region `code` (the user's scope checked already)."""
    region = code or None
    return {
        "data": selectors.summary(user, year=year, region=region),
        "cases": cases.case_counts(user, year=year, region=region, today=today),
        "figures": figures(user, year=year, region=region),
        "trend": trend(user, year=year, region=region),
        "funnel": charts.funnel_counts(scope.resolve(user, region).prefix, year),
    }


# The dashboard as kept for large regions (reports/kept.py): args year and today (overdue cases count by it).
DASHBOARD = kept.Kind(
    "monitoring_dashboard",
    tables=("monitoring_alert", "monitoring_case", "assistance_planmeasure", "regions_region"),
    compute=page_data,
)
