"""Policy parameter pages: everyone reads the values that apply to their region; approvers change them.

The change and removal forms carry the row's version (a hidden `version` field): a change from a form opened
before someone else's change is refused (409) and nothing is saved."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.query import query_year
from fupin.engine import params as engine_params
from fupin.policy import services
from fupin.policy.definitions import DEFINITIONS, label, unit
from fupin.policy.forms import DeleteForm, ParameterForm
from fupin.policy.models import Parameter
from fupin.regions import selectors as region_selectors


def _lang() -> str:
    return get_language() or "zh-hans"


@login_required
def parameter_list(request):
    user = request.user
    year = query_year(request.GET) or date.today().year
    rows = list(services.visible_to(user).order_by("name", "region_code", "year_from"))
    names = {r.region_code: "" for r in rows if r.region_code}
    names.update(region_selectors.names_of(names))
    here = user.region_id or "000000000000"
    table = engine_params.resolve_table(
        services.params_frame(), list(DEFINITIONS), _frame(here, year), region_col="region_code"
    )
    effective = table.row(0, named=True)
    groups = []
    for name in DEFINITIONS:
        items = [r for r in rows if r.name == name]
        for r in items:
            r.region_name = names.get(r.region_code, "") if r.region_code else ""
            r.editable = services.can_edit(user, r.region_code)
        groups.append(
            {
                "name": name,
                "label": label(name, _lang()),
                "unit": unit(name),
                "rows": items,
                "effective": effective.get(name),
            }
        )
    return render(
        request,
        "policy/parameter_list.html",
        {"groups": groups, "year": year, "can_add": user.can("approves"), "region": user.region},
    )


def _shown_version(request, p: Parameter) -> str:
    """A form's hidden `version`: that of the values it shows — as posted (a stale form stays stale until it is
    opened again), else the row's version now."""
    posted = versions.posted(request) if request.method == "POST" else None
    return posted or services.parameter_version(p)


def _frame(code: str, year: int):
    import polars as pl

    return pl.DataFrame({"region_code": [code], "year": [year]})


@login_required
def parameter_edit(request, pk: int | None = None):
    user = request.user
    if not user.can("approves"):
        raise PermissionDenied
    p = get_object_or_404(Parameter, pk=pk, is_deleted=False) if pk else None
    if p and not services.can_edit(user, p.region_code):
        raise PermissionDenied
    initial = {"region_code": user.region_id or ""}
    if p:
        initial = {
            "name": p.name,
            "region_code": p.region_code,
            "year_from": p.year_from,
            "year_to": p.year_to,
            "value": p.value.normalize(),
            "source": p.source,
        }
    elif request.GET.get("name") in DEFINITIONS:
        initial["name"] = request.GET["name"]
    form = ParameterForm(request.POST or None, initial=initial, lang=_lang())
    conflict = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_parameter(
                user,
                pk=pk,
                name=d["name"],
                region_code=d["region_code"],
                year_from=d["year_from"],
                year_to=d["year_to"],
                value=d["value"],
                source=d["source"],
                reason=d["reason"],
                version=versions.posted(request) if p else None,
            )
        except EditConflict as e:
            form.add_error(None, e.message())
            conflict = True
        except services.PolicyError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message())
        except PermissionDenied:
            form.add_error("region_code", _("You may not change parameters of this region."))
        else:
            messages.success(request, _("Parameter saved."))
            return redirect("policy:parameter_list")
    history = p.changes.select_related("user") if p else []
    return render(
        request,
        "policy/parameter_form.html",
        {
            "form": form,
            "parameter": p,
            "history": history,
            "version": _shown_version(request, p) if p else None,
        },
        status=409 if conflict else 400 if form.errors else 200,
    )


@login_required
def parameter_delete(request, pk: int):
    user = request.user
    p = get_object_or_404(Parameter, pk=pk, is_deleted=False)
    if not services.can_edit(user, p.region_code):
        raise PermissionDenied
    form = DeleteForm(request.POST or None)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_parameter(
                user, pk, reason=form.cleaned_data["reason"], version=versions.posted(request)
            )
        except EditConflict as e:
            form.add_error(None, e.message())
            conflict = True
        else:
            messages.success(request, _("Parameter removed; its history is kept."))
            return redirect("policy:parameter_list")
    return render(
        request,
        "policy/parameter_delete.html",
        {
            "form": form,
            "parameter": p,
            "label": label(p.name, _lang()),
            "version": _shown_version(request, p),
        },
        status=409 if conflict else 200,
    )
