"""The overview's figures for one region of the user's subtree: key figures, the same figures per child
region, and the trends behind the charts.

Every figure is an aggregate query grouped by village (or by the case's or project's region): a few
hundred or thousand rows whatever the size of the registry, folded into child regions with one Polars
group-by. The definitions are those of the pages each figure links to:

- poor households/persons: household-years of the year with status 未脱贫 or 返贫 (persons = household
  size), as the statistics page;
- monitored households, open and overdue cases: as the monitoring dashboard (selectors.monitored_frame,
  cases.case_counts), by the region the case belongs to;
- open quality findings of the year, as the worklist with status "open";
- fund anomalies: the fund checks over the projects located in the region (a project located at the
  county itself counts for the county, in no township);
- exits by year: households out of poverty (their exit year), villages delisted and counties removed (the
  regions' exit years), as the statistics page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import polars as pl
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fupin.accounts import scope
from fupin.accounts.scope import OutOfScope
from fupin.engine.schema import POOR_STATUSES
from fupin.monitoring.models import Alert, Case
from fupin.regions.codes import LEVEL_PREFIX_LEN, VILLAGE, level_of
from fupin.regions.models import Region
from fupin.registry.models import HouseholdYear
from fupin.reports.services import code_prefix

MEASURES = (
    "poor_households",
    "poor_persons",
    "monitored",
    "open_cases",
    "overdue_cases",
    "open_findings",
    "fund_anomalies",
)
_CODE = {"code": pl.String}


@dataclass
class Place:
    """Where the overview looks: `code` '' = everywhere (unscoped users only)."""

    code: str
    prefix: str
    region: Region | None
    child_level: int | None


def place(user, region: str | None) -> Place:
    """The region asked for (default: the user's), within the user's subtree. OutOfScope outside it or for
    a code that is not a region (the view answers 404); BadRegionCode for a malformed code."""
    code = scope.resolve(user, region).code
    reg = Region.objects.filter(code=code).first() if code else None
    if code and reg is None:
        raise OutOfScope(code)
    level = level_of(code) if code else 0
    return Place(code, code_prefix(code), reg, level + 1 if level < VILLAGE else None)


def latest_year(prefix: str) -> int | None:
    from django.db.models import Max

    return HouseholdYear.objects.filter(
        household__village__code__startswith=prefix, is_deleted=False
    ).aggregate(y=Max("year"))["y"]


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


# --- one frame per measure: code (a village or other region code) and counts ---------------------------


def poor(prefix: str, year: int) -> pl.DataFrame:
    rows = (
        HouseholdYear.objects.filter(
            year=year,
            is_deleted=False,
            household__is_deleted=False,
            status__in=POOR_STATUSES,
            household__village__code__startswith=prefix,
        )
        .values_list("household__village_id")
        .annotate(h=Count("id"), p=Sum("size"))
        .order_by()
    )
    return _frame(rows, {**_CODE, "poor_households": pl.Int64, "poor_persons": pl.Int64})


def monitored(prefix: str) -> pl.DataFrame:
    """Households monitored now, by the region of their latest case."""
    from fupin.monitoring.selectors import monitored_frame

    ids = monitored_frame(prefix).select("household_id")
    where = _frame(
        Case.objects.filter(region__code__startswith=prefix).values_list("household_id", "region_id", "id"),
        {"household_id": pl.Int64, "code": pl.String, "id": pl.Int64},
    )
    latest = where.sort("id").group_by("household_id").agg(pl.col("code").last())
    return (
        ids.join(latest, on="household_id", how="inner")
        .group_by("code")
        .agg(pl.len().cast(pl.Int64).alias("monitored"))
    )


def cases(prefix: str, today: date) -> pl.DataFrame:
    rows = (
        Case.objects.filter(region__code__startswith=prefix)
        .exclude(step="")
        .values_list("region_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(deadline__lt=today)))
        .order_by()
    )
    return _frame(rows, {**_CODE, "open_cases": pl.Int64, "overdue_cases": pl.Int64})


def findings(prefix: str, year: int) -> pl.DataFrame:
    from fupin.quality.models import OPEN, Finding

    rows = (
        Finding.objects.filter(household__village__code__startswith=prefix, year=year, status=OPEN)
        .values_list("household__village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _frame(rows, {**_CODE, "open_findings": pl.Int64})


def anomalies(user, code: str, today: date) -> pl.DataFrame:
    from fupin.funds.anomalies import anomalies_for

    df = anomalies_for(user, region=code or None, today=today)
    return (
        df.group_by(pl.col("region_code").alias("code"))
        .agg(pl.len().cast(pl.Int64).alias("fund_anomalies"))
        .with_columns(pl.col("code").cast(pl.String))
    )


def by_code(user, where: Place, year: int | None, today: date) -> pl.DataFrame:
    """Every measure per region code (outer join of the measures' frames, missing counts 0)."""
    frames = [monitored(where.prefix), cases(where.prefix, today), anomalies(user, where.code, today)]
    if year is not None:
        frames = [poor(where.prefix, year), *frames, findings(where.prefix, year)]
    out = pl.DataFrame(schema=_CODE)
    for f in frames:
        out = out.join(f, on="code", how="full", coalesce=True)
    missing = [pl.lit(0, pl.Int64).alias(m) for m in MEASURES if m not in out.columns]
    return (
        out.with_columns(*missing)
        .with_columns(pl.col(m).fill_null(0) for m in MEASURES)
        .select("code", *MEASURES)
    )


def totals(per_code: pl.DataFrame) -> dict[str, int]:
    sums = per_code.select(pl.col(m).sum() for m in MEASURES).row(0, named=True)
    return {m: int(v or 0) for m, v in sums.items()}


def by_child(per_code: pl.DataFrame, where: Place) -> pl.DataFrame:
    """The measures folded into the child regions of `where` (every child, with zeros), in code order."""
    if where.child_level is None:
        return pl.DataFrame(schema={**_CODE, "name": pl.String, **{m: pl.Int64 for m in MEASURES}})
    qs = Region.objects.filter(parent_id=where.code) if where.code else Region.objects.filter(level=1)
    children = _frame(qs.order_by("code").values_list("code", "name"), {**_CODE, "name": pl.String})
    plen = LEVEL_PREFIX_LEN[where.child_level]
    folded = (
        per_code.with_columns(pl.col("code").str.slice(0, plen).str.pad_end(12, "0"))
        .group_by("code")
        .agg(pl.col(m).sum() for m in MEASURES)
    )
    return (
        children.join(folded, on="code", how="left")
        .with_columns(pl.col(m).fill_null(0).cast(pl.Int64) for m in MEASURES)
        .sort("code")
    )


# --- trends ------------------------------------------------------------------------------------------


def months_back(today: date, n: int = 12) -> list[date]:
    """The first days of the last `n` months, oldest first, ending with today's month."""
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _per_month(qs, field: str, start: date | datetime) -> dict[tuple[int, int], int]:
    rows = (
        qs.filter(**{f"{field}__gte": start})
        .annotate(m=TruncMonth(field))
        .values_list("m")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(m.year, m.month): n for m, n in rows if m is not None}


def monthly_trend(prefix: str, today: date) -> list[dict]:
    """Alerts raised, cases opened and cases closed per month of the last twelve (three GROUP BY queries)."""
    months = months_back(today)
    start = months[0]
    alerts = _per_month(
        Alert.objects.filter(region__code__startswith=prefix),
        "created_at",
        timezone.make_aware(datetime.combine(start, time.min)),
    )
    in_scope = Case.objects.filter(region__code__startswith=prefix)
    opened = _per_month(in_scope, "opened_on", start)
    closed = _per_month(in_scope.exclude(closed_on=None), "closed_on", start)
    return [
        {
            "month": m,
            "alerts": alerts.get((m.year, m.month), 0),
            "opened": opened.get((m.year, m.month), 0),
            "closed": closed.get((m.year, m.month), 0),
        }
        for m in months
    ]


def poor_by_year(prefix: str) -> list[dict]:
    """Poor households and persons in every year of the registry (one GROUP BY query)."""
    rows = (
        HouseholdYear.objects.filter(
            is_deleted=False,
            household__is_deleted=False,
            status__in=POOR_STATUSES,
            household__village__code__startswith=prefix,
        )
        .values_list("year")
        .annotate(h=Count("id"), p=Sum("size"))
        .order_by("year")
    )
    return [{"year": y, "poor_households": h, "poor_persons": int(p or 0)} for y, h, p in rows]


def overview(user, *, region: str | None = None, year: int | None = None, today: date | None = None) -> dict:
    """Everything the overview page shows."""
    today = today or date.today()
    where = place(user, region)
    year = year or latest_year(where.prefix) or latest_year(scope.prefix_for(user))
    per_code = by_code(user, where, year, today)
    return {
        "place": where,
        "year": year,
        "today": today,
        "totals": totals(per_code),
        "children": by_child(per_code, where).to_dicts(),
        "trend": monthly_trend(where.prefix, today),
        "poor_by_year": poor_by_year(where.prefix),
        "exits_by_year": exits_by_year(where.prefix, year),
    }


def exits_by_year(prefix: str, year: int | None) -> list[dict]:
    """Households out of poverty, villages delisted (出列) and counties removed (摘帽) by exit year, up to
    `year` (the headline's definitions)."""
    from fupin.engine.headline import exits_by_year as count
    from fupin.reports import selectors as report_selectors

    if year is None:
        return []
    return count(
        report_selectors.household_years_to(prefix, year), report_selectors.regions_with_status(prefix)
    ).to_dicts()
