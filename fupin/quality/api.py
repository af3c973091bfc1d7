"""Data-quality API (/api/quality): run the rules, read the findings and their counts, work a finding.

Scope: everything is limited to the caller's region subtree; a finding or region outside it answers 404
exactly like a missing one. Read-only roles may read; acting answers 403. Refused input: 422.

A finding's read names its version (the ETag header and `version`); a change sent with it as If-Match is
refused (409) if the finding changed meanwhile (someone's work, a run of the rules)."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from fupin.accounts.export_log import log_api_page
from fupin.core import versions
from fupin.core.api_types import Key, Page, Year
from fupin.core.privacy import id_for
from fupin.quality import selectors, services
from fupin.quality.models import Finding, QualityRun
from fupin.registry.schemas import ERRORS  # the one error shape of the API

router = Router()
PER_PAGE = 50


class RunIn(Schema):
    year: Year
    region: str | None = None


class RunOut(Schema):
    id: int
    year: int
    region_code: str
    user: str | None
    started_at: datetime
    seconds: float
    findings: int
    created: int
    reopened: int
    resolved: int
    counts: dict[str, int]


class FindingOut(Schema):
    id: int
    rule_id: str
    family: str = Field(description="quality, or integrity: the anti-'数字脱贫' checks (防数字脱贫, DQ-K)")
    scope: str
    severity: str
    message: dict[str, str]
    year: int
    household_no: str
    village_code: str
    member_id: int | None
    member_name: str | None
    id_number: str | None
    value: str
    status: str
    assignee_id: int | None
    assignee: str | None
    note: str
    first_seen_at: datetime
    last_seen_at: datetime
    closed_at: datetime | None
    version: str = Field(
        description="this version of the finding (also the ETag header of its read): send it "
        "as If-Match with a change to have it refused (409) if the finding changed "
        "meanwhile"
    )


class FindingsPage(Schema):
    count: int
    page: int
    pages: int
    items: list[FindingOut]


class RuleCount(Schema):
    rule_id: str
    severity: str
    message: dict[str, str]
    count: int
    open: int


class SummaryOut(Schema):
    year: int | None
    region: str | None
    family: str | None
    total: int
    by_status: dict[str, int]
    rules: list[RuleCount]


class FindingPatch(Schema):
    status: str | None = None
    assignee: int | None = None  # null = nobody; leave out to keep
    note: str | None = None


def _run_out(run: QualityRun) -> dict:
    return {
        "id": run.pk,
        "year": run.year,
        "region_code": run.region_code,
        "user": run.user.username if run.user else None,
        "started_at": run.started_at,
        "seconds": run.seconds,
        "findings": run.findings,
        "created": run.created,
        "reopened": run.reopened,
        "resolved": run.resolved,
        "counts": run.counts,
    }


def _finding_out(user, f: Finding) -> dict:
    value = f.value
    if f.rule_id in selectors.ID_VALUE_RULES:
        value = id_for(user, value)
    return {
        "id": f.pk,
        "rule_id": f.rule_id,
        "family": selectors.family_of(f.rule_id),
        "scope": f.scope,
        "severity": f.severity,
        "message": {"zh": f.message_zh, "en": f.message_en},
        "year": f.year,
        "household_no": f.household.household_no,
        "village_code": f.household.village_id,
        "member_id": f.member_id,
        "member_name": f.member.name if f.member else None,
        "id_number": id_for(user, f.member.id_number) if f.member else None,
        "value": value,
        "status": f.status,
        "assignee_id": f.assignee_id,
        "assignee": f.assignee.username if f.assignee else None,
        "note": f.note,
        "first_seen_at": f.first_seen_at,
        "last_seen_at": f.last_seen_at,
        "closed_at": f.closed_at,
        "version": services.finding_version(f),
    }


def _tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a finding read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, out["version"])
    return out


def _related(qs):
    return qs.select_related("household", "member", "assignee")


@router.post(
    "/runs", response={201: RunOut}, summary="Run the rules for a year (roles that write the registry)"
)
def create_run(request, body: RunIn):
    run = services.run_quality(request.auth, body.year, body.region)
    return Status(201, _run_out(run))


@router.get("/runs", response=list[RunOut], summary="The latest runs in your region")
def list_runs(request, year: Year | None = None):
    qs = selectors.runs_for(request.auth)
    if year:
        qs = qs.filter(year=year)
    return [_run_out(r) for r in qs[:100]]


@router.get("/findings", response=FindingsPage, summary="Findings in your region, filtered, 50 a page")
def list_findings(
    request,
    year: Year | None = None,
    rule: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    region: str | None = None,
    assignee: str | None = None,
    family: str | None = None,
    page: Page = 1,
):
    """`family=integrity`: only the anti-"数字脱贫" findings (防数字脱贫); `family=quality`: the others."""
    qs = selectors.findings_for(
        request.auth,
        year=year,
        region=region,
        rule=rule,
        status=status,
        severity=severity,
        assignee=assignee,
        family=family,
    )
    paginator = Paginator(_related(qs).order_by("household__household_no", "member_id", "rule_id"), PER_PAGE)
    current = paginator.get_page(page)
    items = [_finding_out(request.auth, f) for f in current.object_list]
    log_api_page(
        request,
        "api.quality.findings",
        len(items),
        year=year,
        rule=rule,
        status=status,
        severity=severity,
        region=region,
        assignee=assignee,
        family=family,
        page=current.number,
    )
    return {"count": paginator.count, "page": current.number, "pages": paginator.num_pages, "items": items}


@router.get("/summary", response=SummaryOut, summary="错误类型/错误条数: counts per rule and per status")
def summary(request, year: Year | None = None, region: str | None = None, family: str | None = None):
    qs = selectors.findings_for(request.auth, year=year, region=region, family=family)
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    rules = [
        {
            "rule_id": r["rule_id"],
            "severity": r["severity"],
            "count": r["count"],
            "open": r["open"],
            "message": {"zh": r["message_zh"], "en": r["message_en"]},
        }
        for r in selectors.rule_counts(qs)
    ]
    return {
        "year": year,
        "region": region,
        "family": family,
        "total": sum(by_status.values()),
        "by_status": by_status,
        "rules": rules,
    }


@router.get("/findings/{pk}", response={200: FindingOut, **ERRORS}, summary="One finding")
def get_finding(request, pk: Key, response: HttpResponse):
    """The ETag header (also `version`) names this version of the finding: send it back as If-Match with a
    change, which is refused (409) if the finding changed meanwhile."""
    return _tagged(
        response, _finding_out(request.auth, _related(selectors.findings_for(request.auth)).get(pk=pk))
    )


@router.patch(
    "/findings/{pk}",
    response={200: FindingOut, **ERRORS},
    summary="Change a finding's status, assignee or note",
)
def patch_finding(request, pk: Key, body: FindingPatch, response: HttpResponse):
    given = body.dict(exclude_unset=True)
    services.update_finding(
        request.auth,
        pk,
        status=given.get("status"),
        assignee=given.get("assignee", ""),
        note=given.get("note"),
        version=versions.if_match(request),
    )
    return _tagged(response, _finding_out(request.auth, _related(Finding.objects).get(pk=pk)))
