"""The store's side of the anti-"数字脱贫" checks (防数字脱贫, engine/integrity.py): the frames the rules read
beyond the registry, for one region subtree and year, one query each.

- measures: the assistance plans' measures of the households in the subtree (assistance.PlanMeasure);
- exits: the day the registry recorded each household-year's exit — the registry history (registry.Change)
  of the exited household-years of the year whose `after` sets an exited status or the exit year;
- payments: the funds library's household payments of the year whose payee's ID number belongs to a person
  who was ever a member of a household in the subtree (funds.Payment).
"""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl
from django.db.models import Q
from django.utils import timezone

from fupin.core.frames import read_sql, table
from fupin.engine import integrity
from fupin.engine.schema import EXITED_STATUSES

FAMILY = integrity.FAMILY
RULE_IDS = integrity.RULE_IDS


def measures_frame(prefix: str, year: int) -> pl.DataFrame:
    """Plan measures of the subtree's households from the years the rules look back over (at most 20)."""
    from fupin.assistance.models import PlanMeasure
    from fupin.registry.models import Household

    return read_sql(
        f"SELECT p.household_id, p.year, p.status FROM {table(PlanMeasure)} p "
        f"JOIN {table(Household)} h ON h.id = p.household_id "
        f"WHERE h.village_id LIKE %s AND p.year BETWEEN %s AND %s",
        [prefix + "%", year - 20, year],
        schema=integrity.MEASURES,
    )


def exits_frame(prefix: str, year: int) -> pl.DataFrame:
    """(household, year, recorded_on) of the exited household-years of `year` whose exit the registry
    recorded during `year`: the first change that set an exited status or the exit year (the day in the
    server's time zone)."""
    from fupin.registry.models import Change, HouseholdYear

    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time()), tz)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time()), tz)
    changes = (
        Change.objects.filter(
            entity="household_year",
            household__village__code__startswith=prefix,
            at__gte=start,
            at__lt=end,
        )
        .filter(Q(after__status__in=list(EXITED_STATUSES)) | Q(after__has_key="exit_year"))
        .values_list("entity_id", "at")
    )
    recorded: dict[int, date] = {}
    for entity_id, at in changes.iterator():  # the exits of one year in one region: few rows
        day = timezone.localtime(at, tz).date()
        key = int(entity_id)
        recorded[key] = min(day, recorded.get(key, day))
    records = HouseholdYear.objects.filter(
        pk__in=list(recorded), year=year, status__in=EXITED_STATUSES
    ).values_list("pk", "household_id")
    return pl.DataFrame(
        [(household_id, year, recorded[pk]) for pk, household_id in records],
        schema=integrity.EXIT_RECORDS,
        orient="row",
    )


def payments_frame(prefix: str, year: int) -> pl.DataFrame:
    """Household payments made in `year` to people who were members of a household in the subtree."""
    from fupin.funds.models import Payment
    from fupin.registry.models import Household, Member, Membership

    frame = read_sql(
        f"SELECT p.id AS payment_id, p.id_number, p.amount, p.paid_on FROM {table(Payment)} p "
        f"WHERE p.kind = %s AND p.paid_on >= %s AND p.paid_on < %s AND p.id_number IN ("
        f"SELECT m.id_number FROM {table(Member)} m "
        f"JOIN {table(Membership)} s ON s.member_id = m.id "
        f"JOIN {table(Household)} h ON h.id = s.household_id WHERE h.village_id LIKE %s)",
        ["household", date(year, 1, 1), date(year + 1, 1, 1), prefix + "%"],
    )
    return frame.select(
        pl.col("payment_id").cast(pl.Int64),
        pl.col("id_number").cast(pl.String),
        pl.col("amount").cast(pl.Float64),
        pl.col("paid_on").cast(pl.String).str.to_date(strict=False)
        if frame.schema["paid_on"] == pl.String
        else pl.col("paid_on").cast(pl.Date),
    )


def findings(
    prefix: str, year: int, household_years: pl.DataFrame, members: pl.DataFrame, params: pl.DataFrame
) -> pl.DataFrame:
    """The integrity findings of the subtree in `year` (quality FINDINGS schema); `household_years` holds
    the records of `year − 1` and `year`."""
    return integrity.run(
        household_years,
        members,
        params,
        year=year,
        measures=measures_frame(prefix, year),
        exits=exits_frame(prefix, year),
        payments=payments_frame(prefix, year),
    )
