"""The measure catalogue: the list, and its edit form for approvers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fupin.assistance import forms as f
from fupin.assistance import selectors, services
from fupin.assistance.models import MeasureType
from fupin.assistance.views.common import _en, _errors


@login_required
def catalogue(request):
    return render(
        request,
        "assistance/catalogue.html",
        {
            "measures": selectors.measure_catalogue(),
            "en": _en(),
            "can_edit": request.user.can("approves"),
        },
    )


@login_required
def catalogue_edit(request, code: str | None = None):
    user = request.user
    if not user.can("approves"):
        raise PermissionDenied(_("Only approvers may change the measure catalogue."))
    mt = get_object_or_404(MeasureType, code=code) if code else None
    form = f.MeasureTypeForm(request.POST or None, initial=mt.as_dict() if mt else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_measure_type(user, **form.cleaned_data)
            messages.success(request, _("Catalogue saved."))
            return redirect("assistance:catalogue")
        except services.AssistanceError as e:
            _errors(form, e)
    return render(
        request,
        "assistance/catalogue_edit.html",
        {"form": form, "mt": mt, "changes": list(mt.changes.select_related("user")[:50]) if mt else []},
    )
