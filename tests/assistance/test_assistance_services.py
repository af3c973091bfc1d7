"""Catalogue, plans, visits, assignments and coverage in the store; permissions of the services."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from factories import household

from fupin.accounts.scope import BadRegionCode, OutOfScope
from fupin.assistance import coverage as store_coverage
from fupin.assistance import services
from fupin.assistance.demo import build_demo
from fupin.assistance.models import (
    Assignment,
    Cadre,
    CauseMeasure,
    LeaderContact,
    MeasureType,
    PairedUnit,
    PlanMeasure,
    TeamMember,
    WorkTeam,
)
from fupin.policy.models import Parameter
from fupin.registry.models import HouseholdYear


def test_load_catalogue_is_idempotent_and_creates_the_limit_parameter(tree):
    n = MeasureType.objects.count()
    assert n == 44 and services.load_catalogue() == 0 and MeasureType.objects.count() == n
    assert set(MeasureType.objects.values_list("category", flat=True)) >= {"100A39", "100A45", "100A55"}
    assert set(CauseMeasure.objects.filter(cause="illness").values_list("measure_type__code", flat=True)) >= {
        "HLT01",
        "HLT02",
    }
    p = Parameter.objects.get(name="cadre_household_limit")
    assert p.value == 5 and services.cadre_limit(2024, "520526001201") == 5


def test_catalogue_edit_by_approver_keeps_history(world):
    mt = services.save_measure_type(
        world["approver"],
        code="hlt02",
        name_zh="大病集中救治",
        name_en="Serious illness",
        category="100A45",
        kind="protection",
        active_from=2016,
        active_to=None,
        reason="更名",
    )
    assert mt.code == "HLT02" and mt.name_zh == "大病集中救治"
    change = mt.changes.get()
    assert change.before["name_zh"] == "大病专项救治" and change.after["active_from"] == 2016
    with pytest.raises(PermissionDenied):
        services.save_measure_type(
            world["op_a"],
            code="X1",
            name_zh="x",
            name_en="x",
            category="100A45",
            kind="protection",
            active_from=2014,
            active_to=None,
        )
    with pytest.raises(services.AssistanceError) as e:
        services.save_measure_type(
            world["approver"],
            code="X1",
            name_zh="x",
            name_en="x",
            category="100A99",
            kind="protection",
            active_from=2020,
            active_to=2019,
        )
    assert {p[0] for p in e.value.problems} == {"category", "active_to"}


def test_suggestions_follow_main_and_other_causes(world):
    hy = HouseholdYear.objects.get(household=world["h2"], year=2024)
    hy.other_causes = "illness"
    codes = {m.code for m in services.suggestions(hy)}
    assert {"EDU01", "EDU11", "HLT02"} <= codes and "FIN01" not in codes


def test_cadre_edits_own_household_plan_only(world):
    pm = services.save_plan_measure(
        world["cadre_user"],
        world["h1"],
        year=2024,
        measure_code="HLT02",
        amount="1,500",
        start_date="2024-03-01",
        status="in_progress",
    )
    assert pm.amount == 1500 and pm.measure_type.code == "HLT02"
    with pytest.raises(PermissionDenied):
        services.save_plan_measure(world["cadre_user"], world["h2"], year=2024, measure_code="EDU01")
    with pytest.raises(PermissionDenied):
        services.record_visit(world["cadre_user"], world["h2"], date_="2024-05-01", found="x")
    with pytest.raises(PermissionDenied):
        services.save_plan_measure(world["supervisor"], world["h1"], year=2024, measure_code="HLT02")
    with pytest.raises(PermissionDenied):
        services.save_plan_measure(world["op_b"], world["h1"], year=2024, measure_code="HLT02")


def test_plan_measure_rejects_bad_input_with_every_problem(world):
    with pytest.raises(services.AssistanceError) as e:
        services.save_plan_measure(
            world["op_a"],
            world["h1"],
            year=2024,
            measure_code="NOPE",
            amount="abc",
            start_date="2024-05-01",
            end_date="2024-04-01",
            status="weird",
        )
    fields = {p[0] for p in e.value.problems}
    assert fields == {"measure_code", "amount", "end_date", "status"}
    assert "措施目录中没有该措施：NOPE" in e.value.problems[0][1]
    assert PlanMeasure.objects.count() == 0


def test_ended_cadre_assignment_loses_the_right_to_write(world):
    services.assign_cadre(world["op_a"], world["h1"], world["other_cadre"], start_date="2024-06-01")
    old = Assignment.objects.get(household=world["h1"], cadre=world["cadre"])
    assert old.end_date == date(2024, 5, 31)  # history kept
    assert Assignment.objects.filter(household=world["h1"]).count() == 2
    assert not services.can_write_plan(world["cadre_user"], world["h1"])
    assert services.can_write_plan(world["other_user"], world["h1"])


def test_visit_records_the_cadre(world):
    v = services.record_visit(
        world["cadre_user"],
        world["h1"],
        date_="2024-05-01",
        found="户主住院，需医疗救助",
        follow_up="联系乡卫生院",
    )
    assert v.cadre == world["cadre"] and v.visitor == "张帮扶"
    with pytest.raises(services.AssistanceError) as e:
        services.record_visit(world["cadre_user"], world["h1"], date_="2999-01-01", found="")
    assert {p[0] for p in e.value.problems} == {"date", "found"}


def _ids(df, check):
    return sorted(df.filter(df["check_id"] == check)["subject"].to_list())


def test_coverage_in_the_store(world):
    tree = world["tree"]
    df = store_coverage.findings_for(world["approver"], year=2024)
    # h3 has no cadre; no household has a measure; village A is poor with nothing
    assert _ids(df, "COV-H1") == ["520526002201001"]
    assert _ids(df, "COV-H2") == ["520526001201001", "520526001201002", "520526002201001"]
    assert _ids(df, "COV-V1") == _ids(df, "COV-V2") == _ids(df, "COV-V3") == _ids(df, "COV-V4") == ["石板村"]
    services.save_plan_measure(world["op_a"], world["h1"], year=2024, measure_code="HLT02")
    services.save_plan_measure(world["op_a"], world["h2"], year=2024, measure_code="FIN01")  # not matched
    team = WorkTeam.objects.create(village=tree.village_a, name="队", start_date=date(2023, 1, 1))
    TeamMember.objects.create(team=team, name="王书记", is_first_secretary=True, start_date=date(2023, 1, 1))
    PairedUnit.objects.create(region=tree.village_a, name="县财政局")
    LeaderContact.objects.create(region=tree.village_a, name="赵县长", level="county")
    df = store_coverage.findings_for(world["approver"], year=2024)
    assert _ids(df, "COV-H2") == ["520526001201002", "520526002201001"]
    assert df.filter(df["scope"] == "village").height == 0
    # the limit comes from the policy parameter
    Parameter.objects.filter(name="cadre_household_limit").update(value=0)
    assert _ids(store_coverage.findings_for(world["approver"], year=2024), "COV-C1") == ["张帮扶", "李帮扶"]


def test_coverage_is_scoped(world):
    df = store_coverage.findings_for(world["op_b"], year=2024)
    assert set(df["region_code"].to_list()) == {"520526002201"}
    with pytest.raises(OutOfScope):
        store_coverage.findings_for(world["op_b"], year=2024, region="520526001201")
    with pytest.raises(BadRegionCode):  # an input error, no longer taken for a region outside the scope
        store_coverage.findings_for(world["op_b"], year=2024, region="52x")


def test_demo_builds_data_with_planted_gaps(tree):
    for i in range(14):
        household(
            tree.village_a if i % 2 else tree.village_b, main_cause=["illness", "schooling", "other"][i % 3]
        )
    household(tree.village_a, status="exited_policy")
    result = build_demo("520526", 2024, seed=7)
    assert result["accounts"][0][0] == "cadre1" and Cadre.objects.filter(user__isnull=False).count() == 3
    df = store_coverage.findings_for(None, year=2024)
    counts = dict(df.group_by("check_id").len().iter_rows())
    assert sorted(_ids(df, "COV-H1")) == sorted(result["gaps"]["unassigned"]) and counts["COV-H1"] == 3
    assert counts["COV-C1"] == 1 and _ids(df, "COV-C1") == [result["gaps"]["over_limit_cadre"]]
    assert df.filter(df["check_id"] == "COV-M1")["measure_id"].to_list() == [
        result["gaps"]["ended_without_result"]
    ]
    assert df.filter(df["check_id"] == "COV-V2")["region_code"].to_list() == ["520526001201"]
    # every assigned poor household has a matched measure: only the unassigned ones lack one
    assert sorted(_ids(df, "COV-H2")) == sorted(result["gaps"]["unassigned"])
    assert "COV-V1" not in counts and "COV-V3" not in counts
