"""Dashboard figures beyond the alert counts: remaining poor, monitored by type, eliminated by method, and
the trend by month of a year — each measure one aggregate query grouped by month (TruncMonth works on
SQLite and PostgreSQL). `drill` gives the households behind any figure, with the same filters."""

from __future__ import annotations

from django.db.models import Case as When_
from django.db.models import Count, F, Q, QuerySet, When
from django.db.models.functions import TruncMonth

from fupin.accounts import scope
from fupin.engine.schema import POOR_STATUSES
from fupin.monitoring.models import Alert, Case, CaseKind, Channel, MonitorType, Outcome
from fupin.registry.models import Household, HouseholdYear

METHODS = ("assisted", "natural")
MEASURES = ("poor", "monitored", "identified", "eliminated", "opened", "alerts")


def _cases(prefix: str) -> QuerySet[Case]:
    return Case.objects.filter(region__code__startswith=prefix)


def identified(prefix: str) -> QuerySet[Case]:
    """Identifications that made the household monitored, with `identified_on`: approved ones from the day they
    closed, green-channel ones still open from the day they opened (as selectors.monitored_frame)."""
    return (
        _cases(prefix)
        .filter(kind=CaseKind.IDENTIFICATION)
        .filter(Q(outcome=Outcome.APPROVED) | Q(green_channel=True, outcome=""))
        .annotate(identified_on=When_(When(green_channel=True, then=F("opened_on")), default=F("closed_on")))
    )


def eliminated(prefix: str) -> QuerySet[Case]:
    """Approved eliminations that still stand (rolled-back ones have outcome `rolled_back`)."""
    return _cases(prefix).filter(kind=CaseKind.ELIMINATION, outcome=Outcome.APPROVED)


def alerts(prefix: str, year: int) -> QuerySet[Alert]:
    """Alerts raised during the calendar year (by the date they came in)."""
    return Alert.objects.filter(region__code__startswith=prefix, created_at__year=year)


def remaining_poor(prefix: str, year: int) -> QuerySet[HouseholdYear]:
    return HouseholdYear.objects.filter(
        household__village__code__startswith=prefix,
        household__is_deleted=False,
        year=year,
        status__in=POOR_STATUSES,
    )


def _monthly(qs, date_field: str, key: str | None, keys) -> list[dict]:
    """One GROUP BY month (and key) query → {month: {key: n}}."""
    fields = ["m", key] if key else ["m"]
    rows = qs.annotate(m=TruncMonth(date_field)).values(*fields).annotate(n=Count("id")).order_by()
    out: dict[int, dict] = {m: {k: 0 for k in keys} for m in range(1, 13)}
    for r in rows:
        if r["m"] is None:
            continue
        out[r["m"].month][r[key] if key else "n"] = r["n"]
    return out


def trend(user, *, year: int, region: str | None = None) -> list[dict]:
    """Per month of `year`: alerts by channel, cases opened, households newly monitored by type, risks
    eliminated by method. Four queries, whatever the number of months."""
    prefix = scope.resolve(user, region).prefix
    a = _monthly(alerts(prefix, year), "created_at", "channel", Channel.values)
    o = _monthly(_cases(prefix).filter(opened_on__year=year), "opened_on", None, ["n"])
    i = _monthly(
        identified(prefix).filter(identified_on__year=year),
        "identified_on",
        "monitor_type",
        MonitorType.values,
    )
    e = _monthly(eliminated(prefix).filter(closed_on__year=year), "closed_on", "elimination_method", METHODS)
    rows = []
    for m in range(1, 13):
        rows.append(
            {
                "month": m,
                **{f"alerts_{c}": a[m][c] for c in Channel.values},
                "alerts": sum(a[m].values()),
                "opened": o[m]["n"],
                **{f"identified_{t}": i[m][t] for t in MonitorType.values},
                "identified": sum(i[m].values()),
                **{f"eliminated_{k}": e[m][k] for k in METHODS},
                "eliminated": sum(e[m].values()),
            }
        )
    return rows


def figures(user, *, year: int, region: str | None = None) -> dict:
    """Remaining poor, monitored now by type, newly monitored in the year by type, eliminated by method."""
    from fupin.monitoring.selectors import monitored_frame

    prefix = scope.resolve(user, region).prefix
    monitored_ids = monitored_frame(prefix)["household_id"].to_list()
    # the type of the identification that made each monitored household monitored (the latest)
    latest = dict(
        identified(prefix)
        .filter(household_id__in=monitored_ids)
        .order_by("id")
        .values_list("household_id", "monitor_type")
    )
    by_type = {t: 0 for t in MonitorType.values}
    for t in latest.values():
        by_type[t] = by_type.get(t, 0) + 1
    new_by_type = dict(
        identified(prefix)
        .filter(identified_on__year=year)
        .values_list("monitor_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_method = dict(
        eliminated(prefix)
        .filter(closed_on__year=year)
        .values_list("elimination_method")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "remaining_poor": remaining_poor(prefix, year).count(),
        "monitored_by_type": by_type,
        "new_by_type": {t: new_by_type.get(t, 0) for t in MonitorType.values},
        "eliminated_by_method": {k: by_method.get(k, 0) for k in METHODS},
    }


def drill(
    user, *, year: int, measure: str, region: str | None = None, key: str = "", month: int | None = None
) -> QuerySet[Household]:
    """The households behind one dashboard figure (same filters as the figure), in the user's scope."""
    from fupin.monitoring.selectors import monitored_frame

    prefix = scope.resolve(user, region).prefix
    if measure == "poor":
        ids = remaining_poor(prefix, year).values("household_id")
    elif measure == "monitored":
        hids = monitored_frame(prefix)["household_id"].to_list()
        qs = identified(prefix).filter(household_id__in=hids)
        if key:
            latest = dict(qs.order_by("id").values_list("household_id", "monitor_type"))
            hids = [h for h, t in latest.items() if t == key]
        ids = hids
    else:
        if measure == "identified":
            qs, field, key_field = (
                identified(prefix).filter(identified_on__year=year),
                "identified_on",
                "monitor_type",
            )
        elif measure == "eliminated":
            qs, field, key_field = (
                eliminated(prefix).filter(closed_on__year=year),
                "closed_on",
                "elimination_method",
            )
        elif measure == "opened":
            qs, field, key_field = _cases(prefix).filter(opened_on__year=year), "opened_on", "kind"
        elif measure == "alerts":
            qs, field, key_field = (
                alerts(prefix, year).exclude(household__isnull=True),
                "created_at",
                "channel",
            )
        else:
            return Household.objects.none()
        if key:
            qs = qs.filter(**{key_field: key})
        if month:
            qs = qs.filter(**{f"{field}__month": month})
        ids = qs.values("household_id")
    return (
        Household.objects.filter(pk__in=ids, village__code__startswith=prefix, is_deleted=False)
        .select_related("village")
        .order_by("household_no")
    )
