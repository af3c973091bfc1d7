"""Reads of 挂牌督战, always inside the user's region subtree (accounts/scope.py): the items, the rules'
proposal for a region and year, and the 四个不摘 worklist. An item outside the subtree is not found, exactly
like a missing one (404)."""

from __future__ import annotations

from datetime import date

import polars as pl
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts import scope
from fupin.assistance.models import MeasureType, PlanMeasure
from fupin.assistance.selectors import coverage_frames
from fupin.core.frames import read_sql, table
from fupin.engine import supervision as engine
from fupin.engine.regions import ancestors, prefix_of
from fupin.monitoring.models import Case
from fupin.policy.services import params_frame
from fupin.registry.models import Household, HouseholdYear
from fupin.reports import selectors as reports
from fupin.supervision.models import SupervisionItem

EXITS = {
    "household_id": pl.Int64,
    "household_no": pl.String,
    "village": pl.String,
    "year": pl.Int64,
    "status": pl.String,
    "exit_year": pl.Int64,
}
STOPPED = {"household_id": pl.Int64, "year": pl.Int64, "measure_code": pl.String}
OPEN_CASES = {"village": pl.String, "deadline": pl.Date}


def items_for(user) -> QuerySet[SupervisionItem]:
    qs = SupervisionItem.objects.select_related("region", "supervisor", "listed_by", "closed_by")
    prefix = scope.prefix_for(user)
    return qs.filter(region__code__startswith=prefix) if prefix else qs


def get_item(user, pk: int) -> SupervisionItem:
    """One item the user may see (SupervisionItem.DoesNotExist otherwise: missing and out of scope alike)."""
    return items_for(user).get(pk=pk)


def supervisor_choices(user) -> QuerySet:
    """Active accounts a lister may name as supervisor: those of the lister's subtree, of the regions above
    it and nationwide ones (the service still checks that the supervisor's scope covers each region)."""
    prefix = scope.prefix_for(user)
    users = get_user_model().objects.filter(is_active=True).select_related("region")
    if not prefix:
        return users.order_by("username")
    return (
        users.filter(region__isnull=True)
        | users.filter(region__code__startswith=prefix)
        | users.filter(region__code__in=ancestors(prefix))
    ).order_by("username")


def open_cases(prefix: str) -> pl.DataFrame:
    """The open monitoring cases of the subtree: village and deadline."""
    return read_sql(
        f"SELECT region_id AS village, deadline FROM {table(Case)} WHERE step > %s AND region_id LIKE %s",
        ["", prefix + "%"],
        schema=OPEN_CASES,
    )


def exits(prefix: str, year: int) -> pl.DataFrame:
    """The households of the subtree with an exit year in their record of `year`."""
    return read_sql(
        f"SELECT y.household_id, h.household_no, h.village_id AS village, y.year, y.status, y.exit_year "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.year = %s AND y.exit_year IS NOT NULL AND y.is_deleted = %s AND h.is_deleted = %s "
        f"AND h.village_id LIKE %s",
        [year, False, False, prefix + "%"],
        schema=EXITS,
    )


def stopped_measures(prefix: str, year: int) -> pl.DataFrame:
    """The plan measures of the subtree stopped (终止) in `year` or before."""
    return read_sql(
        f"SELECT m.household_id, m.year, t.code AS measure_code FROM {table(PlanMeasure)} m "
        f"JOIN {table(MeasureType)} t ON t.id = m.measure_type_id JOIN {table(Household)} h "
        f"ON h.id = m.household_id WHERE m.status = %s AND m.year <= %s AND h.village_id LIKE %s",
        ["stopped", year, prefix + "%"],
        schema=STOPPED,
    )


def _as_of(as_of: date | None) -> date:
    return as_of or timezone.localdate()


def proposal_for_prefix(
    prefix: str, year: int, *, as_of: date | None = None, keep_all: bool = False
) -> pl.DataFrame:
    """The rules' proposal (engine.PROPOSAL) for the counties and villages of a subtree."""
    return engine.propose(
        reports.regions_with_status(prefix),
        reports.household_years(prefix, year),
        reports.populations(prefix, year),
        open_cases(prefix),
        coverage_frames(prefix, year),
        params_frame(),
        year=year,
        as_of=_as_of(as_of),
        keep_all=keep_all,
    )


def proposal(user, *, year: int, region: str | None = None, as_of: date | None = None) -> pl.DataFrame:
    """The proposal for `region` (default: the user's) and `year`, with `listed` true for the regions that
    already have an item that year. OutOfScope outside the subtree, BadRegionCode if malformed."""
    where = scope.resolve(user, region)
    df = proposal_for_prefix(where.prefix, year, as_of=as_of)
    listed = list(
        SupervisionItem.objects.filter(year=year, region__code__startswith=where.prefix).values_list(
            "region_id", flat=True
        )
    )
    return df.with_columns(pl.col("region_code").is_in(listed).alias("listed"))


def region_reasons(code: str, year: int, *, as_of: date | None = None) -> tuple[list[str], dict]:
    """The reasons the rules flag one region with now, and the figures they read (for closing an item)."""
    df = proposal_for_prefix(prefix_of(code), year, as_of=as_of, keep_all=True).filter(
        pl.col("region_code") == code
    )
    if df.height == 0:
        return [], {}
    row = df.row(0, named=True)
    return list(row["reasons"]), figures_of(row)


def figures_of(row: dict) -> dict:
    return {
        k: row.get(k)
        for k in ("poor_persons", "rural_population", "incidence_pct", "overdue_cases", "uncovered")
    }


def keep_worklist(user, *, year: int, region: str | None = None, as_of: date | None = None) -> pl.DataFrame:
    """四个不摘 findings (engine.KEEP_FINDINGS) of `region` (default: the user's) in `year`."""
    prefix = scope.resolve(user, region).prefix
    return keep_for_prefix(prefix, year, as_of=as_of)


def keep_for_prefix(prefix: str, year: int, *, as_of: date | None = None) -> pl.DataFrame:
    return engine.keep_checks(
        exits(prefix, year),
        stopped_measures(prefix, year),
        reports.regions_with_status(prefix),
        coverage_frames(prefix, year),
        params_frame(),
        year=year,
        as_of=_as_of(as_of),
    )
