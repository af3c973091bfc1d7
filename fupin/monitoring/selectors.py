"""Monitoring reads, always through the user's region scope."""

from __future__ import annotations

import polars as pl
from django.db.models import Count, Q, QuerySet

from fupin.accounts import scope
from fupin.core.frames import read_sql, table
from fupin.engine import monitoring as engine
from fupin.monitoring.models import Alert, AlertStatus, Case, CaseKind, Channel, DepartmentImport, Outcome
from fupin.registry.models import Household, HouseholdYear, Member


def alerts_for(
    user,
    *,
    year: int | None = None,
    region: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    signal: str | None = None,
    unmatched: bool = False,
) -> QuerySet[Alert]:
    """Alerts in the user's scope (narrowed by `region`); `unmatched` = self-reports of people not in the
    registry (the county's unmatched inbox)."""
    prefix = scope.resolve(user, region).prefix
    qs = Alert.objects.select_related("household", "household__village", "member", "region")
    qs = qs.filter(region__code__startswith=prefix) if prefix else qs
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if signal:
        qs = qs.filter(signal=signal)
    if unmatched:
        qs = qs.filter(household__isnull=True)
    return qs


def get_alert_for(user, pk: int) -> Alert:
    """The alert, or Alert.DoesNotExist when it is outside the user's scope (callers answer 404)."""
    return alerts_for(user).get(pk=pk)


def department_imports_for(user) -> QuerySet[DepartmentImport]:
    """The department lists matched within the user's scope, newest first."""
    return DepartmentImport.objects.filter(scope__startswith=user.scope_prefix)


def get_department_import_for(user, pk: int) -> DepartmentImport:
    """The department list, or DepartmentImport.DoesNotExist when it is outside the user's scope (callers
    answer 404)."""
    return department_imports_for(user).get(pk=pk)


def signal_label(signal: str, lang: str = "zh") -> str:
    if signal.startswith("DEPT-"):
        from fupin.monitoring.models import Source

        label = Source.label(signal[5:], lang)
        return f"部门预警：{label}" if not lang.startswith("en") else f"Department alert: {label}"
    if signal.startswith("SELF-"):
        return "农户自主申报" if not lang.startswith("en") else "Self-report"
    return engine.signal_label(signal, lang)


def summary(user, *, year: int, region: str | None = None) -> dict:
    """Counts for the dashboard: by signal, by channel, by status, and by child region of the scope."""
    qs = alerts_for(user, year=year, region=region)
    total = qs.aggregate(
        total=Count("id"),
        households=Count("household", distinct=True),
        new=Count("id", filter=Q(status=AlertStatus.NEW)),
        unmatched=Count("id", filter=Q(household__isnull=True)),
    )
    by_signal = list(
        qs.values("signal")
        .annotate(n=Count("id"), new=Count("id", filter=Q(status=AlertStatus.NEW)))
        .order_by("signal")
    )
    by_channel = dict(qs.values_list("channel").annotate(n=Count("id")).order_by())
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "year": year,
        **total,
        "by_region": _by_region(user, qs, region),
        "by_signal": by_signal,
        "by_channel": {c: by_channel.get(c, 0) for c in Channel.values},
        "by_status": {s: by_status.get(s, 0) for s in AlertStatus.values},
    }


def _by_region(user, qs, region: str | None) -> list[dict]:
    """Alert counts per child region of the scope (folded from per-inbox counts: few rows, not registry data)."""
    from fupin.regions.codes import LEVEL_PREFIX_LEN, level_of
    from fupin.regions.models import Region

    code = scope.resolve(user, region).code
    children = Region.objects.filter(parent_id=code) if code else Region.objects.filter(level=1)
    children = list(children.values_list("code", "name", "level"))
    if not children:
        return []
    plen = LEVEL_PREFIX_LEN[level_of(children[0][0])]
    rows = {c: {"code": c, "name": n, "alerts": 0, "households": 0, "new": 0} for c, n, _ in children}
    per_inbox = (
        qs.exclude(region__isnull=True)
        .values("region_id")
        .annotate(
            n=Count("id"),
            hh=Count("household", distinct=True),
            new=Count("id", filter=Q(status=AlertStatus.NEW)),
        )
        .order_by()
    )
    for r in per_inbox:
        key = r["region_id"][:plen].ljust(12, "0")
        if key in rows:
            rows[key]["alerts"] += r["n"]
            rows[key]["households"] += r["hh"]
            rows[key]["new"] += r["new"]
    return list(rows.values())


def monitored_frame(prefix: str) -> pl.DataFrame:
    """Households in `prefix` monitored now: household_id, identified_on — those with an approved (or green
    channel) identification and no approved elimination after it that still stands."""
    rows = list(
        Case.objects.filter(region__code__startswith=prefix).values_list(
            "household_id", "kind", "outcome", "green_channel", "opened_on", "closed_on", "id"
        )
    )
    df = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "household_id": pl.Int64,
            "kind": pl.String,
            "outcome": pl.String,
            "green": pl.Boolean,
            "opened_on": pl.Date,
            "closed_on": pl.Date,
            "id": pl.Int64,
        },
    )
    ident = (
        df.filter(
            (pl.col("kind") == CaseKind.IDENTIFICATION)
            & ((pl.col("outcome") == Outcome.APPROVED) | (pl.col("green") & (pl.col("outcome") == "")))
        )
        .select(
            "household_id",
            pl.when(pl.col("green"))
            .then(pl.col("opened_on"))
            .otherwise(pl.col("closed_on"))
            .alias("identified_on"),
            "id",
        )
        .sort("id")
        .group_by("household_id")
        .agg(pl.col("identified_on").last(), pl.col("id").last())
    )
    elim = (
        df.filter((pl.col("kind") == CaseKind.ELIMINATION) & (pl.col("outcome") == Outcome.APPROVED))
        .group_by("household_id")
        .agg(pl.col("id").max().alias("elim_id"))
    )
    return (
        ident.join(elim, on="household_id", how="left")
        .filter(pl.col("elim_id").is_null() | (pl.col("elim_id") < pl.col("id")))
        .select("household_id", "identified_on")
        .sort("household_id")
    )


def registry_members(prefix: str, year: int) -> pl.DataFrame:
    """The registry's people in the region subtree `prefix`, each with their village and their household's
    type in `year`, one SELECT: what a department's list is matched against."""
    return read_sql(
        f"SELECT m.id AS member_id, m.household_id, m.id_number, m.name, h.village_id AS village, "
        f"y.household_type FROM {table(Member)} m JOIN {table(Household)} h ON h.id = m.household_id "
        f"LEFT JOIN {table(HouseholdYear)} y ON y.household_id = h.id AND y.year = %s AND y.is_deleted = %s "
        f"WHERE m.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s",
        [year, False, False, False, prefix + "%"],
        schema={
            "member_id": pl.Int64,
            "household_id": pl.Int64,
            "id_number": pl.String,
            "name": pl.String,
            "village": pl.String,
            "household_type": pl.String,
        },
    )
