"""Reads of the assistance app, always through the user's region scope (accounts/scope.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fupin.accounts import scope
from fupin.assistance.models import (
    Assignment,
    Cadre,
    CauseMeasure,
    KeyMatter,
    LeaderContact,
    MeasureType,
    PairedUnit,
    PlanMeasure,
    SocialHelper,
    TeamMember,
    Visit,
    WorkTeam,
)
from fupin.core.frames import read_sql, table
from fupin.engine import coverage, regions
from fupin.regions.models import Region
from fupin.registry.models import Household, HouseholdYear


def _in_force(on: date | None = None) -> Q:
    on = on or timezone.localdate()
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def cadres_for(user) -> QuerySet[Cadre]:
    return Cadre.objects.filter(region__code__startswith=scope.prefix_for(user)).select_related(
        "region", "user"
    )


def assignable_cadres(user) -> QuerySet[Cadre]:
    """Cadres a writer may assign: those of the subtree and those of the regions above it."""
    prefix = scope.prefix_for(user)
    above = regions.ancestors(prefix)
    return (
        Cadre.objects.filter(Q(region__code__startswith=prefix) | Q(region_id__in=above))
        .exclude(end_date__lt=timezone.localdate())
        .select_related("region", "user")
    )


def assignments_for(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        household__village__code__startswith=scope.prefix_for(user)
    ).select_related("cadre", "household", "household__village")


def current_assignments(household: Household) -> QuerySet[Assignment]:
    return household.assignments.filter(_in_force()).select_related("cadre")


def my_households(user) -> QuerySet[Household]:
    """Households assigned now to the signed-in cadre (within their scope)."""
    mine = Assignment.objects.filter(_in_force(), cadre__user=user).values("household_id")
    return Household.objects.filter(
        village__code__startswith=scope.prefix_for(user), is_deleted=False, id__in=mine
    ).select_related("village")


def plan_measures_for(user, *, year: int | None = None) -> QuerySet[PlanMeasure]:
    qs = PlanMeasure.objects.filter(
        household__village__code__startswith=scope.prefix_for(user)
    ).select_related("household", "measure_type")
    return qs.filter(year=year) if year else qs


def plan_measure_counts(user, household_ids: list[int], year: int) -> dict[int, int]:
    """Household id → number of plan measures in `year`, for the given households in the user's subtree."""
    rows = (
        plan_measures_for(user, year=year)
        .filter(household_id__in=household_ids)
        .order_by()
        .values_list("household_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def measure_catalogue() -> QuerySet[MeasureType]:
    """The measure catalogue with the causes each measure is suggested for (the same for every region)."""
    return MeasureType.objects.prefetch_related("causes")


def visits_for(user) -> QuerySet[Visit]:
    return Visit.objects.filter(household__village__code__startswith=scope.prefix_for(user)).select_related(
        "household", "cadre"
    )


def teams_for(user) -> QuerySet[WorkTeam]:
    return (
        WorkTeam.objects.filter(village__code__startswith=scope.prefix_for(user))
        .select_related("village")
        .prefetch_related("members")
    )


def paired_units_for(user) -> QuerySet[PairedUnit]:
    return PairedUnit.objects.filter(region__code__startswith=scope.prefix_for(user)).select_related("region")


def leaders_for(user) -> QuerySet[LeaderContact]:
    return LeaderContact.objects.filter(region__code__startswith=scope.prefix_for(user)).select_related(
        "region"
    )


def helpers_for(user) -> QuerySet[SocialHelper]:
    return SocialHelper.objects.filter(region__code__startswith=scope.prefix_for(user)).select_related(
        "region"
    )


def matters_for(user) -> QuerySet[KeyMatter]:
    return KeyMatter.objects.filter(
        household__village__code__startswith=scope.prefix_for(user)
    ).select_related("household", "helper")


def coverage_frames(prefix: str, year: int) -> dict[str, pl.DataFrame]:
    """The frames the coverage checks read (engine/coverage.SCHEMAS) for the region subtree `prefix` and
    `year`, one SELECT each; an assignment counts when its cadre or its household is in the subtree."""
    like = prefix + "%"
    S = coverage.SCHEMAS
    hh, hy = table(Household), table(HouseholdYear)
    frames = {
        "households": read_sql(
            f"SELECT y.household_id, h.household_no, h.village_id AS village, y.year, y.status, y.main_cause, "
            f"y.other_causes FROM {hy} y JOIN {hh} h ON h.id = y.household_id "
            f"WHERE y.year = %s AND y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
            [year, False, False, like],
            S["households"],
        ),
        "assignments": read_sql(
            f"SELECT a.household_id, a.cadre_id, a.start_date, a.end_date FROM {table(Assignment)} a "
            f"JOIN {table(Cadre)} c ON c.id = a.cadre_id WHERE c.region_id LIKE %s "
            f"OR a.household_id IN (SELECT id FROM {hh} WHERE village_id LIKE %s)",
            [like, like],
            S["assignments"],
        ),
        "measures": read_sql(
            f"SELECT m.id AS measure_id, m.household_id, m.year, t.code AS measure_code, m.status, m.end_date, "
            f"m.result FROM {table(PlanMeasure)} m JOIN {table(MeasureType)} t ON t.id = m.measure_type_id "
            f"JOIN {hh} h ON h.id = m.household_id WHERE m.year = %s AND h.village_id LIKE %s",
            [year, like],
            S["measures"],
        ),
        "cause_measures": read_sql(
            f"SELECT s.cause, t.code AS measure_code FROM {table(CauseMeasure)} s "
            f"JOIN {table(MeasureType)} t ON t.id = s.measure_type_id",
            [],
            S["cause_measures"],
        ),
        "cadres": read_sql(
            f"SELECT id AS cadre_id, name, region_id AS region FROM {table(Cadre)} WHERE region_id LIKE %s",
            [like],
            S["cadres"],
        ),
        "villages": read_sql(
            f"SELECT code, name, is_poor FROM {table(Region)} WHERE level = %s AND code LIKE %s",
            [5, like],
            S["villages"],
        ),
        "teams": read_sql(
            f"SELECT id AS team_id, village_id AS village, start_date, end_date FROM {table(WorkTeam)} "
            f"WHERE village_id LIKE %s",
            [like],
            S["teams"],
        ),
        "team_members": read_sql(
            f"SELECT m.team_id, m.is_first_secretary, m.start_date, m.end_date FROM {table(TeamMember)} m "
            f"JOIN {table(WorkTeam)} t ON t.id = m.team_id WHERE t.village_id LIKE %s",
            [like],
            S["team_members"],
        ),
        "paired_units": read_sql(
            f"SELECT region_id AS region_code, start_date, end_date FROM {table(PairedUnit)} "
            f"WHERE region_id LIKE %s",
            [like],
            S["paired_units"],
        ),
        "leaders": read_sql(
            f"SELECT region_id AS region_code, level, start_date, end_date FROM {table(LeaderContact)} "
            f"WHERE region_id LIKE %s",
            [like],
            S["leaders"],
        ),
    }
    # read_sql infers types from the rows; an empty result has none: give every frame its schema
    return {
        k: (df if df.height else coverage.empty(k)).select(list(S[k])).cast(S[k]) for k, df in frames.items()
    }
