"""Cases: the worklist, opening a case, one case and its steps, the elimination worklist.

The case's action form carries the version of what the page shows (a hidden `version` field): a change sent
from a page opened before someone else's change is refused (409) and nothing is saved; the page then shows
the case as it is now, with the note that was typed kept."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.monitoring import cases, selectors, services
from fupin.monitoring.codes import ELIMINATION_METHOD
from fupin.monitoring.models import CaseKind, MonitorType
from fupin.monitoring.views.common import _lang, _refusals, _region, _year
from fupin.registry import selectors as registry_selectors


def _case_rows(qs, lang: str, today: date):
    rows = []
    for c in qs:
        c.step_label = cases.step_label(c.step, lang) if c.step else ""
        c.overdue = cases.is_overdue(c, today)
        rows.append(c)
    return rows


@login_required
@_refusals
def case_list(request):
    qs = cases.cases_for(request.user, region=_region(request))
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(step="")
    elif state == "overdue":
        qs = qs.exclude(step="").filter(deadline__lt=date.today())
    elif state == "closed":
        qs = qs.filter(step="")
    if request.GET.get("kind") in CaseKind.values:
        qs = qs.filter(kind=request.GET["kind"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = _case_rows(page.object_list, _lang(), date.today())
    return render(
        request,
        "monitoring/case_list.html",
        {"page": page, "state": state, "kinds": CaseKind.choices, "kind": request.GET.get("kind", "")},
    )


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CaseKind.choices)
    monitor_type = forms.ChoiceField(
        label=gettext_lazy("Monitoring type"), required=False, choices=[("", "—"), *MonitorType.choices]
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Elimination method"),
        required=False,
        choices=[("", "—"), *ELIMINATION_METHOD.choices],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2014, max_value=2100, initial=date.today().year
    )
    green_channel = forms.BooleanField(
        label=gettext_lazy("Green channel (assist first, procedure after)"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
@_refusals
def case_open(request):
    from fupin.registry.selectors import get_household_for

    try:
        household = get_household_for(request.user, request.GET.get("household", ""))
    except Exception:
        raise Http404 from None
    alert = None
    if request.GET.get("alert"):
        alert = selectors.get_alert_for(request.user, int(request.GET["alert"]))
    form = CaseForm(
        request.POST or None,
        initial={
            "kind": request.GET.get("kind", "identification"),
            "year": alert.year if alert else date.today().year,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = cases.open_case(
                request.user,
                household,
                d["kind"],
                year=d["year"],
                alert=alert,
                monitor_type=d["monitor_type"],
                method=d["method"],
                green_channel=d["green_channel"],
                note=d["note"],
                risks=[alert.signal] if alert else [],
            )
        except services.MonitoringError as e:
            form.add_error(None, e.message())
        else:
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(
        request, "monitoring/case_open.html", {"form": form, "household": household, "alert": alert}
    )


def _act(request, case) -> str | None:
    """Apply the posted action to the case; the conflict's message if the case changed since the page was
    opened (nothing saved), else None."""
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    fn = {
        "advance": cases.advance,
        "reject": cases.reject,
        "object": cases.object_,
        "rollback": cases.rollback,
        "note": cases.add_note,
    }.get(action)
    if fn is None:
        raise Http404
    try:
        fn(request.user, case, note, version=versions.posted(request))
    except EditConflict as e:
        return e.message()
    except services.MonitoringError as e:
        messages.error(request, e.message())
    else:
        messages.success(request, _("Saved."))
    return None


def _step_rows(case, lang: str) -> list[dict]:
    reached = case.steps.index(case.step) if case.step else len(case.steps)
    return [
        {
            "code": code,
            "label": cases.step_label(code, lang),
            "done": i < reached,
            "current": code == case.step,
        }
        for i, code in enumerate(case.steps)
    ]


def _events(case, lang: str) -> list:
    events = list(case.events.select_related("user"))
    for e in events:
        e.step_label = cases.step_label(e.step, lang) if e.step else ""
    return events


def _can_rollback(user, case) -> bool:
    """An open case goes back one step if the user may act on the step before; an approved elimination
    reopens if the user may approve it."""
    return (
        case.is_open
        and case.steps.index(case.step) > 0
        and cases.can_act(user, case, case.steps[case.steps.index(case.step) - 1])
    ) or (
        not case.is_open
        and case.kind == "elimination"
        and case.outcome == "approved"
        and cases.can_act(user, case, "county_approved")
    )


@login_required
@_refusals
def case_detail(request, pk: int):
    case = cases.get_case_for(request.user, pk)
    lang = _lang()
    conflict = None
    if request.method == "POST":
        conflict = _act(request, case)
        if conflict is None:
            return redirect("monitoring:case_detail", pk=case.pk)
        case = cases.get_case_for(request.user, pk)  # shown with the case as it is now
    can_now = cases.can_act(request.user, case)
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "steps": _step_rows(case, lang),
            "events": _events(case, lang),
            "overdue": cases.is_overdue(case),
            "can_advance": can_now,
            "can_reject": can_now and case.step in cases.REVIEW_STEPS,
            "can_object": can_now and case.step == "publicized",
            "can_rollback": _can_rollback(request.user, case),
            "can_note": services.can_handle_alerts(request.user),
            "version": cases.case_version(case),
            "conflict": conflict,
            "note": request.POST.get("note", "") if conflict else "",
        },
        status=409 if conflict else 200,
    )


@login_required
@_refusals
def elimination_list(request):
    year = _year(request)
    df = cases.elimination_worklist(request.user, year, _region(request))
    lang = _lang()
    from fupin.engine.monitoring import blocker_text

    numbers = registry_selectors.household_numbers(request.user, df["household_id"].to_list())
    rows = [
        {**r, "household_no": numbers.get(r["household_id"], ""), "why": blocker_text(r["blockers"], lang)}
        for r in df.sort("household_id").iter_rows(named=True)
    ]
    return render(request, "monitoring/elimination_list.html", {"rows": rows, "year": year})
