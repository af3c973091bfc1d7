"""Demo assistance data for a county already in the registry: cadres (some with accounts), assignments,
plans matched to causes, visits, work teams, paired units, leaders and key small matters — with a few
planted gaps the coverage checks find (poor households without a cadre, a poor village without a first
secretary, a cadre over the limit, a measure ended without a result). Bulk writes only."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fupin.assistance.models import (
    Assignment,
    Cadre,
    CauseMeasure,
    KeyMatter,
    LeaderContact,
    MeasureType,
    PairedUnit,
    PlanMeasure,
    SocialHelper,
    TeamMember,
    Visit,
    WorkTeam,
)
from fupin.assistance.services import cadre_limit, load_catalogue
from fupin.engine.schema import POOR_STATUSES
from fupin.regions.models import Region
from fupin.registry.models import HouseholdYear

CADRE_PASSWORD = "Bangfu-2024-demo"
CADRE_ACCOUNTS = 3
UNASSIGNED_GAPS = 3
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
UNITS = ["县农业农村局", "县人社局", "县卫健局", "县教育局", "县住建局", "县水务局", "县民政局", "县财政局"]
RESULTS = ["已落实，家庭收入增加", "已完成，验收合格", "已兑现补助", "已就业，月收入约3000元"]
FINDINGS = [
    "家中生活正常，两不愁三保障达标",
    "户主慢性病需按时服药",
    "子女在校就读正常",
    "春耕生产资料已备齐",
    "房屋安全，饮水正常",
]
MATTERS = ["帮助办理残疾证", "协调孩子转学手续", "修缮漏雨屋顶", "联系医院复诊", "安装入户自来水龙头"]


STOPPED = "家庭情况变化，经村民代表会议同意终止"
OVERDUE_SHARE = 0.08  # households whose cadre has not been for a long while (the visit is overdue)


def _visits(rng: random.Random, hid: int, cadre: Cadre, begun: date, today: date) -> list[Visit]:
    """A cadre's visits to one household from `begun` to `today`, one to four months apart; a few households
    were last visited long ago."""
    last = today - timedelta(days=rng.randint(100, 240)) if rng.random() < OVERDUE_SHARE else today
    out, d = [], begun + timedelta(days=rng.randint(3, 40))
    while d <= last or not out:
        out.append(
            Visit(
                household_id=hid,
                cadre=cadre,
                visitor=cadre.name,
                date=min(d, today),
                found=rng.choice(FINDINGS),
                follow_up=rng.choice(["", "", "下月再访"]),
            )
        )
        d += timedelta(days=rng.randint(30, 120))
    return out


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])


def build_demo(
    county_code: str,
    year: int,
    seed: int,
    *,
    households: dict[int, date] | None = None,
    gaps: int = UNASSIGNED_GAPS,
    today: date | None = None,
) -> dict:
    """Create the county's assistance data for `year`; returns counts, the cadre accounts and the gaps.

    `households`: more households to assist (the monitored ones), each with the day its assistance began;
    `gaps`: how many poor households are left without a cadre (a planted gap). Visits run from the start of
    each household's assistance to `today` (default: today), every one to four months; a few households
    have not been visited for a long while (overdue)."""
    rng = random.Random(seed)
    load_catalogue()
    prefix = county_code[:6]
    county = Region.objects.get(code=prefix.ljust(12, "0"))
    villages = list(Region.objects.filter(level=5, code__startswith=prefix).order_by("code"))
    poor_villages = [v for v in villages if v.is_poor]
    limit = cadre_limit(year, county.code)
    extra = households or {}
    today = today or date.today()
    rows = _households(prefix, year, extra)

    with transaction.atomic():
        unassigned, assigned = rows[:gaps], rows[gaps:]
        # the first cadre carries two households more than the limit (a planted gap)
        blocks = [assigned[: limit + 2]] + [
            assigned[i : i + limit] for i in range(limit + 2, len(assigned), limit)
        ]
        blocks = [b for b in blocks if b]
        blocks += [[] for _ in range(CADRE_ACCOUNTS - len(blocks))]  # every demo cadre account exists
        cadres, accounts = _cadres(rng, blocks, county, date(year, 1, 1))
        work = _household_work(rng, cadres, blocks, extra, year, today)
        teams = _village_work(rng, poor_villages, county, year)
        matters = _key_matters(rng, villages, rows, year)

    return {
        "cadres": len(cadres),
        "assignments": work["assignments"],
        "measures": work["measures"],
        "visits": work["visits"],
        "work_teams": len(teams),
        "matters": len(matters),
        "accounts": accounts,
        "gaps": {
            "unassigned": [no for *_x, no in unassigned],
            "no_first_secretary": poor_villages[0].code if poor_villages else None,
            "over_limit_cadre": cadres[0].name if cadres and len(blocks[0]) > limit else None,
            "ended_without_result": work["ended_without_result"],
        },
    }


def _households(prefix: str, year: int, extra: dict[int, date]) -> list[tuple]:
    """(household_id, village, main cause, household number) of the county's poor households in `year` and
    of the `extra` ones, by household number."""
    return [
        r[:4]
        for r in HouseholdYear.objects.filter(
            year=year,
            is_deleted=False,
            household__is_deleted=False,
            household__village__code__startswith=prefix,
        )
        .order_by("household__household_no")
        .values_list(
            "household_id", "household__village_id", "main_cause", "household__household_no", "status"
        )
        if r[4] in POOR_STATUSES or r[0] in extra
    ]


def _cadres(
    rng: random.Random, blocks: list[list[tuple]], county: Region, start: date
) -> tuple[list[Cadre], list[tuple[str, str, str]]]:
    """A cadre for each block of households, in the region of its first household's township; the first
    CADRE_ACCOUNTS of them sign in (their accounts are made again)."""
    from fupin.accounts.models import User

    hashed = make_password(CADRE_PASSWORD)
    accounts = []
    User.objects.filter(username__in=[f"cadre{i}" for i in range(1, CADRE_ACCOUNTS + 1)]).delete()
    cadres = []
    for i, block in enumerate(blocks):
        region_code = block[0][1][:9] + "000" if block else county.code
        user = None
        if i < CADRE_ACCOUNTS:
            user = User.objects.create(
                username=f"cadre{i + 1}", password=hashed, role="assistance_cadre", region=county
            )
            accounts.append((user.username, CADRE_PASSWORD, county.code))
        cadres.append(
            Cadre(
                user=user,
                name=_name(rng),
                unit=rng.choice(UNITS),
                phone=f"139{rng.randrange(10**8):08d}",
                region_id=region_code if Region.objects.filter(code=region_code).exists() else county.code,
                start_date=start,
            )
        )
    Cadre.objects.bulk_create(cadres)
    return cadres, accounts


def _household_work(
    rng: random.Random,
    cadres: list[Cadre],
    blocks: list[list[tuple]],
    extra: dict[int, date],
    year: int,
    today: date,
) -> dict:
    """Each cadre's households: the assignment, one or two plan measures matched to the main cause, the
    visits; one measure ended without a result (a planted gap). Returns the counts and that measure's id."""
    suggest: dict[str, list[int]] = {}
    for cause, mt in CauseMeasure.objects.values_list("cause", "measure_type_id"):
        suggest.setdefault(cause, []).append(mt)
    any_measure = list(MeasureType.objects.values_list("id", flat=True))
    start = date(year, 1, 1)
    assignments, measures, visits = [], [], []
    ended_without_result = None
    for cadre, block in zip(cadres, blocks, strict=True):
        for hid, _village, cause, _no in block:
            begun = extra.get(hid, start)
            assignments.append(Assignment(cadre=cadre, household_id=hid, start_date=begun))
            options = suggest.get(cause) or any_measure
            for k, mt in enumerate(rng.sample(options, k=min(len(options), rng.choice([1, 2])))):
                # a monitored household has a measure under way (a precondition of 风险消除);
                # (the first measure is matched to the cause and never stopped: stopped ones do not count)
                status = rng.choice(
                    ["in_progress", "done"]
                    if hid in extra and k == 0
                    else ["planned", "in_progress", "done"]
                    if k == 0
                    else ["planned", "in_progress", "done", "stopped", "stopped"]
                )
                ended = status in ("done", "stopped")
                measures.append(
                    PlanMeasure(
                        household_id=hid,
                        year=year,
                        measure_type_id=mt,
                        status=status,
                        amount=rng.choice([None, 500, 1000, 2000, 3000]),
                        start_date=begun,
                        end_date=max(begun, date(year, rng.randint(6, 12), 1)) if ended else None,
                        responsible_unit=cadre.unit,
                        responsible_person=cadre.name,
                        result=(rng.choice(RESULTS) if status == "done" else STOPPED) if ended else "",
                    )
                )
            visits += _visits(rng, hid, cadre, max(begun, start), today)
    if measures:  # planted gap: a measure that ended without a result
        m = measures[0]
        m.status, m.end_date, m.result = "done", date(year, 3, 31), ""
        ended_without_result = m
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    PlanMeasure.objects.bulk_create(measures, batch_size=2000)
    Visit.objects.bulk_create(visits, batch_size=2000)
    return {
        "assignments": len(assignments),
        "measures": len(measures),
        "visits": len(visits),
        "ended_without_result": ended_without_result.pk if ended_without_result else None,
    }


