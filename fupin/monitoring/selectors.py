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
    """Counts for the dashboard: by signal, by channel, by status, and by child region of the scope.

    Three reads of the alerts' covering index (`alert_counts`, migration 0004) whatever the number of
    alerts: the counts per inbox, signal, channel and status (a few rows per village), added up here; the
    households with alerts per inbox; and those of the whole scope (a household that moved has alerts in
    two inboxes: not a sum)."""
    qs = alerts_for(user, year=year, region=region).order_by()
    groups = pl.DataFrame(
        list(
            qs.values_list("region_id", "signal", "channel", "status").annotate(
                n=Count("id"), unmatched=Count("id", filter=Q(household__isnull=True))
            )
        ),
        schema={
            "region_id": pl.String,
            "signal": pl.String,
            "channel": pl.String,
            "status": pl.String,
            "n": pl.Int64,
            "unmatched": pl.Int64,
        },
        orient="row",
    ).with_columns(new=pl.when(pl.col("status") == AlertStatus.NEW).then(pl.col("n")).otherwise(0))
    by_signal = (
        groups.group_by("signal").agg(pl.col("n").sum(), pl.col("new").sum()).sort("signal").to_dicts()
    )
    by_channel = dict(groups.group_by("channel").agg(pl.col("n").sum()).iter_rows())
    by_status = dict(groups.group_by("status").agg(pl.col("n").sum()).iter_rows())
    return {
        "year": year,
        "total": int(groups["n"].sum()),
        "households": qs.aggregate(n=Count("household", distinct=True))["n"],
        "new": int(groups["new"].sum()),
        "unmatched": int(groups["unmatched"].sum()),
        "by_region": _by_region(user, qs, groups, region),
        "by_signal": by_signal,
        "by_channel": {c: by_channel.get(c, 0) for c in Channel.values},
        "by_status": {s: by_status.get(s, 0) for s in AlertStatus.values},
    }


def _by_region(user, qs, groups: pl.DataFrame, region: str | None) -> list[dict]:
    """Alert counts per child region of the scope, folded from the counts per inbox (`groups`)."""
    from fupin.regions.codes import LEVEL_PREFIX_LEN, level_of
    from fupin.regions.models import Region

    code = scope.resolve(user, region).code
    children = Region.objects.filter(parent_id=code) if code else Region.objects.filter(level=1)
    children = list(children.values_list("code", "name"))
    if not children:
        return []
    plen = LEVEL_PREFIX_LEN[level_of(children[0][0])]
    households = pl.DataFrame(
        list(
            qs.exclude(region__isnull=True)
            .values_list("region_id")
            .annotate(households=Count("household", distinct=True))
        ),
        schema={"region_id": pl.String, "households": pl.Int64},
        orient="row",
    )
    child = pl.col("region_id").str.slice(0, plen).str.pad_end(12, "0").alias("code")
    alerts = (
        groups.drop_nulls("region_id").group_by(child).agg(alerts=pl.col("n").sum(), new=pl.col("new").sum())
    )
    per_child = alerts.join(
        households.group_by(child).agg(pl.col("households").sum()), on="code", how="full", coalesce=True
    )
    out = (
        pl.DataFrame(children, schema={"code": pl.String, "name": pl.String}, orient="row")
        .join(per_child, on="code", how="left")
        .with_columns(pl.col("alerts", "households", "new").fill_null(0))
    )
    return out.select("code", "name", "alerts", "households", "new").to_dicts()


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
