"""Department lists: upload one, read its report, download the rows that matched no household."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from fupin.accounts.models import ExportLog
from fupin.core.errors import in_language
from fupin.core.privacy import id_for
from fupin.monitoring import selectors, services, sources
from fupin.monitoring.models import Source
from fupin.monitoring.views.common import _lang, _refusals


class DepartmentForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[(s, label) for s, label in Source.choices if s in sources.SOURCES],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2014, max_value=2100, initial=date.today().year
    )
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))


@login_required
@_refusals
def department_upload(request):
    if not services.can_import_department(request.user):
        raise PermissionDenied
    form = DepartmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        suffix = Path(up.name).suffix.lower()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"upload{suffix}"
            with path.open("wb") as fh:
                for chunk in up.chunks():
                    fh.write(chunk)
            try:
                batch = services.import_department(
                    request.user,
                    path,
                    source=form.cleaned_data["source"],
                    year=form.cleaned_data["year"],
                    file_name=up.name,
                )
            except services.MonitoringError as e:
                form.add_error("file", e.message())
            except services.FileUnreadable as e:
                form.add_error("file", in_language(e.message_zh, e.message_en))
            else:
                return redirect("monitoring:department_report", pk=batch.pk)
    return render(request, "monitoring/department_upload.html", {"form": form})


@login_required
@_refusals
def department_report(request, pk: int):
    batch = selectors.get_department_import_for(request.user, pk)
    en = _lang().startswith("en")
    problems = [
        {
            "row": r["_row"],
            "id_number": id_for(request.user, r["id_number_raw"]),
            "name": r["name_raw"],
            "message": r["message_en"] if en else r["message_zh"],
        }
        for r in batch.problem_rows
    ]
    return render(
        request,
        "monitoring/department_report.html",
        {"batch": batch, "counts": list(batch.counts.items()), "problems": problems},
    )


@login_required
@_refusals
def department_unmatched(request, pk: int):
    batch = selectors.get_department_import_for(request.user, pk)
    if not batch.unmatched_file or not Path(batch.unmatched_file).exists():
        raise Http404
    content = services.unmatched_download(request.user, batch)
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.unmatched.xlsx",
        channel="web",
        filters={"batch": batch.pk},
        rows=sum(1 for _ in batch.problem_rows),
        masked=not request.user.can("sees_id_numbers"),
    )
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="unmatched-{batch.pk}.xlsx"'
    return resp
