"""Project library pages: list, detail with lifecycle, budget, beneficiaries and payments, the public
announcement sheet (page and PDF), anomalies. Thin: selectors read, services write.

The edit form and the lifecycle buttons carry the project's version (a hidden `version` field): a change
sent from a page opened before someone else's change is refused (409) and nothing is saved."""

from __future__ import annotations

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.privacy import id_for
from fupin.core.query import query_year
from fupin.engine.funds import CHECKS
from fupin.funds import announcement, exports, lifecycle, services
from fupin.funds import anomalies as fund_anomalies
from fupin.funds.codes import FUND_SOURCE, PAYMENT_KIND, PROJECT_STATUS, PROJECT_TYPE
from fupin.funds.forms import ActionForm, BeneficiaryForm, PaymentForm, ProjectForm
from fupin.funds.models import Project
from fupin.funds.selectors import get_project_for, projects_for
from fupin.overview import charts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lang() -> str:
    return get_language() or "zh-hans"


def _project(request, pk: int) -> Project:
    try:
        return get_project_for(request.user, pk)
    except Project.DoesNotExist:
        raise Http404 from None


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    r = HttpResponse(content, content_type=XLSX)
    r["Content-Disposition"] = f'attachment; filename="{filename}"'
    return r


def _shown_version(request, project: Project) -> str:
    """The edit form's hidden `version`: that of the values it shows — as posted (a stale form stays stale
    until it is opened again), else the project's version now."""
    posted = versions.posted(request) if request.method == "POST" else None
    return posted or services.project_version(project)


def _bad_region(request, e: scope.BadRegionCode):
    """A malformed region code typed in a list's filter: said on the list, shown without that filter."""
    messages.error(request, e.message())
    query = request.GET.copy()
    for key in ("region", "format"):
        query.pop(key, None)
    return redirect(request.path + (f"?{query.urlencode()}" if query else ""))


@login_required
def project_list(request):
    g = request.GET
    filters = {
        "region": g.get("region", "").strip() or None,
        "status": g.get("status") or None,
        "project_type": g.get("type") or None,
        "year": query_year(g),
        "q": g.get("q") or None,
    }
    try:
        projects = projects_for(request.user, **filters)
    except scope.BadRegionCode as e:
        return _bad_region(request, e)
    if g.get("format") == "xlsx":
        if not request.user.can("exports"):
            raise PermissionDenied
        return _xlsx(exports.export_projects(request.user, "web", **filters), "projects.xlsx")
    page = Paginator(projects.order_by("-start_date", "-pk"), 50).get_page(g.get("page"))
    lang = _lang()
    for p in page:
        p.status_label = PROJECT_STATUS.label(p.status, lang)
        p.type_label = PROJECT_TYPE.label(p.project_type, lang)
    return render(
        request,
        "funds/project_list.html",
        {
            "page": page,
            "filters": g,
            "statuses": [(s.code, PROJECT_STATUS.label(s.code, lang)) for s in PROJECT_STATUS],
            "types": [(t.code, PROJECT_TYPE.label(t.code, lang)) for t in PROJECT_TYPE],
            "can_create": request.user.can("writes_registry"),
            "can_export": request.user.can("exports"),
            "page_charts": [charts.funds_by_source(charts.fund_sources(projects))],
            "query": "&".join(f"{k}={v}" for k, v in g.items() if k not in ("page", "format") and v),
        },
    )


def _data(form: ProjectForm) -> services.ProjectData:
    d = form.cleaned_data
    return services.ProjectData(
        name=d["name"],
        project_type=d["project_type"],
        region_code=d["region_code"],
        implementing_unit=d["implementing_unit"],
        start_date=d["start_date"],
        deadline=d["deadline"],
        content=d["content"],
        poverty_link=d["poverty_link"],
        performance_targets=d["performance_targets"],
        budget=form.budget(),
    )


