"""Data-quality reads, always limited to the user's region subtree (a region outside it answers 404)."""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl
from django.db.models import Count, JSONField, Max, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from fupin.accounts import scope
from fupin.core.api_types import MAX_KEY
from fupin.core.frames import read_sql, table
from fupin.engine import integrity, quality
from fupin.engine.schema import EXITED_STATUSES
from fupin.quality.codes import RULE_FAMILY
from fupin.quality.errors import QualityInputError
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import Household

# The whole catalogue: the data-quality rules, then the anti-"数字脱贫" family (防数字脱贫, DQ-K).
RULES = quality.RULES + integrity.RULES
INTEGRITY_RULE_IDS = sorted(integrity.RULE_IDS)
RULE_INDEX = {r.id: i for i, r in enumerate(RULES)}
RULE_BY_ID = {r.id: r for r in RULES}
# Rules whose reported value is an ID or disability-certificate number: masked like the ID column.
ID_VALUE_RULES = frozenset(
    r.id
    for r in RULES
    if r.value is not None and set(r.value().meta.root_names()) & {"id_number", "disability_cert"}
)

# Rules whose value is a code: the pages show its label (column of the engine frame → code list).
_CODELIST_OF = {
    "sex": "sex",
    "relation": "relation",
    "health": "health",
    "labour": "labour",
    "school": "school",
    "education": "education",
    "work_status": "work",
    "status": "household_status",
    "housing_grade": "housing_grade",
}
VALUE_CODELIST = {
    r.id: _CODELIST_OF[root]
    for r in RULES
    if r.value is not None
    for root in r.value().meta.root_names()
    if root in _CODELIST_OF
}


def findings_for(
    user,
    *,
    year: int | None = None,
    region: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    assignee=None,
    family: str | None = None,
) -> QuerySet[Finding]:
    """Findings in the user's subtree (None = the unscoped operator), narrowed by the given filters.

    `assignee`: "mine" (the user's), "none" (nobody's) or a user id; `family`: "integrity" (the anti-"数字脱贫"
    rules) or "quality" (the others); anything else is refused (422)."""
    qs = Finding.objects.all()
    prefix = scope.resolve(user, region).prefix  # OutOfScope (404) outside the user's subtree
    if prefix:
        qs = qs.filter(household__village__code__startswith=prefix)
    if year:
        qs = qs.filter(year=year)
    if rule:
        qs = qs.filter(rule_id=rule)
    if severity:
        qs = qs.filter(severity=severity)
    if status:
        qs = qs.filter(status=status)
    if family:
        qs = of_family(qs, family)
    if assignee == "mine" and user is not None:
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee and str(assignee).isdigit():
        # An id past the largest BIGINT belongs to nobody; SQLite could not even bind it (a 500).
        qs = qs.filter(assignee_id=int(assignee)) if int(assignee) <= MAX_KEY else qs.none()
    return qs


def check_family(family: str) -> str:
    if family not in RULE_FAMILY:
        raise QualityInputError(
            "family",
            "quality.family",
            f"规则类别只能是 quality 或 integrity：{family}",
            f"the rule family must be quality or integrity: {family}",
        )
    return family


def of_family(qs: QuerySet[Finding], family: str) -> QuerySet[Finding]:
    """The findings of one rule family: "integrity" (防数字脱贫) or "quality" (every other rule)."""
    if check_family(family) == "integrity":
        return qs.filter(rule_id__in=INTEGRITY_RULE_IDS)
    return qs.exclude(rule_id__in=INTEGRITY_RULE_IDS)


def family_of(rule_id: str) -> str:
    return "integrity" if rule_id in integrity.RULE_IDS else "quality"


def rule_counts(findings: QuerySet[Finding]) -> list[dict]:
    """错误类型/错误条数 of a filtered list: per rule, all and still open, in catalogue order."""
    rows = (
        findings.order_by()
        .values("rule_id")
        .annotate(count=Count("id"), open=Count("id", filter=Q(status="open")))
    )
    out = []
    for r in sorted(rows, key=lambda r: RULE_INDEX.get(r["rule_id"], len(RULES))):
        rule = RULE_BY_ID.get(r["rule_id"])
        out.append(
            {
                **r,
                "severity": rule.severity if rule else "",
                "message_zh": rule.message_zh if rule else r["rule_id"],
                "message_en": rule.message_en if rule else r["rule_id"],
            }
        )
    return out


def years_for(user) -> list[int]:
    """Years with findings in the user's subtree, newest first: the findings' years one `MAX(year)` probe
    of the year index at a time, each kept if the subtree has a finding in it (`EXISTS` stops at the first),
    where a DISTINCT over the join with the households read every finding (1.2 s for a province's 440,000
    on PostgreSQL)."""
    scoped = findings_for(user)
    years: list[int] = []
    year = Finding.objects.aggregate(y=Max("year"))["y"]
    while year is not None:
        if scoped.filter(year=year).exists():
            years.append(year)
        year = Finding.objects.filter(year__lt=year).aggregate(y=Max("year"))["y"]
    return years


def runs_for(user) -> QuerySet[QualityRun]:
    """Runs over regions inside the user's subtree."""
    qs = QualityRun.objects.select_related("user")
    prefix = scope.prefix_for(user)
    return qs.filter(region_prefix__startswith=prefix) if prefix else qs


def stored_findings(prefix: str, year: int) -> pl.DataFrame:
    """The stored findings of the region subtree `prefix` in `year` (id, key, status, value), one SELECT:
    what a run of the rules is reconciled against."""
    return read_sql(
        f"SELECT f.id, f.rule_id, f.household_id, f.member_id, f.status, f.value "
        f"FROM {table(Finding)} f JOIN {table(Household)} h ON h.id = f.household_id "
        f"WHERE f.year = %s AND h.village_id LIKE %s",
        [year, prefix + "%"],
        schema={
            "id": pl.Int64,
            "rule_id": pl.String,
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "status": pl.String,
            "value": pl.String,
        },
    ).with_columns(pl.col("member_id").fill_null(0).alias("_member"), pl.col("value").fill_null(""))


# --- what the anti-"数字脱贫" rules read beyond the registry (engine/integrity.py), one query each ----------


def integrity_measures(prefix: str, year: int) -> pl.DataFrame:
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


def integrity_exits(prefix: str, year: int) -> pl.DataFrame:
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
        .annotate(recorded=Cast("after", JSONField()))  # the history is json: look-ups by key want jsonb
        .filter(Q(recorded__status__in=list(EXITED_STATUSES)) | Q(recorded__has_key="exit_year"))
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


def integrity_payments(prefix: str, year: int) -> pl.DataFrame:
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
