"""Alerts: the batch run that raises them, the inbox, one alert and its status, the export.

The alert's status form carries the version of what the page shows (a hidden `version` field): a change sent
from a page opened before someone else's change is refused (409) and nothing is saved; the page then shows
the alert as it is now, with the note that was typed kept."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fupin.accounts.models import ExportLog
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.privacy import masked_record
from fupin.monitoring import selectors, services
from fupin.monitoring.models import AlertStatus, Channel
from fupin.monitoring.views.common import _lang, _refusals


@login_required
@require_POST
@_refusals
def run_batch(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Give the year."))
        return redirect("monitoring:dashboard")
    report = services.run_batch(request.user, year, (request.POST.get("region") or "").strip() or None)
    messages.success(
        request,
        _("Batch for %(year)s: %(households)s households checked, %(signals)s signals, %(new)s new alerts.")
        % {"year": year, "households": report.households, "signals": report.signals, "new": report.new},
    )
    return redirect(f"{reverse('monitoring:dashboard')}?year={year}")


class AlertFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False)
    region = forms.CharField(label=gettext_lazy("Region code"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *AlertStatus.choices]
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    signal = forms.CharField(label=gettext_lazy("Signal"), required=False)
    unmatched = forms.BooleanField(label=gettext_lazy("Not in the registry"), required=False)


def _filtered(request):
    form = AlertFilter(request.GET)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.alerts_for(
        request.user,
        year=f.get("year"),
        region=f.get("region") or None,
        status=f.get("status") or None,
        channel=f.get("channel") or None,
        signal=f.get("signal") or None,
        unmatched=bool(f.get("unmatched")),
    )
    return form, qs


@login_required
@_refusals
def alert_list(request):
    try:
        form, qs = _filtered(request)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
    except services.MonitoringError as e:
        messages.error(request, e.message())
        return redirect("monitoring:alert_list")
    lang = _lang()
    for a in page:
        a.label = selectors.signal_label(a.signal, lang)
    return render(
        request,
        "monitoring/alert_list.html",
        {"form": form, "page": page, "can_export": request.user.can("exports")},
    )


@login_required
@_refusals
def alert_detail(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    conflict = refused = None
    if request.method == "POST":
        try:
            services.set_status(
                request.user,
                alert,
                request.POST.get("status", ""),
                request.POST.get("note", ""),
                version=versions.posted(request),
            )
        except EditConflict as e:  # shown with the alert as it is now
            conflict = e.message()
            alert = selectors.get_alert_for(request.user, pk)
        except (
            services.MonitoringError
        ) as e:  # a status not in the code list: only a hand-made POST sends one
            refused = e.message()
        else:
            messages.success(request, _("Saved."))
            return redirect("monitoring:alert_detail", pk=alert.pk)
    evidence = masked_record(request.user, dict(alert.evidence))
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "label": selectors.signal_label(alert.signal, _lang()),
            "evidence": evidence,
            "statuses": AlertStatus.choices,
            "can_handle": services.can_handle_alerts(request.user),
            "version": services.alert_version(alert),
            "conflict": conflict or refused,
            "note": request.POST.get("note", "") if conflict or refused else "",
        },
        status=409 if conflict else 400 if refused else 200,
    )


@login_required
@_refusals
def alert_export(request):
    if not request.user.can("exports"):
        raise PermissionDenied
    _form, qs = _filtered(request)
    export, n = services.export_alerts(qs, _lang())
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.alerts.xlsx",
        channel="web",
        filters=dict(request.GET.items()),
        rows=n,
        masked=True,
    )
    return export.response("alerts.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
