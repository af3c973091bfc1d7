"""Demo monitoring data (防止返贫监测) for a synthetic county already in the registry, over the months from January
of the registry's last year to today, so that the dashboard's trend (by month of a year) and the overview's
(the last twelve months) both have something to show:

- alerts from every channel: the registry batch (already run), department lists (imported through the real
  import path), self-reports and cadre visits, arriving month by month, in every status;
- monitored households of the three types (脱贫不稳定户, 边缘易致贫户, 突发严重困难户), most identified in bulk
  (a case per household with its full history of steps), some of them since eliminated;
- a handful of identification and elimination cases taken through the real services (open at every step,
  overdue, rejected, objected, rolled back, approved, green channel, an elimination rolled back).

The services stamp their rows "now" (auto_now_add): where a row must lie in the past for the trends, its
timestamp fields alone are set afterwards with `QuerySet.update`/`bulk_update`, which skip auto_now_add.
Everything is drawn from the seed; the dates are relative to `today`.

`build_demo` runs after the registry batch and before the assistance demo (which gives every monitored
household a cadre and a measure); `finish_demo` runs after it (visit alerts, eliminations, alert statuses).
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from fupin.engine.schema import POOR_STATUSES
from fupin.monitoring import cases, services
from fupin.monitoring.models import (
    Alert,
    AlertStatus,
    Case,
    CaseEvent,
    CaseKind,
    Channel,
    MonitorType,
    Outcome,
)

MIN_MONITORED = 40  # a small demo still gets enough monitored households for every case state
MONITORED_SHARE = 0.04  # about 4% of the households (domain.md §6.1: about 5% of the registered population)
SELF_REPORT_TEXT = {
    "illness": "家中老人住院，医疗费用较高，申请纳入监测",
    "disaster": "暴雨冲毁房屋后墙和承包地，生产生活困难",
    "accident": "户主务工时意外受伤，暂时无法工作",
    "schooling": "两个孩子同时上高中，学费生活费负担重",
    "housing": "房屋墙体开裂，担心住房安全",
    "employment": "外出务工的工厂停工，返乡后没有收入",
    "other": "家庭收入明显下降，申请帮扶",
}
VISIT_RISKS = {
    "illness": "户主确诊慢性病，长期服药，自付费用高",
    "unstable_work": "家中劳动力返乡，务工收入中断",
    "housing": "房屋出现裂缝，需鉴定",
    "disaster": "冰雹致农作物绝收",
    "schooling": "子女就读职校，开支增加",
}
DEPARTMENT_LISTS = [  # source, the column its amount or event goes in, the value range or the events
    ("medical_insurance", "累计自付费用", (21000, 68000)),
    ("civil_affairs", "救助类型", ["临时救助", "新纳入低保", "特困供养"]),
    ("education", "自付费用", (10500, 24000)),
    ("disability", "残疾类别", ["肢体残疾", "视力残疾", "精神残疾"]),
    ("emergency", "灾害类型", ["洪涝", "冰雹", "山体滑坡"]),
    ("housing", "鉴定等级", ["C级", "D级"]),
]
DISMISS_NOTES = [
    "入户核实，收入稳定，无返贫风险",
    "已享受医保报销和临时救助，风险可控",
    "核实为重复信息",
    "家庭刚性支出可承受",
]
TYPE_RISKS = {
    MonitorType.UNSTABLE: ["unstable_work", "illness", "business_failure", "no_labour"],
    MonitorType.EDGE: ["illness", "business_failure", "schooling", "unstable_work"],
    MonitorType.SUDDEN: ["illness", "disaster", "accident", "housing"],
}


@dataclass
class Plan:
    """What build_demo made, for finish_demo and the summary."""

    year: int
    today: date
    months: list[date]
    prefix: str
    identified_on: dict[int, date] = field(default_factory=dict)  # monitored household → identified on
    counts: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ dates
def months_from(year: int, today: date) -> list[date]:
    """First days of the months from January of `year` (or 17 months back, if later) to today's month."""
    y, m = today.year, today.month - 17
    while m < 1:
        y, m = y - 1, m + 12
    start = min(date(year, 1, 1), date(y, m, 1))
    out, d = [], start
    while d <= today:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _weights(months: list[date]) -> np.ndarray:
    """More alerts in the spring sweep (集中排查, Mar–Apr) and the autumn review (回头看, Oct–Nov), and a little
    more each year as the monitoring settles in."""
    w = np.array([1.0 + 0.6 * (d.month in (3, 4)) + 0.9 * (d.month in (10, 11)) for d in months])
    return w * np.linspace(0.8, 1.2, len(months))


