"""Reads of the assistance app, always through the user's region scope (`user.scope_prefix`)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.assistance.models import (
    Assignment,
    Cadre,
    KeyMatter,
    LeaderContact,
    PairedUnit,
    PlanMeasure,
    SocialHelper,
    Visit,
    WorkTeam,
)
from fupin.engine import regions
from fupin.registry.models import Household


def _p(user) -> str:
    return "" if user is None else user.scope_prefix


def _in_force(on: date | None = None) -> Q:
    on = on or timezone.localdate()
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def cadres_for(user) -> QuerySet[Cadre]:
    return Cadre.objects.filter(region__code__startswith=_p(user)).select_related("region", "user")


def assignable_cadres(user) -> QuerySet[Cadre]:
    """Cadres a writer may assign: those of the subtree and those of the regions above it."""
    prefix = _p(user)
    above = regions.ancestors(prefix)
    return (
        Cadre.objects.filter(Q(region__code__startswith=prefix) | Q(region_id__in=above))
        .exclude(end_date__lt=timezone.localdate())
        .select_related("region", "user")
    )


def assignments_for(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(household__village__code__startswith=_p(user)).select_related(
        "cadre", "household", "household__village"
    )


def current_assignments(household: Household) -> QuerySet[Assignment]:
    return household.assignments.filter(_in_force()).select_related("cadre")


def my_households(user) -> QuerySet[Household]:
    """Households assigned now to the signed-in cadre (within their scope)."""
    mine = Assignment.objects.filter(_in_force(), cadre__user=user).values("household_id")
    return Household.objects.filter(
        village__code__startswith=_p(user), is_deleted=False, id__in=mine
    ).select_related("village")


def plan_measures_for(user, *, year: int | None = None) -> QuerySet[PlanMeasure]:
    qs = PlanMeasure.objects.filter(household__village__code__startswith=_p(user)).select_related(
        "household", "measure_type"
    )
    return qs.filter(year=year) if year else qs


def visits_for(user) -> QuerySet[Visit]:
    return Visit.objects.filter(household__village__code__startswith=_p(user)).select_related(
        "household", "cadre"
    )


def teams_for(user) -> QuerySet[WorkTeam]:
    return (
        WorkTeam.objects.filter(village__code__startswith=_p(user))
        .select_related("village")
        .prefetch_related("members")
    )


def paired_units_for(user) -> QuerySet[PairedUnit]:
    return PairedUnit.objects.filter(region__code__startswith=_p(user)).select_related("region")


def leaders_for(user) -> QuerySet[LeaderContact]:
    return LeaderContact.objects.filter(region__code__startswith=_p(user)).select_related("region")


def helpers_for(user) -> QuerySet[SocialHelper]:
    return SocialHelper.objects.filter(region__code__startswith=_p(user)).select_related("region")


def matters_for(user) -> QuerySet[KeyMatter]:
    return KeyMatter.objects.filter(household__village__code__startswith=_p(user)).select_related(
        "household", "helper"
    )
