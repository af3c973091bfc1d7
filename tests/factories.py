"""Small, explicit builders for tests: a region tree, accounts per role, households with valid IDs.

Import with `from factories import ...` (tests/ is on sys.path through the root conftest).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fupin.accounts.models import User
from fupin.regions.models import Region
from fupin.registry.models import Household, HouseholdYear, Member, Membership

PASSWORD = "Correct-Horse-77"
_seq = itertools.count(1)


def id_number(
    region6: str = "520526", born: date = date(1980, 1, 1), male: bool = True, seq: int | None = None
) -> str:
    """A valid 18-digit ID (GB 11643 check digit)."""
    n = next(_seq) if seq is None else seq
    order = (n % 499) * 2 + (1 if male else 0)  # odd = male
    body = f"{region6}{born:%Y%m%d}{order:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


@dataclass
class Tree:
    province: Region
    city: Region
    county: Region
    town_a: Region
    town_b: Region
    village_a: Region  # in town_a
    village_a2: Region  # in town_a
    village_b: Region  # in town_b


def region(code: str, name: str, level: int, parent: Region | None = None) -> Region:
    r, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return r


def region_tree() -> Tree:
    p = region("520000000000", "贵州省", 1)
    c = region("520500000000", "毕节市", 2, p)
    k = region("520526000000", "威宁彝族回族苗族自治县", 3, c)
    ta = region("520526001000", "草海镇", 4, k)
    tb = region("520526002000", "幺站镇", 4, k)
    return Tree(
        p,
        c,
        k,
        ta,
        tb,
        region("520526001201", "石板村", 5, ta),
        region("520526001202", "新寨村", 5, ta),
        region("520526002201", "龙场村", 5, tb),
    )


def user(role: str, area: Region | None, username: str | None = None) -> User:
    username = username or f"{role}-{area.code if area else 'all'}"
    return User.objects.create_user(username, password=PASSWORD, role=role, region=area)


def household(
    village: Region,
    household_no: str | None = None,
    *,
    year: int = 2024,
    status: str = "poor",
    members: int = 3,
    wage: str = "6000",
    main_cause: str = "illness",
    household_type: str = "poor",
) -> Household:
    """A household with a head, a spouse and children, and one yearly record, written directly."""
    household_no = household_no or f"{village.code}{next(_seq):04d}"
    hh = Household.objects.create(household_no=household_no, village=village, phone="13800138000")
    people = [("户主甲", "head", True, date(1970, 5, 1)), ("配偶乙", "spouse", False, date(1972, 3, 2))]
    people += [
        (f"子女{i}", "son" if i % 2 else "daughter", bool(i % 2), date(2000 + i, 1, 1))
        for i in range(1, members - 1)
    ]
    for name, relation, male, born in people[:members]:
        m = Member.objects.create(
            id_number=id_number(village.code[:6], born, male),
            name=f"{name}{hh.pk}",
            sex="1" if male else "2",
            birth_date=born,
            household=hh,
            relation=relation,
            health="healthy",
            labour="ordinary",
        )
        Membership.objects.create(
            member=m, household=hh, relation=relation, start_date=date(2014, 1, 1), start_reason="registered"
        )
    hh.size, hh.head_name = members, f"户主甲{hh.pk}"
    hh.save()
    net = Decimal(wage)
    HouseholdYear.objects.create(
        household=hh,
        year=year,
        status=status,
        household_type=household_type,
        main_cause=main_cause,
        wage_income=net,
        size=members,
        net_income=net,
        net_income_per_capita=(net / members).quantize(Decimal("0.01")),
    )
    return hh


def api_client(u: User):
    """A Django test client that calls the API with a fresh bearer token of `u`."""
    from django.test import Client

    from fupin.accounts.auth import issue_token

    return Client(headers={"Authorization": f"Bearer {issue_token(u, 't')}"})


def assert_edit_conflict(r) -> None:
    """The API refused an edit based on an older version of the record: 409, code edit.conflict, zh and en."""
    assert r.status_code == 409, r.content
    [item] = r.json()["detail"]
    assert item["code"] == "edit.conflict" and "已被他人修改" in item["message"]["zh"]
    assert "changed by someone else" in item["message"]["en"]


# The answers of a verification visit (evaluation/) that finds everything secured: a form post, an API body
# or a workbook row.
VISIT = {
    "visited_on": "2020-11-05",
    "income_pc": "6200",
    "food": "是",
    "clothing": "是",
    "education": "是",
    "medical": "是",
    "housing": "是",
    "water": "是",
    "approves": "是",
    "note": "",
}
