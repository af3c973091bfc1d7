"""Assistance pages: my households, one household's plan and visits, the handbook, responsibility lists,
the measure catalogue and the coverage worklist. Thin: reads via selectors, writes via services.
A household outside the scope answers 404; a role that may not write gets 403. The measure edit form carries
the measure's version (a hidden `version` field): a change from a form opened before someone else's change
is refused (409) and nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.accounts import scope
from fupin.accounts.models import User
from fupin.accounts.roles import roles_that
from fupin.assistance import coverage as store_coverage
from fupin.assistance import forms as f
from fupin.assistance import selectors, services
from fupin.assistance.models import (
    Cadre,
    KeyMatter,
    LeaderContact,
    MeasureType,
    PairedUnit,
    SocialHelper,
    TeamMember,
    WorkTeam,
)
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.privacy import phone_for
from fupin.engine import coverage as engine_coverage
from fupin.registry import selectors as registry_selectors
from fupin.registry.forms import english
from fupin.registry.models import Household


def _lang() -> str:
    return get_language() or "zh-hans"


def _en() -> bool:
    return _lang().startswith("en")


def _household(user, household_no: str) -> Household:
    try:
        return registry_selectors.get_household_for(user, household_no)
    except Household.DoesNotExist:
        raise Http404 from None


def _year(request, household=None) -> int:
    raw = request.GET.get("year") or request.POST.get("year")
    if raw and str(raw).isdigit():
        return int(raw)
    if household is not None:
        latest = household.years.filter(is_deleted=False).order_by("-year").first()
        if latest:
            return latest.year
    return registry_selectors.latest_year(request.user) or timezone.localdate().year


def _errors(form, exc: services.AssistanceError) -> None:
    for field, msgs in exc.by_field().items():
        for m in msgs:
            form.add_error(field if field in form.fields else None, m)


# ---- home and my households --------------------------------------------------------------------------


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


@login_required
def household_plan(request, household_no: str):
    user = request.user
    household = _household(user, household_no)
    year = _year(request, household)
    hy = household.years.filter(year=year, is_deleted=False).first()
    suggested = services.suggestions(hy)
    can_write = services.can_write_plan(user, household)
    can_assign = services.can_write_region(user, household.village_id)
    measure_form = f.PlanMeasureForm(
        initial={"year": year, "status": "planned"}, lang=_lang(), suggested=[m.code for m in suggested]
    )
    visit_form = f.VisitForm(initial={"date": timezone.localdate()})
    assign_form = f.AssignForm(cadres=selectors.assignable_cadres(user)) if can_assign else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "measure":
            if not can_write:
                raise PermissionDenied(_("You may not change this household's plan."))
            measure_form = f.PlanMeasureForm(
                request.POST, lang=_lang(), suggested=[m.code for m in suggested]
            )
            if measure_form.is_valid():
                try:
                    services.save_plan_measure(user, household, **measure_form.cleaned_data)
                    messages.success(request, _("Measure added."))
                    return redirect(f"{request.path}?year={measure_form.cleaned_data['year']}")
                except services.AssistanceError as e:
                    _errors(measure_form, e)
        elif action == "visit":
            if not can_write:
                raise PermissionDenied(_("You may not record visits to this household."))
            visit_form = f.VisitForm(request.POST)
            if visit_form.is_valid():
                d = visit_form.cleaned_data
                try:
                    services.record_visit(
                        user,
                        household,
                        date_=d["date"],
                        found=d["found"],
                        follow_up=d["follow_up"],
                        risk=d["risk"],
                    )
                    messages.success(request, _("Visit recorded."))
                    return redirect(f"{request.path}?year={year}")
                except services.AssistanceError as e:
                    _errors(visit_form, e)
        elif action == "assign":
            if not can_assign:
                raise PermissionDenied(_("You may not assign cadres here."))
            assign_form = f.AssignForm(request.POST, cadres=selectors.assignable_cadres(user))
            if assign_form.is_valid():
                cadre = get_object_or_404(
                    selectors.assignable_cadres(user), pk=assign_form.cleaned_data["cadre"]
                )
                services.assign_cadre(
                    user, household, cadre, start_date=assign_form.cleaned_data["start_date"]
                )
                messages.success(request, _("Cadre assigned."))
                return redirect(f"{request.path}?year={year}")
        else:
            raise Http404
    measures = list(household.plan_measures.filter(year=year).select_related("measure_type"))
    causes = [c for c in ([hy.main_cause, *hy.other_cause_list] if hy else []) if c]
    return render(
        request,
        "assistance/household_plan.html",
        {
            **household_context(user, household, year),
            "household": household,
            "year": year,
            "hy": hy,
            "causes": causes,
            "measures": measures,
            "suggested": suggested,
            "can_write": can_write,
            "can_assign": can_assign,
            "measure_form": measure_form,
            "visit_form": visit_form,
            "assign_form": assign_form,
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
            form.add_error(None, e.en if english() else e.zh)
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


# ---- coverage ----------------------------------------------------------------------------------------


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
        messages.error(request, e.message(get_language() or "zh"))
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


# ---- catalogue ---------------------------------------------------------------------------------------


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


# ---- responsibility lists (one generic page each) ------------------------------------------------------


def _list_page(request, *, title: str, headers: list[str], rows: list[list], forms: list, active: str):
    return render(
        request,
        "assistance/list_page.html",
        {
            "title": title,
            "headers": headers,
            "rows": [list(zip(headers, r, strict=True)) for r in rows],
            "forms": forms,
            "active": active,
            "can_write": request.user.can("writes_registry"),
        },
    )


def _post_guard(request) -> None:
    if not request.user.can("writes_registry"):
        raise PermissionDenied(_("Your role may not change these records."))


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@login_required
def cadres(request):
    user = request.user
    form = f.CadreForm(user=user)
    if request.method == "POST":
        _post_guard(request)
        form = f.CadreForm(request.POST, user=user)
        if form.is_valid():
            d = form.cleaned_data
            account = None
            if d["username"]:
                account = User.objects.filter(
                    username=d["username"], role__in=roles_that("serves_households")
                ).first()
                if account is None or not scope.contains(user, account.scope_prefix):
                    form.add_error("username", _("No assistance-cadre account with that name in your area."))
            if not form.errors:
                Cadre.objects.create(
                    user=account,
                    name=d["name"],
                    unit=d["unit"],
                    phone=d["phone"],
                    region=d["region_code"],
                    start_date=d["start_date"],
                )
                messages.success(request, _("Saved."))
                return redirect("assistance:cadres")
    limit = services.cadre_limit(_year(request), user.region_id or "")
    on = timezone.localdate()
    rows = []
    for c in selectors.cadres_for(user).order_by("name"):
        n = c.assignments.filter(start_date__lte=on).exclude(end_date__lt=on).count()
        rows.append(
            [
                c.name,
                c.unit,
                phone_for(user, c.phone),
                c.region.name,
                c.user.username if c.user else "",
                f"{n}/{limit}" + (" ⚠" if n > limit else ""),
            ]
        )
    return _list_page(
        request,
        title=_("Assistance cadres"),
        active="cadres",
        headers=[_("Name"), _("Unit"), _("Phone"), _("Region"), _("Account"), _("Households / limit")],
        rows=rows,
        forms=[(_("Add a cadre"), form)],
    )


@login_required
def teams(request):
    user = request.user
    team_qs = selectors.teams_for(user)
    form, member_form = f.WorkTeamForm(user=user), f.TeamMemberForm(teams=team_qs)
    if request.method == "POST":
        _post_guard(request)
        if request.POST.get("form") == "1":
            member_form = f.TeamMemberForm(request.POST, teams=team_qs)
            if member_form.is_valid():
                d = member_form.cleaned_data
                team = get_object_or_404(team_qs, pk=d.pop("team"))
                TeamMember.objects.create(team=team, **d)
                messages.success(request, _("Saved."))
                return redirect("assistance:teams")
        else:
            form = f.WorkTeamForm(request.POST, user=user)
            if form.is_valid():
                d = form.cleaned_data
                if d["region_code"].level != 5:
                    form.add_error("region_code", _("A work team is sent to a village."))
                else:
                    WorkTeam.objects.create(
                        village=d["region_code"],
                        name=d["name"],
                        sending_unit=d["sending_unit"],
                        start_date=d["start_date"],
                        end_date=d["end_date"],
                    )
                    messages.success(request, _("Saved."))
                    return redirect("assistance:teams")
    rows = []
    for t in team_qs:
        members = "、".join(("★" if m.is_first_secretary else "") + m.name for m in t.members.all())
        rows.append(
            [t.village.name, t.name, t.sending_unit, f"{_d(t.start_date)} – {_d(t.end_date)}", members]
        )
    return _list_page(
        request,
        title=_("Village work teams"),
        active="teams",
        headers=[_("Village"), _("Team"), _("Sending unit"), _("Term"), _("Members (★ first secretary)")],
        rows=rows,
        forms=[(_("Add a work team"), form), (_("Add a team member"), member_form)],
    )


def _simple(request, *, model, form_class, selector, title, headers, row, active, build):
    user = request.user
    form = form_class(user=user)
    if request.method == "POST":
        _post_guard(request)
        form = form_class(request.POST, user=user)
        if form.is_valid():
            model.objects.create(**build(form.cleaned_data))
            messages.success(request, _("Saved."))
            return redirect(f"assistance:{active}")
    return _list_page(
        request,
        title=title,
        headers=headers,
        rows=[row(o) for o in selector(user)],
        forms=[(_("Add"), form)],
        active=active,
    )


def _with_region(d: dict) -> dict:
    d = dict(d)
    d["region"] = d.pop("region_code")
    return d


@login_required
def units(request):
    return _simple(
        request,
        model=PairedUnit,
        form_class=f.PairedUnitForm,
        selector=selectors.paired_units_for,
        title=_("Paired units"),
        active="units",
        build=_with_region,
        headers=[_("Region"), _("Unit"), _("Kind"), _("Period")],
        row=lambda u: [u.region.name, u.name, u.get_kind_display(), f"{_d(u.start_date)} – {_d(u.end_date)}"],
    )


@login_required
def leaders(request):
    return _simple(
        request,
        model=LeaderContact,
        form_class=f.LeaderForm,
        selector=selectors.leaders_for,
        title=_("Leaders' contact points"),
        active="leaders",
        build=_with_region,
        headers=[_("Leader"), _("Post"), _("Level"), _("Contact point"), _("Period")],
        row=lambda x: [
            x.name,
            x.post,
            x.get_level_display(),
            x.region.name,
            f"{_d(x.start_date)} – {_d(x.end_date)}",
        ],
    )


@login_required
def helpers(request):
    return _simple(
        request,
        model=SocialHelper,
        form_class=f.HelperForm,
        selector=selectors.helpers_for,
        title=_("Social assistance"),
        active="helpers",
        build=_with_region,
        headers=[_("Name"), _("Kind"), _("Contact"), _("Region"), _("Open matters")],
        row=lambda h: [
            h.name,
            h.get_kind_display(),
            phone_for(request.user, h.contact),
            h.region.name,
            h.matters.filter(resolved_date__isnull=True).count(),
        ],
    )


@login_required
def matters(request):
    user = request.user
    helper_qs, open_qs = (
        selectors.helpers_for(user),
        selectors.matters_for(user).filter(resolved_date__isnull=True),
    )
    form, resolve_form = f.MatterForm(user=user, helpers=helper_qs), f.ResolveForm(matters=open_qs)
    if request.method == "POST":
        _post_guard(request)
        if request.POST.get("form") == "1":
            resolve_form = f.ResolveForm(request.POST, matters=open_qs)
            if resolve_form.is_valid():
                d = resolve_form.cleaned_data
                m = get_object_or_404(open_qs, pk=d["matter"])
                services.resolve_matter(user, m, resolution=d["resolution"], resolved_date=d["resolved_date"])
                messages.success(request, _("Saved."))
                return redirect("assistance:matters")
        else:
            form = f.MatterForm(request.POST, user=user, helpers=helper_qs)
            if form.is_valid():
                d = form.cleaned_data
                helper = helper_qs.filter(pk=d["helper"]).first() if d["helper"] else None
                KeyMatter.objects.create(
                    household=d["household_no"],
                    helper=helper,
                    title=d["title"],
                    due_date=d["due_date"],
                    created_by=user,
                )
                messages.success(request, _("Saved."))
                return redirect("assistance:matters")
    rows = [
        [
            m.household.household_no,
            m.title,
            m.helper.name if m.helper else "",
            _d(m.due_date),
            (_("Resolved") + f" {_d(m.resolved_date)}: {m.resolution}") if m.is_resolved else _("Open"),
        ]
        for m in selectors.matters_for(user)
    ]
    return _list_page(
        request,
        title=_("Key small matters"),
        active="matters",
        headers=[_("Household no."), _("Matter"), _("Taken on by"), _("Due"), _("State")],
        rows=rows,
        forms=[(_("Add a matter"), form), (_("Resolve a matter"), resolve_form)],
    )