@login_required
def project_edit(request, pk: int | None = None):
    user = request.user
    if not user.can("writes_registry"):
        raise PermissionDenied
    project = _project(request, pk) if pk else None
    initial = {"region_code": user.region_id or "", "start_date": date.today()}
    if project:
        initial = {
            f: getattr(project, f)
            for f in (
                "name",
                "project_type",
                "implementing_unit",
                "start_date",
                "deadline",
                "content",
                "poverty_link",
                "performance_targets",
            )
        }
        initial["region_code"] = project.region_id
        initial |= {f"budget_{b.source}": b.amount for b in project.budget_lines.all()}
    form = ProjectForm(request.POST or None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            if project:
                project = services.update_project(
                    user, project, _data(form), version=versions.posted(request)
                )
            else:
                project = services.create_project(user, _data(form))
        except EditConflict as e:
            form.add_error(None, e.message())
            conflict = True
        except services.FundsError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message())
        else:
            messages.success(request, _("Project saved."))
            return redirect("funds:project_detail", project.pk)
    version = _shown_version(request, project) if project else None
    return render(
        request,
        "funds/project_form.html",
        {"form": form, "project": project, "version": version},
        status=409 if conflict else 400 if form.errors else 200,
    )


@login_required
def project_detail(
    request, pk: int, *, payment_form=None, beneficiary_form=None, action_error=None, status=200
):
    user, lang = request.user, _lang()
    p = _project(request, pk)
    payments = list(p.payments.all())
    for x in payments:
        x.shown_id = id_for(user, x.id_number)
        x.kind_label = PAYMENT_KIND.label(x.kind, lang)
    beneficiaries = p.beneficiaries.select_related("household", "household__village")
    found = fund_anomalies.anomalies_for(user, project=p)
    return render(
        request,
        "funds/project_detail.html",
        {
            "p": p,
            "status_label": PROJECT_STATUS.label(p.status, lang),
            "type_label": PROJECT_TYPE.label(p.project_type, lang),
            "lines": [(FUND_SOURCE.label(b.source, lang), b.amount) for b in p.budget_lines.all()],
            "transitions": [
                (
                    t,
                    lifecycle.ACTIONS[t.action].label(lang)
                    if t.action in lifecycle.ACTIONS
                    else _("Created"),
                    PROJECT_STATUS.label(t.to_status, lang),
                )
                for t in p.transitions.select_related("user")
            ],
            "actions": [(a.code, a.label(lang)) for a in lifecycle.available(user, p.status)],
            "can_export": user.can("exports"),
            "can_edit": user.can("writes_registry") and p.status in lifecycle.EDITABLE_STATUSES,
            "can_pay": user.can("writes_registry") and p.status in lifecycle.PAYABLE_STATUSES,
            "can_add_beneficiaries": user.can("writes_registry")
            and p.status not in lifecycle.FINISHED_STATUSES,
            "payments": payments,
            "beneficiaries": beneficiaries,
            "payment_form": payment_form or PaymentForm(initial={"paid_on": date.today()}),
            "beneficiary_form": beneficiary_form or BeneficiaryForm(),
            "action_form": ActionForm(),
            "action_error": action_error,
            "version": services.project_version(p),
            "anomalies": [
                (r["check_id"], r["message_en"] if lang.startswith("en") else r["message_zh"], r["value"])
                for r in found.iter_rows(named=True)
            ],
        },
        status=status,
    )


