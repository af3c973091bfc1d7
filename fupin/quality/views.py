"""The data-quality worklist: filters, counts per rule, findings 50 a page, actions on selected rows,
running the rules and the Excel export. Read-only roles view and export; acting answers 403.

Each row carries its finding's version (a hidden `version_<id>` field of the action form): an action on rows
that changed after the page was opened (someone's work, a run of the rules) is refused (409), nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin import codes
from fupin.accounts import scope
from fupin.core.errors import EditConflict
from fupin.core.privacy import id_for
from fupin.overview import charts
from fupin.quality import exports, selectors, services
from fupin.quality.codes import FINDING_STATUS
from fupin.quality.forms import ActionForm, FindingFilterForm, RunForm
from fupin.quality.models import Finding
from fupin.registry import selectors as registry_selectors

PER_PAGE = 50


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _years(user) -> list[int]:
    """Years with findings or with registry records in the user's subtree, newest first."""
    registry = registry_selectors.years_for(user)
    return sorted(set(selectors.years_for(user)) | set(registry), reverse=True)


def _filtered(request):
    years = _years(request.user)
    form = FindingFilterForm(request.GET, user=request.user, years=years)
    filters = form.filters()
    if filters["year"] is None and years:
        filters["year"] = years[0]
    try:
        without_rule = selectors.findings_for(request.user, **{**filters, "rule": None})
    except scope.BadRegionCode as e:  # a region outside the scope is not caught: 404, like a missing one
        messages.error(request, e.message())
        form.bad_region = True
        without_rule = Finding.objects.none()
    findings = without_rule.filter(rule_id=filters["rule"]) if filters["rule"] else without_rule
    return form, filters, years, without_rule, findings


@login_required
def worklist(request):
    user = request.user
    form, filters, years, without_rule, findings = _filtered(request)
    rows = findings.select_related("household", "household__village", "member", "assignee").order_by(
        "household__household_no", "member_id", "rule_id"
    )
    counts = selectors.rule_counts(without_rule)
    # the number of rows is in the counts per rule already: no second COUNT over the findings and households
    paginator = Paginator(rows, PER_PAGE)
    paginator.count = sum(
        c["count"] for c in counts if not filters["rule"] or c["rule_id"] == filters["rule"]
    )
    page = paginator.get_page(request.GET.get("page"))
    en, sees_ids, lang = _en(), user.can("sees_id_numbers"), get_language() or "zh-hans"
    status_labels = {c.code: c.en if en else c.zh for c in FINDING_STATUS}
    for f in page.object_list:  # at most 50 rows, already fetched
        f.message = f.message_en if en else f.message_zh
        f.value_shown = (
            f.value if sees_ids or f.rule_id not in selectors.ID_VALUE_RULES else id_for(user, f.value)
        )
        if f.value and f.rule_id in selectors.VALUE_CODELIST:
            f.value_shown = codes.ALL[selectors.VALUE_CODELIST[f.rule_id]].label(f.value, lang)
        f.status_label = status_labels.get(f.status, f.status)
        f.version = services.finding_version(f)
    for c in counts:
        c["message"] = c["message_en"] if en else c["message_zh"]
    # who acts on the rows shown: the registry's writers on data-quality findings, those who work the
    # anti-"数字脱贫" findings on theirs (the service checks every selected row again)
    family = filters["family"]
    can_act = services.may_work(user, "integrity") if family == "integrity" else user.can("writes_registry")
    return render(
        request,
        "quality/worklist.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "counts": counts,
            "page_charts": [charts.quality_by_rule(counts)] if counts else [],
            "total": sum(c["count"] for c in counts),
            "year": filters["year"],
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "can_act": can_act,
            "can_export": user.can("exports"),
            "action_form": ActionForm(
                assignees=services.assignable_users(user, {family or "quality"}).order_by("username")
            )
            if can_act
            else None,
            "works_integrity": services.may_work(user, "integrity"),
            "run_form": RunForm(
                initial={
                    "year": filters["year"] or timezone.localdate().year,
                    "region": filters["region"] or "",
                }
            )
            if user.can("writes_registry")
            else None,
            "last_run": selectors.runs_for(user).filter(year=filters["year"]).first()
            if filters["year"]
            else None,
        },
    )


def _back(request) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("quality:worklist")


@login_required
@require_POST
def act(request):
    user = request.user
    if not services.may_work(user):
        raise PermissionDenied(_("Your role may view data-quality findings but not act on them."))
    # any person the user could give some finding to; the service checks the person against the rows
    families = {f for f in services.PERMISSION if services.may_work(user, f)}
    form = ActionForm(request.POST, assignees=services.assignable_users(user, families, any_family=True))
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(_back(request))
    action, ids, seen = form.cleaned_data["action"], form.selected(), form.versions_seen()
    try:
        if action == "assign":
            n = services.assign(user, ids, form.cleaned_data["assignee"] or None, versions_seen=seen)
        else:
            n = services.set_status(user, ids, action, form.cleaned_data["note"], versions_seen=seen)
    except EditConflict as e:
        return render(
            request,
            "quality/conflict.html",
            {"message": e.message(), "back": _back(request)},
            status=409,
        )
    except services.QualityInputError as e:
        messages.error(request, e.message())
    except PermissionDenied:
        raise PermissionDenied(
            _("Anti-paper-exit findings are worked by county approvers, supervisors and auditors.")
            if services.may_work(user, "integrity") is False
            else _("Your role may view data-quality findings but not act on them.")
        ) from None
    else:
        messages.success(request, _("%(n)d finding(s) updated.") % {"n": n})
    return redirect(_back(request))


@login_required
@require_POST
def run(request):
    user = request.user
    if not user.can("writes_registry"):
        raise PermissionDenied(_("Your role may view data-quality findings but not act on them."))
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 1949 and 2100."))
        return redirect("quality:worklist")
    year, region = form.cleaned_data["year"], form.cleaned_data["region"] or None
    try:
        result = services.run_quality(user, year, region)
    except scope.BadRegionCode as e:
        messages.error(request, e.message())
        return redirect("quality:worklist")
    except services.QualityInputError as e:
        messages.error(request, e.message())
        return redirect("quality:worklist")
    messages.success(
        request,
        _(
            "Rules run for %(year)d: %(n)d findings, %(new)d new, %(reopened)d reopened, %(resolved)d resolved "
            "(%(seconds).1f s)."
        )
        % {
            "year": year,
            "n": result.findings,
            "new": result.created,
            "reopened": result.reopened,
            "resolved": result.resolved,
            "seconds": result.seconds,
        },
    )
    query = f"?year={year}" + (f"&region={region}" if region else "")
    return redirect(reverse("quality:worklist") + query)


@login_required
def export(request):
    user = request.user
    if not user.can("exports"):
        raise PermissionDenied(_("Your role may not export registry data."))
    form, filters, _years_, _all, findings = _filtered(request)
    if getattr(form, "bad_region", False):
        return redirect(reverse("quality:worklist") + "?" + request.GET.urlencode())
    export, _n = exports.export_findings(user, findings, filters=filters, channel="web")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export.response(
        f"quality-{filters['year'] or 'all'}-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
