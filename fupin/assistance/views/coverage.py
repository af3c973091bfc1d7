"""The coverage worklist: households a coverage check finds, on the page or as a workbook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fupin.accounts import scope
from fupin.assistance import coverage as store_coverage
from fupin.assistance.views.common import _en, _year
from fupin.engine import coverage as engine_coverage


@login_required
def coverage_worklist(request):
    user = request.user
    year = _year(request)
    region = (request.GET.get("region") or "").strip() or None
    check = request.GET.get("check") or None
    if check and check not in engine_coverage.BY_ID:
        check = None
    try:
        df = store_coverage.findings_for(user, year=year, region=region)  # OutOfScope: 404
    except scope.BadRegionCode as e:
        messages.error(request, e.message())
        return redirect(f"{request.path}?year={year}")
    summary = engine_coverage.summary(df).to_dicts()
    shown = df.filter(df["check_id"] == check) if check else df
    if request.GET.get("format") == "xlsx":
        if not user.can("exports"):
            raise PermissionDenied(_("Your role may not export."))
        data = store_coverage.export_xlsx(
            user, shown, channel="web", filters={"year": year, "region": region, "check": check}
        )
        resp = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f'attachment; filename="coverage-{year}.xlsx"'
        return resp
    rows = shown.head(1000).to_dicts()
    return render(
        request,
        "assistance/coverage.html",
        {
            "year": year,
            "region": region or "",
            "check": check or "",
            "summary": summary,
            "rows": rows,
            "total": shown.height,
            "en": _en(),
            "can_export": user.can("exports"),
        },
    )
