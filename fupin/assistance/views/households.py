"""My households and one household: its assistance plan and visits, a measure's edit form, the handbook.

Thin: reads via selectors, writes via services. A household outside the scope answers 404; a role that may
not write gets 403. The measure edit form carries the measure's version (a hidden `version` field): a change
from a form opened before someone else's change is refused (409) and nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.assistance import forms as f
from fupin.assistance import selectors, services
from fupin.assistance.views.common import _en, _errors, _household, _lang, _year
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.privacy import phone_for
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household


@login_required
def home(request):
    user = request.user
    mine = selectors.my_households(user).count() if user.can("serves_households") else None
    return render(request, "assistance/home.html", {"mine": mine, "year": _year(request)})


@login_required
def my_households(request):
    user = request.user
    households = list(selectors.my_households(user).order_by("household_no"))
    year = _year(request)
    ids = [h.pk for h in households]
    years = {
        hy.household_id: hy
        for hy in registry_selectors.household_years_for(user, year=year).filter(household_id__in=ids)
    }
    counts = selectors.plan_measure_counts(user, ids, year)
    last = {}
    for hid, d in selectors.visits_for(user).filter(household_id__in=ids).values_list("household_id", "date"):
        last[hid] = max(last.get(hid, d), d)
    for h in households:
        h.hy, h.measure_count, h.last_visit = years.get(h.pk), counts.get(h.pk, 0), last.get(h.pk)
    return render(request, "assistance/my_households.html", {"households": households, "year": year})


# ---- one household -----------------------------------------------------------------------------------


def household_context(user, household: Household, year: int | None = None) -> dict:
    """What the household detail page's "assistance cadre" section needs (also used by the plan page)."""
    current = list(selectors.current_assignments(household))
    for a in current:
        a.phone_shown = phone_for(user, a.cadre.phone)
    return {
        "assistance_current": current,
        "assistance_history": list(household.assignments.select_related("cadre").order_by("-start_date")),
        "assistance_can_write": services.can_write_plan(user, household),
        "assistance_household": household,
    }


