"""The export log (导出日志). Writes: every export, CLI file and bulk API page is logged through `log_export`
(`log_cli_output`, `log_api_page`). Reads: `export_log_for` gives the rows of the users bound inside the
viewer's region; rows without a user (the operator at the command line) only to a viewer who works nationwide.

(Not called selectors.py: that name hides the standard `selectors` module when compilemessages runs inside
fupin/accounts.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.accounts import scope
from fupin.accounts.models import ExportLog, User
from fupin.core.errors import Denied

CHANNELS = {"web": _("Web page"), "api": _("API"), "cli": _("Command line")}

# Readable names of the export kinds written by the apps; a kind not listed shows its key.
KIND_LABELS = {
    "households.xlsx": _("Households (Excel)"),
    "households.csv": _("Households (CSV)"),
    "api.registry.households": _("Households"),
    "api.registry.members": _("Members"),
    "quality.findings.xlsx": _("Data-quality findings (Excel)"),
    "api.quality.findings": _("Data-quality findings"),
    "quality.counts": _("Data-quality counts per rule"),
    "monitoring.alerts.xlsx": _("Monitoring alerts (Excel)"),
    "api.monitoring.alerts": _("Monitoring alerts"),
    "monitoring.unmatched.xlsx": _("Unmatched department rows (Excel)"),
    "monitoring.dashboard.xlsx": _("Monitoring dashboard (Excel)"),
    "monitoring.batch": _("Monitoring batch"),
    "api.monitoring.cases": _("Monitoring cases"),
    "api.monitoring.elimination": _("Risk-elimination worklist"),
    "assistance.coverage.xlsx": _("Assistance coverage (Excel)"),
    "api.assistance.coverage": _("Assistance coverage"),
    "reports.statistics": _("Statistics"),
    "funds_projects": _("Projects and payments"),
    "funds_payments": _("Project payments"),
    "api.funds.payments": _("Project payments"),
    "api.funds.beneficiaries": _("Project beneficiaries"),
    "funds_anomalies": _("Fund anomalies"),
    "api.funds.anomalies": _("Fund anomalies"),
    "evaluation.xlsx": _("Evaluation (Excel)"),
    "evaluation.rates": _("Evaluation rates"),
    "api.evaluation.sample": _("Evaluation sample"),
    "core.backup": _("Backup"),
    "accounts.export_log.csv": _("Export log (CSV)"),
    "accounts.export_log.xlsx": _("Export log (Excel)"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def channel_label(channel: str) -> str:
    return str(CHANNELS[channel]) if channel in CHANNELS else channel


def _readable(viewer: User) -> QuerySet[ExportLog]:
    if not viewer.can("reads_export_log"):
        raise Denied("您的角色不能查看导出日志", "your role may not read the export log")
    qs = ExportLog.objects.all()
    prefix = scope.prefix_for(viewer)
    if prefix:  # excludes rows without a user and nationwide users' rows
        qs = qs.filter(user__region__code__startswith=prefix)
    return qs


def export_log_for(
    viewer: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    username: str | None = None,
    channel: str | None = None,
    kind: str | None = None,
) -> QuerySet[ExportLog]:
    """The export-log rows `viewer` may read, newest first; dates are inclusive (local days)."""
    qs = _readable(viewer).select_related("user", "user__region").order_by("-at", "-pk")
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if username:
        qs = qs.filter(user__username=username)
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def export_log_choices(viewer: User) -> tuple[list[str], list[str]]:
    """The usernames and the kinds that occur in the rows `viewer` may read (for the filters)."""
    qs = _readable(viewer).order_by()
    users = sorted(set(qs.exclude(user=None).values_list("user__username", flat=True)))
    kinds = sorted(set(qs.values_list("kind", flat=True)))
    return users, kinds


LOGGED_CLI_FORMATS = ("csv", "json", "xlsx")


def log_export(
    user, kind: str, *, channel: str, rows: int, filters: dict | None = None, masked: bool | None = None
) -> None:
    """One row of accounts.ExportLog. `masked` defaults to whether the role sees ID or phone numbers masked
    (no user, as on the command line without --user, sees everything)."""
    if masked is None:
        masked = user is not None and not (user.can("sees_id_numbers") and user.can("sees_phone_numbers"))
    ExportLog.objects.create(
        user=user,
        kind=kind,
        channel=channel,
        rows=rows,
        masked=masked,
        filters={
            k: str(v) if isinstance(v, Path) else v for k, v in (filters or {}).items() if v not in (None, "")
        },
    )


def log_cli_output(
    user,
    kind: str,
    rows: int,
    *,
    fmt: str | None,
    out: Path | None,
    masked: bool | None = None,
    **filters: Any,
) -> None:
    """A command's result that leaves the terminal (csv, json or xlsx, or any format into --out) is logged
    with channel "cli"; a table printed on the terminal is not."""
    if fmt in LOGGED_CLI_FORMATS or out:
        log_export(
            user,
            kind,
            channel="cli",
            rows=rows,
            masked=masked,
            filters={**filters, "format": fmt, "out": out},
        )


def log_api_page(request, export_kind: str, rows: int, /, **filters: Any) -> None:
    """One fetch of a bulk API listing, recorded in the export log with channel "api".

    "Bulk" means a GET that returns rows of personal registry data for many people or households at once,
    so that paging through it copies the registry: the household list (/api/registry/households) and a
    household's members, quality findings, monitoring alerts, cases and the elimination worklist,
    assistance coverage findings, and in funds the anomalies, a project's payments and beneficiaries.
    Single records (one household, one alert), catalogues and counts are not logged. Each page is one
    row: its filters (page and page size included) and the number of rows returned.
    """
    log_export(request.auth, export_kind, channel="api", rows=rows, filters=filters)
