"""Demo projects for a synthetic county: a few years of projects in its villages with budgets by source,
beneficiaries and payments to registry members, and a few planted anomalies the checks find.

`build_demo(county_code, year, seed)` writes in bulk (a handful of queries whatever the county's size).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from fupin.funds.models import Beneficiary, BudgetLine, Payment, Project, Transition
from fupin.regions.models import Region
from fupin.registry.models import Household, Member

TEMPLATES = [  # (type, name, unit, content, link, targets, per-household item, contractor item)
    (
        "industry",
        "{v}特色种养殖产业项目",
        "{t}农业服务中心",
        "发展肉牛、中药材种植，建设圈舍和种植基地",
        "入股分红、务工带动、产业奖补到户",
        "带动脱贫户户均增收1000元以上",
        "产业奖补",
        "圈舍建设",
    ),
    (
        "infrastructure",
        "{v}通组硬化路建设项目",
        "{c}交通运输局",
        "硬化通组道路3.2公里，宽4.5米",
        "改善出行条件，优先吸纳脱贫劳动力务工",
        "受益群众满意度≥95%",
        "务工报酬",
        "道路施工",
    ),
    (
        "water",
        "{v}农村饮水安全巩固提升工程",
        "{c}水务局",
        "新建蓄水池1座，铺设管网5公里",
        "解决群众安全饮水问题",
        "农村自来水普及率达到95%",
        "管护补助",
        "管网铺设",
    ),
    (
        "employment",
        "{v}公益性岗位开发项目",
        "{t}人民政府",
        "开发护林、保洁等公益性岗位",
        "安置弱劳动力、半劳动力脱贫人口就业",
        "安置脱贫人口就业20人以上",
        "岗位补贴",
        "",
    ),
    (
        "housing",
        "{v}农村危房改造项目",
        "{c}住房和城乡建设局",
        "C、D级危房改造加固",
        "保障脱贫户和监测对象住房安全",
        "改造危房全部达到安全标准",
        "危房改造补助",
        "房屋加固",
    ),
    (
        "education",
        "{v}雨露计划助学项目",
        "{c}乡村振兴局",
        "资助脱贫家庭子女接受职业教育",
        "阻断贫困代际传递",
        "资助学生全部按时足额发放",
        "雨露计划补助",
        "",
    ),
]
SOURCES = [("central", 0.55), ("provincial", 0.2), ("county", 0.15), ("east_west", 0.07), ("social", 0.03)]
LIFE = ["draft", "proposed", "in_library", "approved", "implementing", "accepted", "announced"]
ACTION_TO = {
    "proposed": "submit",
    "in_library": "library",
    "approved": "approve",
    "implementing": "start",
    "accepted": "accept",
    "announced": "announce",
}


@transaction.atomic
def build_demo(county_code: str, year: int, seed: int) -> dict[str, int]:
    """Projects in the county's villages from year-2 to year; returns counts (projects, payments, …)."""
    rng = random.Random(seed)
    county = Region.objects.get(code=county_code)
    villages = list(Region.objects.filter(code__startswith=county.prefix, level=5).order_by("code"))
    households, members = _households_and_payees(county)
    today = date.today()
    plans = _project_plans(rng, villages, households, year, today)
    projects = _create_projects(county, plans)
    lines, bens, pays, steps = _project_money(rng, county, projects, plans, households, members, today)
    BudgetLine.objects.bulk_create(lines)
    Beneficiary.objects.bulk_create(bens)
    Transition.objects.bulk_create(steps)
    planted = _plant(rng, projects, pays, households, members, villages, today)
    Payment.objects.bulk_create(pays)
    return {"projects": len(projects), "payments": len(pays), "beneficiaries": len(bens), **planted}


def _households_and_payees(county: Region) -> tuple[dict[str, list[Household]], dict[int, Member]]:
    """The county's households by village, and each household's payee: its first living member (usually the
    head)."""
    households: dict[str, list[Household]] = {}
    for h in Household.objects.filter(village__code__startswith=county.prefix, is_deleted=False).order_by(
        "pk"
    ):
        households.setdefault(h.village_id, []).append(h)
    members: dict[int, Member] = {}
    for m in Member.objects.filter(
        household__village__code__startswith=county.prefix, is_deleted=False, death_date__isnull=True
    ).order_by("household_id", "id"):
        members.setdefault(m.household_id, m)  # the first member (usually the head) receives the money
    return households, members


def _project_plans(
    rng: random.Random, villages: list[Region], households: dict, year: int, today: date
) -> list[tuple]:
    """(village, template, start, deadline, status) of one to three projects in every village with
    households."""
    plans = []
    for v in villages:
        if not households.get(v.code):
            continue
        for _ in range(rng.randint(1, 3)):
            # up to this year: this year's projects are still being proposed, stored and approved
            y = rng.randint(year - 2, max(year, today.year))
            tpl = rng.choice(TEMPLATES)
            start = date(y, rng.randint(2, 6), rng.randint(1, 28))
            deadline = start + timedelta(days=rng.choice((120, 180, 240, 300)))
            # older projects are further along; this year's may still be in the library
            stage = (
                min(len(LIFE) - 1, max(0, rng.randint(3, 6) - (y - (year - 2)) + 2))
                if deadline < today
                else rng.randint(0, 4)
            )
            plans.append((v, tpl, start, deadline, LIFE[stage]))
    return plans