def _add_measure(request, household: Household, suggested: list):
    """The measure form posted: (the redirect once saved, else None; the bound form)."""
    form = f.PlanMeasureForm(request.POST, lang=_lang(), suggested=[m.code for m in suggested])
    if form.is_valid():
        try:
            services.save_plan_measure(request.user, household, **form.cleaned_data)
            messages.success(request, _("Measure added."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}"), form
        except services.AssistanceError as e:
            _errors(form, e)
    return None, form


def _add_visit(request, household: Household, year: int):
    """The visit form posted: (the redirect once recorded, else None; the bound form)."""
    form = f.VisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_visit(
                request.user,
                household,
                date_=d["date"],
                found=d["found"],
                follow_up=d["follow_up"],
                risk=d["risk"],
            )
            messages.success(request, _("Visit recorded."))
            return redirect(f"{request.path}?year={year}"), form
        except services.AssistanceError as e:
            _errors(form, e)
    return None, form


def _assign(request, household: Household, year: int):
    """The assign form posted: (the redirect once assigned, else None; the bound form)."""
    user = request.user
    form = f.AssignForm(request.POST, cadres=selectors.assignable_cadres(user))
    if form.is_valid():
        cadre = get_object_or_404(selectors.assignable_cadres(user), pk=form.cleaned_data["cadre"])
        services.assign_cadre(user, household, cadre, start_date=form.cleaned_data["start_date"])
        messages.success(request, _("Cadre assigned."))
        return redirect(f"{request.path}?year={year}"), form
    return None, form


def _plan_post(request, household: Household, year: int, suggested: list, can: dict, forms: dict):
    """One of the page's three forms posted (`action`): the redirect once done, else None with the bound
    form put in `forms` to show its errors."""
    action = request.POST.get("action")
    if action == "measure":
        if not can["write"]:
            raise PermissionDenied(_("You may not change this household's plan."))
        done, forms["measure_form"] = _add_measure(request, household, suggested)
    elif action == "visit":
        if not can["write"]:
            raise PermissionDenied(_("You may not record visits to this household."))
        done, forms["visit_form"] = _add_visit(request, household, year)
    elif action == "assign":
        if not can["assign"]:
            raise PermissionDenied(_("You may not assign cadres here."))
        done, forms["assign_form"] = _assign(request, household, year)
    else:
        raise Http404
    return done


@login_required
def household_plan(request, household_no: str):
    user = request.user
    household = _household(user, household_no)
    year = _year(request, household)
    hy = household.years.filter(year=year, is_deleted=False).first()
    suggested = services.suggestions(hy)
    can = {
        "write": services.can_write_plan(user, household),
        "assign": services.can_write_region(user, household.village_id),
    }
    forms = {
        "measure_form": f.PlanMeasureForm(
            initial={"year": year, "status": "planned"}, lang=_lang(), suggested=[m.code for m in suggested]
        ),
        "visit_form": f.VisitForm(initial={"date": timezone.localdate()}),
        "assign_form": f.AssignForm(cadres=selectors.assignable_cadres(user)) if can["assign"] else None,
    }
    if request.method == "POST":
        done = _plan_post(request, household, year, suggested, can, forms)
        if done is not None:
            return done
    measures = list(household.plan_measures.filter(year=year).select_related("measure_type"))
    causes = [c for c in ([hy.main_cause, *hy.other_cause_list] if hy else []) if c]
    return render(
        request,
        "assistance/household_plan.html",
        {
            **household_context(user, household, year),
            **forms,
            "household": household,
            "year": year,
            "hy": hy,
            "causes": causes,
            "measures": measures,
            "suggested": suggested,
            "can_write": can["write"],
            "can_assign": can["assign"],
            "visits": list(household.visits.all()[:50]),
            "matters": list(household.key_matters.select_related("helper")),
            "years": sorted(
                {y for y in household.years.values_list("year", flat=True)} | {year}, reverse=True
            ),
            "en": _en(),
        },
    )


@login_required
def measure_edit(request, pk: int):
    user = request.user
    pm = get_object_or_404(selectors.plan_measures_for(user), pk=pk)
    if not services.can_write_plan(user, pm.household):
        raise PermissionDenied(_("You may not change this household's plan."))
    initial = {
        "year": pm.year,
        "measure_code": pm.measure_type.code,
        "amount": pm.amount or "",
        "start_date": pm.start_date,
        "end_date": pm.end_date,
        "responsible_unit": pm.responsible_unit,
        "responsible_person": pm.responsible_person,
        "status": pm.status,
        "result": pm.result,
    }
    form = f.PlanMeasureForm(request.POST or None, initial=initial, lang=_lang())
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.save_plan_measure(
                user, pm.household, instance=pm, version=versions.posted(request), **form.cleaned_data
            )
            messages.success(request, _("Measure saved."))
            return redirect(f"{_plan_url(pm.household)}?year={pm.year}")
        except EditConflict as e:
            form.add_error(None, e.message())
            status = 409
        except services.AssistanceError as e:
            _errors(form, e)
    # the version of the values shown: as posted (a stale form stays stale until it is opened again), else now
    version = (versions.posted(request) if request.method == "POST" else None) or services.measure_version(pm)
    return render(
        request, "assistance/measure_edit.html", {"form": form, "pm": pm, "version": version}, status=status
    )


def _plan_url(household) -> str:
    from django.urls import reverse

    return reverse("assistance:household_plan", args=[household.household_no])


@login_required
def handbook(request, household_no: str):
    """扶贫手册: one household on paper (members, yearly income, cadre, plan, visits)."""
    user = request.user
    household = _household(user, household_no)
    from fupin.core.privacy import id_for

    members = list(household.members.filter(is_deleted=False).order_by("id"))
    for m in members:
        m.id_shown = id_for(user, m.id_number)
    return render(
        request,
        "assistance/handbook.html",
        {
            **household_context(user, household),
            "household": household,
            "members": members,
            "years": list(household.years.filter(is_deleted=False).order_by("year")),
            "measures": list(household.plan_measures.select_related("measure_type").order_by("year", "id")),
            "visits": list(household.visits.order_by("date")),
            "phone": phone_for(user, household.phone),
            "en": _en(),
            "today": timezone.localdate(),
        },
    )