@login_required
@require_POST
def project_action(request, pk: int):
    p = _project(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return project_detail(request, pk, action_error=_("Choose an action."), status=400)
    try:
        services.transition(
            request.user,
            p,
            form.cleaned_data["action"],
            form.cleaned_data["note"],
            version=versions.posted(request),
        )
    except EditConflict as e:  # the page shows the project as it is now, with its version
        return project_detail(request, pk, action_error=e.message(), status=409)
    except services.FundsError as e:
        return project_detail(request, pk, action_error=e.message(), status=400)
    messages.success(request, _("Project status changed."))
    return redirect("funds:project_detail", pk)


@login_required
@require_POST
def beneficiary_add(request, pk: int):
    p = _project(request, pk)
    if not request.user.can("writes_registry"):
        raise PermissionDenied
    form = BeneficiaryForm(request.POST)
    if form.is_valid():
        try:
            n = services.add_beneficiaries(
                request.user, p, re.split(r"[\s,，、;；]+", form.cleaned_data["household_nos"])
            )
        except services.FundsError as e:
            form.add_error("household_nos", e.message())
        else:
            messages.success(request, _("%(n)d households added.") % {"n": n})
            return redirect("funds:project_detail", pk)
    return project_detail(request, pk, beneficiary_form=form, status=400)


@login_required
@require_POST
def beneficiary_remove(request, pk: int, household_id: int):
    p = _project(request, pk)
    try:
        services.remove_beneficiary(request.user, p, household_id)
    except services.FundsError as e:
        return project_detail(request, pk, action_error=e.message(), status=400)
    return redirect("funds:project_detail", pk)


@login_required
@require_POST
def payment_add(request, pk: int):
    p = _project(request, pk)
    if not request.user.can("writes_registry"):
        raise PermissionDenied
    form = PaymentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_payment(
                request.user,
                p,
                services.PaymentData(
                    kind=d["kind"],
                    id_number=d["id_number"],
                    payee_name=d["payee_name"],
                    item=d["item"],
                    amount=d["amount"],
                    paid_on=d["paid_on"],
                ),
            )
        except services.FundsError as e:
            if e.field not in form.fields:  # about the project, not the form: shown above the actions
                return project_detail(request, pk, payment_form=form, action_error=e.message(), status=400)
            form.add_error(e.field, e.message())
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("funds:project_detail", pk)
    return project_detail(request, pk, payment_form=form, status=400)


@login_required
def payments_export(request, pk: int):
    p = _project(request, pk)
    if not request.user.can("exports"):
        raise PermissionDenied
    return _xlsx(exports.export_payments(request.user, "web", project=p), f"payments-{p.pk}.xlsx")


@login_required
def announcement_page(request, pk: int):
    return render(request, "funds/announcement.html", announcement.context(_project(request, pk)))


@login_required
def announcement_pdf(request, pk: int):
    p = _project(request, pk)
    try:
        pdf = announcement.render_pdf(p, base_url=request.build_absolute_uri("/"))
    except OSError:  # WeasyPrint could not load Pango: the machine lacks libpango (scripts/setup installs it)
        return HttpResponse(
            "无法生成 PDF：服务器缺少 Pango 库，请使用打印页面 / cannot make the PDF: the server "
            "lacks the Pango library; use the printable page instead",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    r = HttpResponse(pdf, content_type="application/pdf")
    r["Content-Disposition"] = f'inline; filename="announcement-{p.pk}.pdf"'
    return r


@login_required
def anomaly_list(request):
    g, lang = request.GET, _lang()
    filters = {
        "region": g.get("region", "").strip() or None,
        "check": g.get("check") or None,
        "severity": g.get("severity") or None,
    }
    try:
        df = fund_anomalies.anomalies_for(request.user, **filters)
    except scope.BadRegionCode as e:
        return _bad_region(request, e)
    if g.get("format") == "xlsx":
        if not request.user.can("exports"):
            raise PermissionDenied
        return _xlsx(exports.export_anomalies(request.user, "web", df, filters), "fund-anomalies.xlsx")
    by_region = df.group_by("region_code", "region_name").len().sort("region_code").iter_rows(named=True)
    rows = list(df.head(1000).iter_rows(named=True))
    for r in rows:
        r["message"] = r["message_en"] if lang.startswith("en") else r["message_zh"]
        r["severity_label"] = fund_anomalies.SEVERITY[r["severity"]][1 if lang.startswith("en") else 0]
    return render(
        request,
        "funds/anomaly_list.html",
        {
            "rows": rows,
            "total": df.height,
            "by_region": list(by_region),
            "filters": g,
            "checks": [(k.id, k.message_en if lang.startswith("en") else k.message_zh) for k in CHECKS],
            "can_export": request.user.can("exports"),
            "query": "&".join(f"{k}={v}" for k, v in g.items() if k != "format" and v),
        },
    )
