"""Responsibility lists, one generic page each: cadres, work teams, paired units, leaders, social helpers,
key small matters. Reading needs sign-in; adding needs a role that writes the registry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import scope
from fupin.accounts.models import User
from fupin.accounts.roles import roles_that
from fupin.assistance import forms as f
from fupin.assistance import selectors, services
from fupin.assistance.models import (
    Cadre,
    KeyMatter,
    LeaderContact,
    PairedUnit,
    SocialHelper,
    TeamMember,
    WorkTeam,
)
from fupin.assistance.views.common import _year
from fupin.core.privacy import phone_for


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