def draw_dates(rng: np.random.Generator, months: list[date], n: int, today: date) -> list[date]:
    """n dates in the months (by their weights), none after today."""
    w = _weights(months)
    idx = rng.choice(len(months), size=n, p=w / w.sum())
    day = rng.integers(0, 31, size=n)
    out = []
    for i, dd in zip(idx, day, strict=True):
        m = months[i]
        last = (date(m.year + (m.month == 12), m.month % 12 + 1, 1) - timedelta(days=1)).day
        out.append(min(date(m.year, m.month, min(int(dd) + 1, last)), today))
    return out


def at(d: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hour % 24, 0)))


def _stamp_last_event(case: Case, d: date) -> None:
    # the service stamped the event now; the demo's history happened on `d` (timestamp field only)
    last = CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True)[:1]
    CaseEvent.objects.filter(pk__in=list(last)).update(at=at(d, 9 + case.pk % 8))


# --------------------------------------------------------------------------------------------- alerts
def _stamp_alerts(pairs: list[tuple[int, date]], rng: np.random.Generator) -> None:
    """Set the created/updated time of alerts that services stamped now (timestamp fields only)."""
    rows = []
    for pk, d in pairs:
        t = at(d, int(rng.integers(8, 18)))
        rows.append((t, t, pk))
    _set_times(Alert, ["created_at", "updated_at"], rows)