def _village_work(
    rng: random.Random, poor_villages: list[Region], county: Region, year: int
) -> list[WorkTeam]:
    """A work team with a first secretary, a paired unit and a county leader for every poor village — except
    the first, whose team has no first secretary (a planted gap); the county's paired units and leader."""
    teams = [
        WorkTeam(
            village=v,
            name=f"{v.name}驻村工作队",
            sending_unit=rng.choice(UNITS),
            start_date=date(year - 1, 6, 1),
        )
        for v in poor_villages
    ]
    WorkTeam.objects.bulk_create(teams)
    members = []
    for i, t in enumerate(teams):
        members += [
            TeamMember(
                team=t,
                name=_name(rng),
                unit=t.sending_unit,
                is_first_secretary=(j == 0 and i > 0),
                start_date=t.start_date,
            )
            for j in range(3)
        ]
    TeamMember.objects.bulk_create(members)
    PairedUnit.objects.bulk_create(
        [
            PairedUnit(region=v, name=rng.choice(UNITS), kind="paired", start_date=date(year - 1, 1, 1))
            for v in poor_villages
        ]
        + [
            PairedUnit(region=county, name="浙江省宁波市", kind="east_west", start_date=date(2016, 1, 1)),
            PairedUnit(region=county, name="中央某部委", kind="central", start_date=date(2015, 1, 1)),
        ]
    )
    LeaderContact.objects.bulk_create(
        [
            LeaderContact(
                name=_name(rng),
                post=rng.choice(["县委常委", "副县长", "县人大副主任"]),
                level="county",
                region=v,
                start_date=date(year - 1, 1, 1),
            )
            for v in poor_villages
        ]
        + [LeaderContact(name=_name(rng), post="县委书记", level="county", region=county)]
    )
    return teams


def _key_matters(rng: random.Random, villages: list[Region], rows: list[tuple], year: int) -> list[KeyMatter]:
    """Social helpers in the first village and the key small matters of the first households, two of them
    resolved."""
    helpers = (
        [
            SocialHelper(name=n, kind=k, contact=f"138{rng.randrange(10**8):08d}", region=villages[0])
            for n, k in (
                ("村委会委员" + _name(rng), "committee"),
                ("某某农业合作社", "enterprise"),
                ("志愿者" + _name(rng), "volunteer"),
            )
        ]
        if villages
        else []
    )
    SocialHelper.objects.bulk_create(helpers)
    matters = []
    for i, (hid, _v, _c, _no) in enumerate(rows[: len(MATTERS)]):
        done = i < 2
        matters.append(
            KeyMatter(
                household_id=hid,
                helper=helpers[i % len(helpers)] if helpers else None,
                title=MATTERS[i],
                due_date=date(year, 9, 30),
                resolved_date=date(year, 6, 15) if done else None,
                resolution="已办结" if done else "",
            )
        )
    KeyMatter.objects.bulk_create(matters)
    return matters
