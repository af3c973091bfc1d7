"""Supervision pages: the items (挂牌督战) with filters, the rules' proposal (and listing from it), an item with
its visits, findings, closing (销号) and its region's 四个不摘 worklist, and the 四个不摘 worklist of the
user's region.

Thin: every figure comes from `selectors.py`, every write goes through `services.py`. An item outside the
user's region answers 404 like a missing one; a role that may not act answers 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import scope
from fupin.core import versions
from fupin.core.errors import Denied, EditConflict
from fupin.regions.codes import LEVEL_NAMES
from fupin.registry.selectors import latest_year
from fupin.supervision import selectors, services
from fupin.supervision.codes import ItemStatus, KeepCheck, Reason
from fupin.supervision.forms import CloseForm, ListForm, VisitForm
from fupin.supervision.models import SupervisionItem

PAGE_SIZE = 100
KEEP_ROWS = 500


def _lang() -> str:
    return "en" if (get_language() or "zh-hans").startswith("en") else "zh"


def _year(request) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isdigit() and 2014 <= int(raw) <= 2100:
        return int(raw)
    return latest_year(request.user) or timezone.localdate().year


def _add_errors(form, e: services.SupervisionRejected) -> None:
    for p, text in zip(e.problems, e.messages(), strict=True):
        form.add_error(p.field if p.field in form.fields else None, text)


def _item_or_404(request, pk: int) -> SupervisionItem:
    try:
        return selectors.get_item(request.user, pk)
    except SupervisionItem.DoesNotExist:
        raise Http404 from None


def _reasons(codes: list[str]) -> list[str]:
    return [Reason.label(c, _lang()) for c in codes]


def _keep_rows(df) -> list[dict]:
    rows = df.head(KEEP_ROWS).to_dicts()
    for r in rows:
        r["label"] = KeepCheck.label(r["check_id"], _lang())
    return rows


@login_required
def item_list(request):
    year = request.GET.get("year", "")
    status = request.GET.get("status", "")
    qs = selectors.items_for(request.user)
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if status in ItemStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for it in page:
        it.reason_labels = _reasons(it.reasons)
        it.level_label = LEVEL_NAMES[it.region.level][_lang() == "en"]
    return render(
        request,
        "supervision/list.html",
        {
            "page": page,
            "year": year,
            "status": status,
            "statuses": ItemStatus.choices,
            "can_list": services.can_list(request.user),
        },
    )


@login_required
def proposal(request):
    user = request.user
    year = _year(request)
    region = request.GET.get("region") or None
    can_list = services.can_list(user)
    if request.method == "POST" and not can_list:
        raise Denied(*services.LIST_DENIED)
    form = None
    status = 200
    chosen: list[str] = []
    if can_list:
        form = ListForm(request.POST or None, supervisors=selectors.supervisor_choices(user))
        if request.method == "POST":
            chosen = request.POST.getlist("regions")
            form.is_valid()
            try:
                items = services.list_regions(
                    user,
                    year=year,
                    regions=chosen,
                    supervisor=request.POST.get("supervisor", ""),
                    deadline=request.POST.get("deadline", ""),
                    note=request.POST.get("note", ""),
                )
            except services.SupervisionRejected as e:
                form.errors.clear()
                _add_errors(form, e)
                status = 422
            else:
                messages.success(request, _("%(n)d regions were listed for supervision.") % {"n": len(items)})
                return redirect("supervision:list")
    try:
        df = selectors.proposal(user, year=year, region=region)
    except scope.BadRegionCode as e:
        messages.error(request, e.message())
        return redirect("supervision:proposal")
    rows = df.to_dicts()
    for r in rows:
        r["reason_labels"] = _reasons(r["reasons"])
        r["level_label"] = LEVEL_NAMES[r["level"]][_lang() == "en"]
    return render(
        request,
        "supervision/proposal.html",
        {"rows": rows, "year": year, "region": region or "", "form": form, "chosen": chosen},
        status=status,
    )


@login_required
def item_detail(request, pk: int):
    user = request.user
    item = _item_or_404(request, pk)
    is_open = item.status == "open"
    context = {
        "item": item,
        "reason_labels": _reasons(item.reasons),
        "closing_reasons": _reasons(item.reasons_at_close),
        "visits": item.visits.select_related("recorded_by"),
        "can_record": is_open and services.can_record(user, item),
        "can_close": is_open and services.can_list(user),
        "can_override": services.can_override(user),
        "version": services.item_version(item),
        "visit_form": VisitForm(initial={"visited_on": date.today()}),
        "close_form": CloseForm(),
        "keep": _keep_rows(selectors.keep_for_prefix(item.region.prefix, item.year)),
    }
    return render(request, "supervision/detail.html", context)


@login_required
@require_POST
def visit_add(request, pk: int):
    item = _item_or_404(request, pk)
    if not services.can_record(request.user, item):
        raise Denied(*services.VISIT_DENIED)
    try:
        services.record_visit(
            request.user,
            pk,
            visited_on=request.POST.get("visited_on", ""),
            findings=request.POST.get("findings", ""),
            actions=request.POST.get("actions", ""),
        )
    except services.SupervisionRejected as e:
        for text in e.messages():
            messages.error(request, text)
    else:
        messages.success(request, _("The visit was saved."))
    return redirect("supervision:detail", pk)


@login_required
@require_POST
def item_close(request, pk: int):
    _item_or_404(request, pk)
    try:
        services.close_item(
            request.user,
            pk,
            note=request.POST.get("note", ""),
            override=request.POST.get("override") in ("on", "1", "true"),
            version=versions.posted(request),
        )
    except EditConflict as e:
        messages.error(request, e.message())
    except services.SupervisionRejected as e:
        for text in e.messages():
            messages.error(request, text)
    else:
        messages.success(request, _("The item was closed."))
    return redirect("supervision:detail", pk)


@login_required
def keep_worklist(request):
    year = _year(request)
    region = request.GET.get("region") or None
    try:
        df = selectors.keep_worklist(request.user, year=year, region=region)
    except scope.BadRegionCode as e:
        messages.error(request, e.message())
        return redirect("supervision:keep")
    check = request.GET.get("check", "")
    if check in KeepCheck.values:
        df = df.filter(df["check_id"] == check)
    return render(
        request,
        "supervision/keep.html",
        {
            "rows": _keep_rows(df),
            "count": df.height,
            "year": year,
            "region": region or "",
            "check": check,
            "checks": KeepCheck.choices,
            "limit": KEEP_ROWS,
        },
    )
