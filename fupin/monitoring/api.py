"""Monitoring API (/api/monitoring): alerts, the registry batch, department lists, the summary.

Thin handlers over `selectors` (reads, scoped) and `services` (writes). Out-of-scope alerts and lists answer
404 like missing ones; a role that may not act 403; refused input 422 (fupin/core/api_errors.py).

An alert's and a case's read name its version (the ETag header and `version`); a status change or a case
action sent with it as If-Match is refused (409) if the alert or case changed meanwhile.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from django.http import HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Limit, Page, Year
from fupin.core.privacy import masked_record
from fupin.core.tables import FileUnreadable
from fupin.monitoring import cases, selectors, services
from fupin.monitoring.models import DepartmentImport
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()
MAX_PAGE_SIZE = 500


class AlertOut(Schema):
    id: int
    year: int
    channel: str
    source: str
    signal: str
    label: dict
    status: str
    household_no: str | None
    member_id: int | None
    region_code: str | None
    evidence: dict
    note: str
    created_at: datetime
    updated_at: datetime
    version: str = Field(
        description="this version of the alert (also the ETag header of its read): send it as "
        "If-Match with a status change to have it refused (409) if the alert "
        "changed meanwhile"
    )


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


class StatusIn(Schema):
    status: str
    note: str = ""


class BatchIn(Schema):
    year: Year
    region: str | None = None


class BatchOut(Schema):
    year: int
    region_prefix: str
    households: int
    signals: int
    new: int
    existing: int
    by_signal: list[dict]


class DepartmentOut(Schema):
    id: int
    source: str
    year: int
    file_name: str
    rows: int
    counts: dict
    alerts_new: int
    alerts_existing: int
    problem_rows: list[dict]


def _alert_out(user, a) -> dict:
    evidence = masked_record(user, dict(a.evidence))
    return {
        "id": a.pk,
        "year": a.year,
        "channel": a.channel,
        "source": a.source,
        "signal": a.signal,
        "label": {"zh": selectors.signal_label(a.signal, "zh"), "en": selectors.signal_label(a.signal, "en")},
        "status": a.status,
        "household_no": a.household.household_no if a.household else None,
        "member_id": a.member_id,
        "region_code": a.region_id,
        "evidence": evidence,
        "note": a.note,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "version": services.alert_version(a),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of an alert's or a case's read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


def _department_out(user, b: DepartmentImport) -> dict:
    rows = masked_record(user, b.problem_rows)
    return {
        "id": b.pk,
        "source": b.source,
        "year": b.year,
        "file_name": b.file_name,
        "rows": b.rows,
        "counts": b.counts,
        "alerts_new": b.alerts_new,
        "alerts_existing": b.alerts_existing,
        "problem_rows": rows,
    }


@router.get("/alerts", response=AlertPage, summary="Alerts in your region, newest first")
def list_alerts(
    request,
    year: Year | None = None,
    region: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    signal: str | None = None,
    unmatched: bool = False,
    page: Page = 1,
    page_size: int = 50,
):
    qs = selectors.alerts_for(
        request.auth,
        year=year,
        region=region,
        status=status,
        channel=channel,
        signal=signal,
        unmatched=unmatched,
    )
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (max(page, 1) - 1) * size
    items = [_alert_out(request.auth, a) for a in qs[start : start + size]]
    log_api_page(
        request,
        "api.monitoring.alerts",
        len(items),
        year=year,
        region=region,
        status=status,
        channel=channel,
        signal=signal,
        unmatched=unmatched or None,
        page=page,
        page_size=size,
    )
    return {"count": qs.count(), "items": items}


@router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS}, summary="One alert with its evidence")
def get_alert(request, alert_id: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the alert: send it back as If-Match with a status
    change, which is refused (409) if the alert changed meanwhile."""
    return _tagged(response, _alert_out(request.auth, selectors.get_alert_for(request.auth, alert_id)))


@router.post(
    "/alerts/{alert_id}/status",
    response={200: AlertOut, **ERRORS},
    summary="Set an alert's status (new, checking, dismissed, case_opened) with a note",
)
def set_alert_status(request, alert_id: Key, body: StatusIn, response: HttpResponse):
    alert = selectors.get_alert_for(request.auth, alert_id)
    alert = services.set_status(
        request.auth, alert, body.status, body.note, version=versions.if_match(request)
    )
    return _tagged(response, _alert_out(request.auth, alert))


@router.post("/batch", response=BatchOut, summary="Run the registry batch over your region for a year")
def run_batch(request, body: BatchIn):
    r = services.run_batch(request.auth, body.year, body.region)
    return {
        "year": r.year,
        "region_prefix": r.prefix,
        "households": r.households,
        "signals": r.signals,
        "new": r.new,
        "existing": r.existing,
        "by_signal": r.rows(),
    }


@router.post(
    "/departments",
    response={201: DepartmentOut},
    summary="Upload a department list (医保, 民政, 教育 …) and match it to the registry",
)
def upload_department(request, file: File[UploadedFile], source: Form[str], year: Form[Year | None] = None):
    suffix = Path(file.name or "upload.xlsx").suffix.lower()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        try:
            batch = services.import_department(
                request.auth, path, source=source, year=year, file_name=Path(file.name or "upload").name
            )
        except FileUnreadable as e:
            raise services.MonitoringError(
                "file", e.message_zh, e.message_en, code="monitoring.file"
            ) from None
    return Status(201, _department_out(request.auth, batch))