def _set_times(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE only the timestamp `fields` of many rows (values..., pk) in one executemany: a bulk_update's
    CASE over thousands of rows is many times slower."""
    if not rows:
        return
    sets = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in fields)
    with connection.cursor() as cur:
        cur.executemany(
            f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {sets} WHERE id = %s",
            [
                tuple(
                    connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v for v in r
                )
                for r in rows
            ],
        )


def _department_imports(rng, plan: Plan, members: pl.DataFrame, user) -> int:
    """Department lists as a department would send them (a few rows that match nobody included), imported
    through the real path, one every few months."""
    if user is None or members.is_empty():
        return 0
    n = max(3, members.height // 500)
    spaced = np.linspace(0, len(plan.months) - 1, len(DEPARTMENT_LISTS)).round().astype(int)  # spread evenly
    dates = [min(plan.months[i] + timedelta(days=int(rng.integers(0, 28))), plan.today) for i in spaced]
    made = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, d in enumerate(dates):
            source, column, values = DEPARTMENT_LISTS[i % len(DEPARTMENT_LISTS)]
            picked = members[rng.choice(members.height, size=min(n, members.height), replace=False).tolist()]
            rows = []
            for idn, name in picked.select("id_number", "name").iter_rows():
                v = (
                    int(rng.integers(*values))
                    if isinstance(values, tuple)
                    else values[int(rng.integers(len(values)))]
                )
                rows.append([idn, name, v, d.isoformat()])
            rows.append(
                [f"52052619{int(rng.integers(50, 99))}0101123X", "查无此人", rows[0][2], d.isoformat()]
            )
            path = Path(tmp) / f"{source}-{d:%Y%m}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["证件号码", "姓名", column, "日期"])
                w.writerows(rows)
            batch = services.import_department(
                user,
                path,
                source=source,
                year=min(d.year, plan.year),
                file_name=f"{source}-{d:%Y年%m月}.csv",
                today=d,
            )
            # the list arrived on `d` (timestamp fields only)
            Alert.objects.filter(department_import=batch).update(created_at=at(d), updated_at=at(d))
            type(batch).objects.filter(pk=batch.pk).update(created_at=at(d))
            made += batch.alerts_new
    return made


def _self_reports(rng, plan: Plan, members: pl.DataFrame, county: str) -> int:
    n = int(np.clip(members.height // 250, 12, 100))
    kinds = list(SELF_REPORT_TEXT)
    dates = draw_dates(rng, plan.months, n, plan.today)
    pairs = []
    for i, d in enumerate(dates):
        kind = kinds[int(rng.integers(len(kinds)))]
        if i == 0:  # someone not in the registry: the county's unmatched inbox
            name, idn, phone = "杨某某", f"{county[:6]}19800101002X", "13800000000"
        else:
            r = members.row(int(rng.integers(members.height)), named=True)
            name, idn, phone = r["name"], r["id_number"], f"13{int(rng.integers(10**9)):09d}"
        alert = services.self_report(
            name=name,
            id_number=idn,
            phone=phone,
            kind=kind,
            description=SELF_REPORT_TEXT[kind],
            county=county,
            today=d,
        )
        pairs.append((alert.pk, d))
    _stamp_alerts(pairs, rng)
    return n


# ---------------------------------------------------------------------------------------- bulk cases
def _actor(users: dict, step: str):
    return (
        users["demo_county"]
        if step in ("data_compared", "county_approved", "announced", "recorded")
        else users["demo_admin"]
    )


def _bulk_cases(rng, rows: list[dict], users: dict, kind: str) -> None:
    """Closed, approved cases with their full history (open, then every step done), for many households at once.
    Each row: household_id, village, opened_on, closed_on, monitor_type, risks, alert_id, method."""
    steps = cases.STEPS[kind]
    objs = [
        Case(
            household_id=r["household_id"],
            region_id=r["village"],
            kind=kind,
            year=r["year"],
            alert_id=r.get("alert_id"),
            monitor_type=r.get("monitor_type", ""),
            risks=r.get("risks", []),
            elimination_method=r.get("method", ""),
            steps=list(steps),
            step="",
            opened_on=r["opened_on"],
            deadline=cases.add_working_days(r["opened_on"], 20),
            closed_on=r["closed_on"],
            outcome=Outcome.APPROVED,
            opened_by=users["demo_admin"],
        )
        for r in rows
    ]
    Case.objects.bulk_create(objs, batch_size=1000)
    events, stamps = [], []
    for c in objs:
        span = max((c.closed_on - c.opened_on).days, len(steps))
        days = sorted(rng.integers(0, span + 1, size=len(steps)).tolist())
        events.append(CaseEvent(case=c, action="open", step="", user=users["demo_admin"]))
        stamps.append(c.opened_on)
        for s, dd in zip(steps, days, strict=True):
            events.append(CaseEvent(case=c, action="advance", step=s, user=_actor(users, s)))
            stamps.append(min(c.opened_on + timedelta(days=dd), c.closed_on))
        stamps[-1] = c.closed_on
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    # bulk_create stamped them now (auto_now_add): the history happened on the case's dates
    _set_times(
        CaseEvent, ["at"], [(at(d, 9 + e.case_id % 8), e.pk) for e, d in zip(events, stamps, strict=True)]
    )


def _pick_type(household_type: str, u: float) -> str:
    if household_type == "ordinary":
        return MonitorType.EDGE if u < 0.8 else MonitorType.SUDDEN
    if household_type == "exited":
        return MonitorType.UNSTABLE if u < 0.78 else MonitorType.SUDDEN
    return MonitorType.SUDDEN


# ----------------------------------------------------------------------------------- service cases
def _run(
    users,
    household,
    kind,
    opened: date,
    script: list[tuple[str, int]],
    *,
    plan: Plan,
    monitor_type="",
    risks=None,
    green=False,
    method="",
    alert=None,
) -> Case | None:
    """Open a case on `opened` and play `script` (action, days after opening) through the services."""
    try:
        case = cases.open_case(
            users["demo_admin"],
            household,
            kind,
            year=plan.year,
            alert=alert,
            monitor_type=monitor_type,
            risks=risks or [],
            green_channel=green,
            method=method,
            note="演示 / demo",
            today=opened,
        )
    except services.MonitoringError:
        return None
    _stamp_last_event(case, opened)
    for action, days in script:
        d = min(opened + timedelta(days=days), plan.today)
        user = _actor(users, case.step)
        if action == "advance":
            cases.advance(user, case, "已办理", today=d)
        elif action == "reject":
            cases.reject(user, case, "评议未通过：收入高于监测范围", today=d)
        elif action == "object":
            cases.object_(user, case, "公示期间有村民反映家庭经营收入未如实申报")
        elif action == "rollback":
            who = (
                users["demo_county"]
                if not case.is_open
                else _actor(users, case.steps[case.steps.index(case.step) - 1])
            )
            cases.rollback(
                who, case, "材料不全，退回补充" if case.is_open else "复核发现收入不稳定，风险消除回退"
            )
        _stamp_last_event(case, d)
    return case


def _scripts(kind: str) -> list[tuple[str, int, list[tuple[str, int]], dict]]:
    """(label, days before today it opened, script, options) for every state of the workflow."""
    n = len(cases.STEPS[kind])
    out = []
    for k in range(n):  # open at every step, on time
        out.append((f"open:{cases.STEPS[kind][k]}", 2 + k, [("advance", 1 + j) for j in range(k)], {}))
    for k in (0, 3, 5):  # open and past the deadline (20 working days)
        out.append(
            (f"overdue:{cases.STEPS[kind][k]}", 45 + 6 * k, [("advance", 3 + 4 * j) for j in range(k)], {})
        )
    review = [i for i, s in enumerate(cases.STEPS[kind]) if s in cases.REVIEW_STEPS]
    for k in review[::2]:
        out.append(
            (
                f"rejected:{cases.STEPS[kind][k]}",
                60,
                [("advance", 2 + 3 * j) for j in range(k)] + [("reject", 3 * k + 3)],
                {},
            )
        )
    pub = cases.STEPS[kind].index("publicized")
    out.append(("objected", 30, [("advance", 2 + 2 * j) for j in range(pub)] + [("object", 2 * pub + 4)], {}))
    out.append(("rolled_back", 20, [("advance", 2 + 2 * j) for j in range(3)] + [("rollback", 9)], {}))
    out.append(("completed", 150, [("advance", 2 + 3 * j) for j in range(n)], {}))
    out.append(("completed", 100, [("advance", 2 + 2 * j) for j in range(n)], {"natural": True}))
    if kind == CaseKind.IDENTIFICATION:
        out.append(("green_channel", 6, [("advance", 1)], {"green": True}))
        out.append(("green_channel", 40, [("advance", 1 + 2 * j) for j in range(n)], {"green": True}))
    else:
        out.append(
            (
                "eliminated_then_rolled_back",
                200,
                [("advance", 2 + 3 * j) for j in range(n)] + [("rollback", 150)],
                {},
            )
        )
    return out


# ---------------------------------------------------------------------------------------------- phase 1
def _households_frame(prefix: str, year: int) -> pl.DataFrame:
    from fupin.registry.models import HouseholdYear

    rows = HouseholdYear.objects.filter(
        year=year, is_deleted=False, household__is_deleted=False, household__village__code__startswith=prefix
    ).values_list("household_id", "household__village_id", "household_type", "status")
    return pl.DataFrame(
        list(rows),
        orient="row",
        schema={
            "household_id": pl.Int64,
            "village": pl.String,
            "household_type": pl.String,
            "status": pl.String,
        },
    )


def _members_frame(prefix: str) -> pl.DataFrame:
    from fupin.registry.models import Member

    rows = (
        Member.objects.filter(
            is_deleted=False,
            household__is_deleted=False,
            death_date__isnull=True,
            household__village__code__startswith=prefix,
        )
        .order_by("id")
        .values_list("household_id", "id_number", "name")
    )
    return pl.DataFrame(
        list(rows), orient="row", schema={"household_id": pl.Int64, "id_number": pl.String, "name": pl.String}
    )


def build_demo(county_code: str, year: int, seed: int, *, today: date | None = None) -> Plan:
    """Alerts of every channel over the months, monitored households of every type, identification cases in
    every state. Returns the plan for `finish_demo` (after the assistance demo)."""
    from fupin.accounts.models import User

    today = today or date.today()
    rng = np.random.default_rng(seed + 11)
    prefix = county_code[:6]
    plan = Plan(year=year, today=today, months=months_from(year, today), prefix=prefix)
    users = {
        u.username: u for u in User.objects.filter(username__in=["demo_admin", "demo_county", "demo_dept"])
    }
    members = _members_frame(prefix)

    # the registry batch ran over the months (it is run monthly): its alerts arrived then
    reg = list(
        Alert.objects.filter(channel=Channel.REGISTRY, region__code__startswith=prefix)
        .order_by("id")
        .values_list("id", flat=True)
    )
    _stamp_alerts(list(zip(reg, draw_dates(rng, plan.months, len(reg), today), strict=True)), rng)
    plan.counts["department_alerts"] = _department_imports(rng, plan, members, users.get("demo_dept"))
    plan.counts["self_reports"] = _self_reports(rng, plan, members, county_code)

    chosen, spare = _monitored_households(rng, prefix, year)
    bulk = _identified_in_bulk(rng, plan, chosen)
    with transaction.atomic():
        _bulk_cases(rng, bulk, users, CaseKind.IDENTIFICATION)
        linked = [r["alert_id"] for r in bulk if r["alert_id"]]
        for i in range(0, len(linked), 500):
            Alert.objects.filter(pk__in=linked[i : i + 500]).update(status=AlertStatus.CASE_OPENED)
    plan.counts["identification_states"] = _identification_states(users, plan, spare)
    plan.counts["monitored_bulk"] = len(bulk)
    return plan


def _monitored_households(rng, prefix: str, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The households to monitor (those with an alert first, of a type their household type allows) and the
    spare ones, for the cases taken through the services; each with its first alert (`alert_id`,
    `created`), a draw `u` and a random `order`."""
    hh = _households_frame(prefix, year).filter(~pl.col("status").is_in([*POOR_STATUSES, "removed"]))
    first = pl.DataFrame(
        list(
            Alert.objects.filter(region__code__startswith=prefix, household__isnull=False)
            .order_by("created_at", "id")
            .values_list("household_id", "id", "created_at")
        ),
        orient="row",
        schema={"household_id": pl.Int64, "alert_id": pl.Int64, "created": pl.Datetime("us", "UTC")},
    )
    first = first.group_by("household_id", maintain_order=True).first()
    hh = hh.join(first, on="household_id", how="left").with_columns(
        pl.Series("u", rng.random(hh.height)), pl.Series("order", rng.permutation(hh.height))
    )
    target = min(hh.height // 2, max(MIN_MONITORED, round(MONITORED_SHARE * hh.height)))
    # edge households are ordinary ones (a quarter of the monitored at most), the rest from the alerts
    edge = hh.filter(pl.col("household_type") == "ordinary").sort("order").head(target // 4)
    rest = hh.filter(~pl.col("household_id").is_in(edge["household_id"].implode())).sort(
        pl.col("alert_id").is_null(), "order"
    )
    chosen = pl.concat([edge, rest.head(target - edge.height)])
    return chosen, rest.slice(target - edge.height)


def _identified_in_bulk(rng, plan: Plan, chosen: pl.DataFrame) -> list[dict]:
    """The rows of `_bulk_cases` for the chosen households: identified some days after their first alert
    (or a drawn date), of a type and risks drawn; notes in `plan.identified_on` when each was identified."""
    cutoff = plan.today - timedelta(days=40)
    bulk = []
    for r in chosen.iter_rows(named=True):
        seen = r["created"].date() if r["created"] else draw_dates(rng, plan.months, 1, plan.today)[0]
        opened = min(seen + timedelta(days=int(rng.integers(1, 12))), cutoff)
        closed = min(cases.add_working_days(opened, int(rng.integers(8, 26))), plan.today - timedelta(days=2))
        mtype = _pick_type(r["household_type"], r["u"])
        options = TYPE_RISKS[mtype]
        risks = [
            options[i] for i in sorted(rng.choice(len(options), size=int(rng.integers(1, 3)), replace=False))
        ]
        bulk.append(
            {
                "household_id": r["household_id"],
                "village": r["village"],
                "year": min(opened.year, plan.year),
                "opened_on": opened,
                "closed_on": closed,
                "monitor_type": mtype,
                "risks": risks,
                "alert_id": r["alert_id"],
            }
        )
        plan.identified_on[r["household_id"]] = closed
    return bulk


def _identification_states(users: dict, plan: Plan, spare: pl.DataFrame) -> dict[str, int]:
    """Identification cases in every state, through the services, on the spare households in their order;
    returns how many cases of each state were made."""
    from fupin.registry.models import Household

    pool = spare.sort("order").to_dicts()
    states: dict[str, int] = {}
    for label, back, script, opts in _scripts(CaseKind.IDENTIFICATION):
        want = MonitorType.SUDDEN if opts.get("green") else None
        while pool:
            r = pool.pop(0)
            mtype = want or _pick_type(r["household_type"], r["u"])
            case = _run(
                users,
                Household.objects.get(pk=r["household_id"]),
                CaseKind.IDENTIFICATION,
                plan.today - timedelta(days=back),
                script,
                plan=plan,
                monitor_type=mtype,
                risks=TYPE_RISKS[mtype][:1],
                green=opts.get("green", False),
                alert=Alert.objects.filter(pk=r["alert_id"]).first() if r["alert_id"] else None,
            )
            if case is not None:
                states[label] = states.get(label, 0) + 1
                if case.outcome == Outcome.APPROVED or (case.green_channel and case.is_open):
                    plan.identified_on[case.household_id] = case.closed_on or case.opened_on
                break
    return states


# ---------------------------------------------------------------------------------------------- phase 2
def _visit_alerts(rng, plan: Plan) -> int:
    from fupin.assistance.models import Visit

    visits = list(
        Visit.objects.filter(household__village__code__startswith=plan.prefix, date__gte=plan.months[0])
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not visits:
        return 0
    n = int(np.clip(len(visits) // 40, 12, 150))
    picked = sorted(rng.choice(len(visits), size=min(n, len(visits)), replace=False).tolist())
    risks = list(VISIT_RISKS)
    pairs = []
    for i in picked:
        risk = risks[int(rng.integers(len(risks)))]
        Visit.objects.filter(pk=visits[i]).update(found=VISIT_RISKS[risk], follow_up="已上报风险预警")
        visit = Visit.objects.select_related("household").get(pk=visits[i])
        alert = services.alert_from_visit(visit, risk)
        pairs.append((alert.pk, visit.date))
    _stamp_alerts(pairs, rng)
    return len(pairs)


def _alert_statuses(rng, plan: Plan, users: dict) -> dict[str, int]:
    """Older alerts mostly checked and dismissed, recent ones new or being checked; a few through the service."""
    rows = list(
        Alert.objects.filter(region__code__startswith=plan.prefix)
        .exclude(status=AlertStatus.CASE_OPENED)
        .order_by("id")
        .values_list("id", "created_at")
    )
    old_before = at(plan.today - timedelta(days=90))
    groups: dict[tuple[str, str], list[int]] = {}
    for pk, created in rows:
        u = rng.random()
        if created < old_before:
            status = (
                AlertStatus.DISMISSED if u < 0.8 else AlertStatus.CHECKING if u < 0.92 else AlertStatus.NEW
            )
        else:
            status = (
                AlertStatus.NEW if u < 0.5 else AlertStatus.CHECKING if u < 0.85 else AlertStatus.DISMISSED
            )
        note = DISMISS_NOTES[int(rng.integers(len(DISMISS_NOTES)))] if status == AlertStatus.DISMISSED else ""
        groups.setdefault((status, note), []).append(pk)
    handled = groups.pop((AlertStatus.NEW, ""), [])
    for (status, note), pks in groups.items():
        for i in range(0, len(pks), 500):
            Alert.objects.filter(pk__in=pks[i : i + 500]).update(status=status, note=note)
    for pk in handled[-3:]:  # a few through the service, with its version check and note
        services.set_status(
            users["demo_admin"], Alert.objects.get(pk=pk), AlertStatus.CHECKING, "已安排入户核实"
        )
    return dict(
        Alert.objects.filter(region__code__startswith=plan.prefix)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )


def finish_demo(plan: Plan, seed: int) -> dict:
    """After the assistance demo: alerts from cadre visits, eliminations (in bulk and through the services in
    every state), then the alerts' statuses. Returns the counts."""
    from fupin.accounts.models import User

    rng = np.random.default_rng(seed + 12)
    users = {u.username: u for u in User.objects.filter(username__in=["demo_admin", "demo_county"])}
    plan.counts["visit_alerts"] = _visit_alerts(rng, plan)

    work = _elimination_candidates(rng, plan, users)
    # the cases that opened longest ago need the households monitored longest: scripts by age, households by months
    scripts = sorted(_scripts(CaseKind.ELIMINATION), key=lambda s: -s[1])
    keep = len(scripts) + 4
    reserved = work.head(keep).sort("months", descending=True)["household_id"].to_list()
    rest = work.slice(keep)["household_id"].to_list()
    # about a third of the other eligible households were eliminated over the months, in bulk
    bulk = _eliminated_in_bulk(rng, plan, rest[: len(rest) // 3])
    with transaction.atomic():
        _bulk_cases(rng, bulk, users, CaseKind.ELIMINATION)
    plan.counts["elimination_states"] = _elimination_states(users, plan, scripts, reserved)
    plan.counts["eliminated_bulk"] = len(bulk)
    plan.counts["alerts"] = _alert_statuses(rng, plan, users)
    return plan.counts


def _elimination_candidates(rng, plan: Plan, users: dict) -> pl.DataFrame:
    """The monitored households eligible for elimination, monitored seven months or more and with no case
    open, in a random order."""
    work = cases.elimination_worklist(users["demo_admin"], plan.year, today=plan.today)
    open_ids = set(
        Case.objects.filter(region__code__startswith=plan.prefix)
        .exclude(step="")
        .values_list("household_id", flat=True)
    )
    work = work.filter(
        pl.col("eligible")
        & (pl.col("months") >= 7)
        & ~pl.col("household_id").is_in(list(open_ids))
        & pl.col("household_id").is_in(list(plan.identified_on))
    )
    return work.with_columns(pl.Series("order", rng.permutation(work.height))).sort("order")


def _eliminated_in_bulk(rng, plan: Plan, households: list[int]) -> list[dict]:
    """The rows of `_bulk_cases` for households eliminated at least 190 days after they were identified
    (those identified too recently are left out)."""
    from fupin.registry.models import Household

    bulk = []
    for hid in households:
        earliest = plan.identified_on[hid] + timedelta(days=190)
        if earliest > plan.today - timedelta(days=20):
            continue
        span = (plan.today - timedelta(days=20) - earliest).days
        opened = earliest + timedelta(days=int(rng.integers(0, span + 1)))
        h = Household.objects.filter(pk=hid).values_list("village_id", flat=True).first()
        bulk.append(
            {
                "household_id": hid,
                "village": h,
                "year": min(opened.year, plan.year),
                "opened_on": opened,
                "closed_on": min(cases.add_working_days(opened, int(rng.integers(10, 22))), plan.today),
                "method": "assisted" if rng.random() < 0.85 else "natural",
            }
        )
    return bulk


def _elimination_states(users: dict, plan: Plan, scripts: list, reserved: list[int]) -> dict[str, int]:
    """Elimination cases in every state, through the services, on the reserved households in their order;
    returns how many cases of each state were made."""
    from fupin.registry.models import Household

    states: dict[str, int] = {}
    for label, back, script, opts in scripts:
        while reserved:
            hid = reserved.pop(0)
            case = _run(
                users,
                Household.objects.get(pk=hid),
                CaseKind.ELIMINATION,
                plan.today - timedelta(days=back),
                script,
                plan=plan,
                method="natural" if opts.get("natural") else "assisted",
            )
            if case is not None:
                states[label] = states.get(label, 0) + 1
                break
    return states
