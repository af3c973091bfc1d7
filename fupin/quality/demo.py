"""Demo cases of the anti-"数字脱贫" checks (防数字脱贫, DQ-K) in a synthetic county already holding its registry,
assistance plans and funds, planted through the registry's and the funds' services, then found by a run of
the rules:

- six households of one village exit in the demo's last year (they were poor, or returned to poverty, the
  year before), their exits recorded in the last week of December: a year-end batch (DQ-K4); the first
  lands just above the line (DQ-K1) and, where the village has one, is a household without a measure
  (DQ-K2); the second's business income jumps with no business costs (DQ-K3);
- a member who died in March is paid in June (DQ-K5a); one who moved out in April is paid in July (DQ-K5b).

The registry history stamps its rows "now": the exits' history rows alone get their December dates
afterwards with `QuerySet.update` (as the monitoring demo does for its past rows).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from fupin.engine.schema import REGISTERED_POOR_STATUSES
from fupin.regions.codes import prefix_of

BATCH = 6  # above the national batch minimum (integrity_batch_min = 5)
DEMO_REASON = "演示数据 / demo data"


def _year_dict(record) -> dict:
    from fupin.registry.schemas import YearFields

    out = {k: getattr(record, k) for k in YearFields.model_fields if k != "other_causes"}
    out["other_causes"] = record.other_cause_list
    h = record.household
    return {
        "household_no": h.household_no,
        "year": record.year,
        "region_code": h.village_id,
        "phone": h.phone,
        **out,
    }


def _save(record, **changes) -> None:
    from fupin.registry.services import save_household

    save_household(None, {**_year_dict(record), **changes}, reason=DEMO_REASON, create=False)


def _candidates(prefix: str, year: int) -> tuple[str | None, list[int]]:
    """The village with the most households holding records of `year − 1` and `year`, and those households
    (the ones without an assistance measure in those years first)."""
    from fupin.assistance.models import PlanMeasure
    from fupin.registry.models import HouseholdYear

    live = HouseholdYear.objects.filter(
        household__village__code__startswith=prefix, is_deleted=False, household__is_deleted=False
    )
    both = live.filter(year=year, household__in=live.filter(year=year - 1).values("household_id"))
    top = both.values("household__village_id").annotate(n=Count("id")).order_by("-n").first()
    if not top or top["n"] < BATCH:
        return None, []
    village = top["household__village_id"]
    ids = list(
        both.filter(household__village_id=village)
        .order_by("household_id")
        .values_list("household_id", flat=True)
    )
    helped = set(
        PlanMeasure.objects.filter(household_id__in=ids, year__in=[year - 1, year]).values_list(
            "household_id", flat=True
        )
    )
    return village, sorted(ids, key=lambda i: (i in helped, i))


def _line(year: int, village: str) -> Decimal:
    from fupin.policy.services import resolve

    return Decimal(str(resolve("poverty_line", year, village) or 4000))


def _plant_exits(prefix: str, year: int, today: date) -> int:
    from fupin.registry.models import Change, HouseholdYear

    village, ids = _candidates(prefix, year)
    if village is None:
        return 0
    started = timezone.now()
    planted = []
    for i, household_id in enumerate(ids[:BATCH]):
        before = HouseholdYear.objects.select_related("household").get(
            household_id=household_id, year=year - 1
        )
        if before.status not in REGISTERED_POOR_STATUSES:
            _save(before, status="returned")  # 返贫 the year before: a real exit this year
        record = HouseholdYear.objects.select_related("household").get(household_id=household_id, year=year)
        size = record.size or 1
        changes: dict = {"status": "exited_policy", "household_type": "exited", "exit_year": year}
        if i == 0:  # just above the line: 4% over it per person, the business given up
            net = (_line(year, village) * Decimal("1.04") * size).quantize(Decimal("1"))
            transfers = min(record.property_income + record.transfer_income, net)
            changes |= {"business_income": Decimal(0), "business_cost": Decimal(0)}
            changes |= {"property_income": Decimal(0), "transfer_income": transfers}
            changes["wage_income"] = net - transfers
        elif i == 1:  # business income jumps, and no business costs are recorded
            prev = before.net_income or Decimal(0)
            target = max(prev * 3, prev + 4000 * size)
            changes["business_cost"] = Decimal(0)
            changes["business_income"] = max(
                target - record.wage_income - record.property_income - record.transfer_income, Decimal(0)
            )
        _save(record, **changes)
        planted.append(record.pk)
    # the exits recorded in the last week of December
    tz = timezone.get_current_timezone()
    for k, pk in enumerate(planted):
        day = date(year, 12, 22 + k)
        if day >= today:
            break
        at = timezone.make_aware(datetime.combine(day, time(10, 0)), tz)
        Change.objects.filter(entity="household_year", entity_id=str(pk), at__gte=started).update(at=at)
    return len(planted)


def _plant_payments(county: str, prefix: str, year: int, today: date) -> int:
    from fupin.accounts.models import User
    from fupin.accounts.roles import roles_that
    from fupin.funds import lifecycle
    from fupin.funds.models import Project
    from fupin.funds.services import PaymentData, add_payment
    from fupin.registry.models import Member
    from fupin.registry.services import end_membership

    project = (
        Project.objects.filter(region__code__startswith=prefix, status__in=lifecycle.PAYABLE_STATUSES)
        .order_by("id")
        .first()
    )
    # the payments are entered by a registry writer bound to the county (the demo's county approver; the
    # funds services take no anonymous operator)
    clerk = (
        User.objects.filter(role__in=roles_that("writes_registry"), is_active=True, region_id=county)
        .order_by("id")
        .first()
    )
    if project is None or clerk is None:
        return 0
    people = list(
        Member.objects.filter(
            household__village__code__startswith=prefix,
            household__is_deleted=False,
            is_deleted=False,
            death_date__isnull=True,
        )
        .exclude(relation="head")
        .order_by("-id")[:2]
    )
    planted = 0
    for member, reason, left, paid in zip(
        people,
        ("death", "move"),
        (date(year, 3, 1), date(year, 4, 30)),
        (date(year, 6, 1), date(year, 7, 1)),
        strict=False,
    ):
        if paid > today:
            break
        end_membership(clerk, member.id_number, reason_code=reason, on_date=left, note=DEMO_REASON)
        add_payment(
            clerk,
            project,
            PaymentData(
                kind="household",
                payee_name=member.name,
                item="产业奖补",
                amount="800",
                paid_on=paid,
                id_number=member.id_number,
            ),
        )
        planted += 1
    return planted


def build_demo(county: str, year: int, seed: int, today: date | None = None) -> dict[str, int]:
    """Plant the cases in the county's last year, then run the rules so the worklist shows them."""
    from fupin.quality.services import run_quality

    today = today or timezone.localdate()
    # `seed` is unused: the cases are chosen by their order in the store, so the same store gives the same
    prefix = prefix_of(county)
    exits = _plant_exits(prefix, year, today)
    payments = _plant_payments(county, prefix, year, today)
    run = run_quality(None, year, county)
    integrity = {k: v for k, v in run.counts.items() if k.startswith("DQ-K")}
    return {"exits": exits, "payments": payments, "findings": sum(integrity.values()), **integrity}