@router.get("/departments/{batch_id}", response=DepartmentOut, summary="A department list's matching report")
def get_department(request, batch_id: Key):
    batch = selectors.get_department_import_for(request.auth, batch_id)
    return _department_out(request.auth, batch)


@router.get("/summary", response=dict, summary="Alert counts by signal, channel, status and region")
def summary(request, year: Year, region: str | None = None):
    return selectors.summary(request.auth, year=year, region=region)


# ------------------------------------------------------------------------------------------------- cases
class CaseIn(Schema):
    household_no: str
    kind: str
    year: Year
    monitor_type: str = ""
    method: str = ""
    green_channel: bool = False
    alert_id: int | None = None
    note: str = ""


class CaseActionIn(Schema):
    note: str = ""


class CaseOut(Schema):
    id: int
    household_no: str
    region_code: str
    kind: str
    year: int
    monitor_type: str
    elimination_method: str
    green_channel: bool
    steps: list[dict]
    step: str | None
    opened_on: date
    deadline: date
    overdue: bool
    closed_on: date | None
    outcome: str
    events: list[dict]
    version: str = Field(
        description="this version of the case (also the ETag header of its read): send it as "
        "If-Match with an action to have it refused (409) if the case changed "
        "meanwhile"
    )


def _case_out(c) -> dict:
    return {
        "id": c.pk,
        "household_no": c.household.household_no,
        "region_code": c.region_id,
        "kind": c.kind,
        "year": c.year,
        "monitor_type": c.monitor_type,
        "elimination_method": c.elimination_method,
        "green_channel": c.green_channel,
        "steps": [
            {"code": s, "label": {"zh": cases.step_label(s, "zh"), "en": cases.step_label(s, "en")}}
            for s in c.steps
        ],
        "step": c.step or None,
        "opened_on": c.opened_on,
        "deadline": c.deadline,
        "overdue": cases.is_overdue(c),
        "closed_on": c.closed_on,
        "outcome": c.outcome,
        "events": [
            {
                "action": e.action,
                "step": e.step,
                "user": e.user.username if e.user else None,
                "at": e.at.isoformat(),
                "note": e.note,
            }
            for e in c.events.select_related("user")
        ],
        "version": cases.case_version(c),
    }


@router.get("/cases", response=list[CaseOut], summary="Identification and elimination cases in your region")
def list_cases(
    request, state: str = "open", kind: str | None = None, region: str | None = None, limit: Limit = 100
):
    qs = cases.cases_for(request.auth, region=region)
    if state == "open":
        qs = qs.exclude(step="")
    elif state == "closed":
        qs = qs.filter(step="")
    if kind:
        qs = qs.filter(kind=kind)
    items = [_case_out(c) for c in qs[: max(1, min(limit, MAX_PAGE_SIZE))]]
    log_api_page(
        request, "api.monitoring.cases", len(items), state=state, kind=kind, region=region, limit=limit
    )
    return items


@router.post("/cases", response={201: CaseOut}, summary="Open an identification or elimination case")
def open_case(request, body: CaseIn):
    from fupin.registry.selectors import get_household_for

    household = get_household_for(request.auth, body.household_no)
    alert = selectors.get_alert_for(request.auth, body.alert_id) if body.alert_id else None
    c = cases.open_case(
        request.auth,
        household,
        body.kind,
        year=body.year,
        alert=alert,
        monitor_type=body.monitor_type,
        method=body.method,
        green_channel=body.green_channel,
        note=body.note,
        risks=[alert.signal] if alert else [],
    )
    return Status(201, _case_out(c))


@router.get(
    "/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="One case with its steps and history"
)
def get_case(request, case_id: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the case: send it back as If-Match with an
    action, which is refused (409) if the case changed meanwhile."""
    return _tagged(response, _case_out(cases.get_case_for(request.auth, case_id)))


ACTIONS = {
    "advance": cases.advance,
    "reject": cases.reject,
    "object": cases.object_,
    "rollback": cases.rollback,
    "note": cases.add_note,
}


@router.post(
    "/cases/{case_id}/{action}",
    response={200: CaseOut, **ERRORS},
    summary="Act on a case: advance, reject, object, rollback or note",
)
def act_on_case(request, case_id: Key, action: str, body: CaseActionIn, response: HttpResponse):
    from django.http import Http404

    if action not in ACTIONS:
        raise Http404
    c = cases.get_case_for(request.auth, case_id)
    ACTIONS[action](request.auth, c, body.note, version=versions.if_match(request))
    return _tagged(response, _case_out(c))


@router.get(
    "/elimination", response=list[dict], summary="Monitored households: may the risk be marked eliminated?"
)
def elimination(request, year: Year, region: str | None = None):
    df = cases.elimination_worklist(request.auth, year, region)
    log_api_page(request, "api.monitoring.elimination", df.height, year=year, region=region)
    return df.sort("household_id").to_dicts()


@router.get(
    "/cases-summary", response=dict, summary="Monitored, identified, eliminated, open and overdue cases"
)
def cases_summary(request, year: Year, region: str | None = None):
    return cases.case_counts(request.auth, year=year, region=region)
