"""The demo plants every anti-"数字脱贫" case through the services, and a run of the rules finds each one."""

from datetime import date
from decimal import Decimal

import pytest
from factories import household, region_tree, user

from fupin.funds import services as funds
from fupin.policy.services import load_defaults
from fupin.quality.demo import build_demo
from fupin.quality.models import Finding
from fupin.registry.models import HouseholdYear

pytestmark = pytest.mark.django_db


def test_demo_plants_each_case_and_the_worklist_shows_it():
    t = region_tree()
    load_defaults()
    for i in range(7):
        hh = household(
            t.village_a, f"A{i:04d}", status="exited_policy", household_type="exited", wage="15000"
        )
        HouseholdYear.objects.create(
            household=hh,
            year=2023,
            status="poor",
            household_type="poor",
            main_cause="illness",
            wage_income=Decimal(9000),
            size=3,
            net_income=Decimal(9000),
        )
    household(t.village_b, "B0001")
    county, op = user("county_approver", t.county), user("village_operator", t.village_a)
    d = funds.ProjectData(
        name="石板村肉牛养殖项目",
        project_type="industry",
        region_code=t.village_a.code,
        implementing_unit="草海镇农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
        content="建设圈舍",
        poverty_link="入股分红",
        performance_targets="户均增收1000元",
        budget={"central": "80000"},
    )
    p = funds.create_project(op, d)
    for who, action in ((op, "submit"), (county, "library"), (county, "approve")):
        p = funds.transition(who, p, action)

    counts = build_demo(t.county.code, 2024, seed=7, today=date(2026, 1, 15))
    assert counts["exits"] == 6 and counts["payments"] == 2
    found = set(Finding.objects.filter(rule_id__startswith="DQ-K").values_list("rule_id", flat=True))
    assert found == {"DQ-K1", "DQ-K2", "DQ-K3", "DQ-K4", "DQ-K5a", "DQ-K5b"}
    assert Finding.objects.filter(rule_id="DQ-K4").count() == 6
    assert counts["DQ-K4"] == 6 and counts["findings"] >= 11