def _create_projects(county: Region, plans: list[tuple]) -> list[Project]:
    """The planned projects, saved; returned as stored (with their keys), in the order of the plans."""
    regions = {r.code: r for r in Region.objects.filter(code__startswith=county.prefix, level__in=(3, 4))}
    projects = []
    for v, tpl, start, deadline, status in plans:
        town = regions.get(v.code[:9] + "000")
        kind, name, unit, content, link, targets = tpl[:6]
        projects.append(
            Project(
                name=name.format(v=v.name),
                project_type=kind,
                region=v,
                implementing_unit=unit.format(t=town.name if town else "", c=county.name),
                start_date=start,
                deadline=deadline,
                content=content,
                poverty_link=link,
                performance_targets=targets,
                status=status,
                acceptance_date=deadline - timedelta(days=10)
                if status in ("accepted", "announced")
                else None,
                acceptance_note="验收合格" if status in ("accepted", "announced") else "",
            )
        )
    Project.objects.bulk_create(projects)
    return list(Project.objects.filter(region__code__startswith=county.prefix).order_by("pk"))[
        -len(projects) :
    ]


def _project_money(
    rng: random.Random,
    county: Region,
    projects: list[Project],
    plans: list[tuple],
    households: dict,
    members: dict,
    today: date,
) -> tuple[list[BudgetLine], list[Beneficiary], list[Payment], list[Transition]]:
    """Each project's budget by source, beneficiaries, steps through its lifecycle and, once it is being
    implemented, its payments to households and its contractor (not saved)."""
    lines, bens, pays, steps = [], [], [], []
    for p, (v, tpl, start, _deadline, status) in zip(projects, plans, strict=True):
        chosen = rng.sample(households[v.code], min(len(households[v.code]), rng.randint(3, 12)))
        per_household = Decimal(rng.choice((800, 1000, 1500, 2000, 3000)))
        contract = Decimal(rng.randint(5, 40) * 10000)
        total = per_household * len(chosen) + (contract if tpl[7] else 0)
        budget = (total * Decimal("1.05")).quantize(Decimal("1"))
        for source, share in SOURCES:
            if share >= 0.07 or rng.random() < 0.5:
                lines.append(
                    BudgetLine(
                        project=p,
                        source=source,
                        amount=(budget * Decimal(str(share))).quantize(Decimal("0.01")),
                    )
                )
        bens += [Beneficiary(project=p, household=h) for h in chosen]
        for i, s in enumerate(LIFE[1 : LIFE.index(status) + 1]):
            steps.append(
                Transition(
                    project=p, action=ACTION_TO[s], from_status=LIFE[i], to_status=s, note="演示数据 / demo"
                )
            )
        if status in ("implementing", "accepted", "announced"):
            paid_on = min(start + timedelta(days=60), today)
            for h in chosen:
                m = members.get(h.pk)
                if m:
                    pays.append(
                        Payment(
                            project=p,
                            kind="household",
                            id_number=m.id_number,
                            member=m,
                            payee_name=m.name,
                            item=tpl[6],
                            amount=per_household,
                            paid_on=paid_on,
                        )
                    )
            if tpl[7]:
                pays.append(
                    Payment(
                        project=p,
                        kind="contractor",
                        payee_name=f"{county.name}建设工程有限公司",
                        item=tpl[7],
                        amount=contract,
                        paid_on=paid_on,
                    )
                )
    return lines, bens, pays, steps


def _plant(rng, projects, pays, households, members, villages, today) -> dict[str, int]:
    """A few anomalies for the checks to find: dead payee, duplicate, over budget, outsider, overdue."""
    planted = {}
    household_pays = [x for x in pays if x.kind == "household"]
    if household_pays:
        x = rng.choice(household_pays)  # the payee died before the payment
        Member.objects.filter(pk=x.member.pk).update(death_date=x.paid_on - timedelta(days=30))
        planted["dead_payee"] = 1
        y = rng.choice([p for p in household_pays if p is not x])  # paid twice for the same item
        pays.append(
            Payment(
                project=y.project,
                kind="household",
                id_number=y.id_number,
                member=y.member,
                payee_name=y.payee_name,
                item=y.item,
                amount=y.amount,
                paid_on=y.paid_on + timedelta(days=15),
            )
        )
        planted["duplicate"] = 1
        z = rng.choice(household_pays)  # a contractor payment far above the budget
        pays.append(
            Payment(
                project=z.project,
                kind="contractor",
                payee_name="某某劳务服务有限公司",
                item="追加工程款",
                amount=Decimal(5_000_000),
                paid_on=z.paid_on,
            )
        )
        planted["over_budget"] = 1
    if len(villages) > 1 and projects:
        p = projects[0]
        other = next((v for v in villages if v.code != p.region_id and households.get(v.code)), None)
        if other:
            Beneficiary.objects.get_or_create(project=p, household=households[other.code][0])
            planted["outside_region"] = 1
    late = [p for p in projects if p.status in ("approved", "implementing")]
    if late:
        p = rng.choice(late)
        Project.objects.filter(pk=p.pk).update(deadline=today - timedelta(days=45))
        planted["overdue"] = 1
    return planted
