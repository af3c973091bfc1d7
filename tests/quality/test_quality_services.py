"""Running the rule catalogue over the store and reconciling the findings worklist."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from factories import household, region_tree, user

from fupin.policy.services import load_defaults
from fupin.quality import services
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import HouseholdYear, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    t = region_tree()
    load_defaults()
    return t


def child_with_labour(hh) -> Member:
    """The factory's third member made an 8-year-old with ordinary labour ability (DQ-C4)."""
    child = hh.members.order_by("id")[2]
    child.birth_date, child.labour = date(2016, 3, 1), "ordinary"
    child.save()
    return child


def snapshot():
    return sorted(
        Finding.objects.values_list(
            "id",
            "rule_id",
            "household_id",
            "member_id",
            "status",
            "value",
            "first_seen_at",
            "closed_at",
            "note",
        )
    )


def test_finding_created_once_with_its_key_and_message(tree):
    hh = household(tree.village_a, "A0001")
    child = child_with_labour(hh)
    op = user("village_operator", tree.village_a)
    run = services.run_quality(op, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    assert (f.household_id, f.member_id, f.year, f.severity, f.status) == (
        hh.pk,
        child.pk,
        2024,
        "error",
        "open",
    )
    assert f.value == "ordinary" and "16岁以下" in f.message_zh and "under 16" in f.message_en
    assert f.first_seen_at == f.last_seen_at
    # the factory household's main cause is illness with everyone healthy: DQ-D1a, a household-year finding
    d1 = Finding.objects.get(rule_id="DQ-D1a")
    assert d1.member_id is None and d1.scope == "household_year" and d1.severity == "suspect"
    assert run.counts["DQ-C4"] == 1 and run.created == Finding.objects.count() == run.findings
    assert (run.user, run.year, run.region_code, run.region_prefix) == (
        op,
        2024,
        tree.village_a.code,
        tree.village_a.code,
    )
    names = {p["name"] for p in run.params}
    assert {"age_working_from", "poverty_line"} <= names
    assert next(p for p in run.params if p["name"] == "age_working_from")["value"] == 16


def test_rerun_without_changes_creates_and_changes_nothing_but_last_seen(tree):
    hh = household(tree.village_a, "A0001")
    child_with_labour(hh)
    household(tree.village_b, "B0001")
    services.run_quality(None, 2024)
    before = snapshot()
    seen = dict(Finding.objects.values_list("id", "last_seen_at"))
    run = services.run_quality(None, 2024)
    assert snapshot() == before
    assert (run.created, run.reopened, run.resolved) == (0, 0, 0) and run.findings == len(before)
    assert all(f.last_seen_at > seen[f.id] for f in Finding.objects.all())
    assert QualityRun.objects.count() == 2


def test_fixing_the_data_then_rerunning_marks_it_resolved(tree):
    hh = household(tree.village_a, "A0001")
    child = child_with_labour(hh)
    services.run_quality(None, 2024)
    Member.objects.filter(pk=child.pk).update(labour="none")
    run = services.run_quality(None, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    assert f.status == "resolved" and f.closed_at is not None and run.resolved == 1
    # the data goes wrong again: the same finding reopens, with its note kept
    Finding.objects.filter(pk=f.pk).update(note="已核实")
    Member.objects.filter(pk=child.pk).update(labour="weak")
    run = services.run_quality(None, 2024)
    f.refresh_from_db()
    assert (f.status, f.value, f.note, f.closed_at, run.reopened) == ("open", "weak", "已核实", None, 1)
    assert Finding.objects.filter(rule_id="DQ-C4").count() == 1


def test_explained_stays_explained_unless_its_value_changes(tree):
    hh = household(tree.village_a, "A0001")
    child = child_with_labour(hh)
    op = user("village_operator", tree.village_a)
    services.run_quality(op, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    with pytest.raises(services.QualityInputError) as e:
        services.set_status(op, [f.pk], "explained", note="  ")
    assert e.value.field == "note" and e.value.en.startswith("a note is required")
    services.set_status(op, [f.pk], "explained", note="孩子在家务农，已核实")
    services.run_quality(op, 2024)
    f.refresh_from_db()
    assert (f.status, f.note, f.closed_by) == ("explained", "孩子在家务农，已核实", op)
    Member.objects.filter(pk=child.pk).update(labour="weak")
    services.run_quality(op, 2024)
    f.refresh_from_db()
    assert (f.status, f.value, f.note) == ("open", "weak", "孩子在家务农，已核实")


def test_fixed_finding_found_again_reopens(tree):
    child_with_labour(household(tree.village_a, "A0001"))
    op = user("village_operator", tree.village_a)
    services.run_quality(op, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    services.set_status(op, [f.pk], "fixed")
    f.refresh_from_db()
    assert f.status == "fixed" and f.closed_by == op
    run = services.run_quality(op, 2024)
    f.refresh_from_db()
    assert f.status == "open" and f.closed_by is None and run.reopened == 1


def test_household_cause_rule_resolves_when_the_cause_is_corrected(tree):
    hh = household(tree.village_a, "A0001")
    services.run_quality(None, 2024)
    assert Finding.objects.get(rule_id="DQ-D1a", household=hh).status == "open"
    Member.objects.filter(household=hh, relation="head").update(health="chronic")
    services.run_quality(None, 2024)
    assert Finding.objects.get(rule_id="DQ-D1a", household=hh).status == "resolved"


def test_run_is_scoped_to_the_users_region(tree):
    child_with_labour(household(tree.village_a, "A0001"))
    hh_b = household(tree.village_b, "B0001")
    child_with_labour(hh_b)
    op_a = user("village_operator", tree.village_a)
    services.run_quality(op_a, 2024)
    assert set(Finding.objects.values_list("household__household_no", flat=True)) == {"A0001"}
    with pytest.raises(Http404):
        services.run_quality(op_a, 2024, tree.village_b.code)
    with pytest.raises(Http404):
        services.run_quality(op_a, 2024, tree.town_a.code)  # above the user's region
    # a run over village A never resolves village B's findings
    services.run_quality(None, 2024, tree.village_b.code)
    HouseholdYear.objects.filter(household=hh_b).update(main_cause="schooling")
    services.run_quality(op_a, 2024)
    assert Finding.objects.get(rule_id="DQ-D1a", household=hh_b).status == "open"


def test_read_only_roles_cannot_run_or_act(tree):
    child_with_labour(household(tree.village_a, "A0001"))
    services.run_quality(None, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    for role in ("supervisor", "auditor", "department_officer"):
        u = user(role, tree.county)
        with pytest.raises(PermissionDenied):
            services.run_quality(u, 2024)
        with pytest.raises(PermissionDenied):
            services.set_status(u, [f.pk], "fixed")
    assert QualityRun.objects.count() == 1 and Finding.objects.get(pk=f.pk).status == "open"


def test_assign_only_to_registry_writers_who_see_the_finding(tree):
    child_with_labour(household(tree.village_a, "A0001"))
    services.run_quality(None, 2024)
    f = Finding.objects.get(rule_id="DQ-C4")
    reviewer = user("township_reviewer", tree.town_a)
    op_a, op_b = user("village_operator", tree.village_a), user("village_operator", tree.village_b)
    services.assign(reviewer, [f.pk], op_a.pk)
    assert Finding.objects.get(pk=f.pk).assignee == op_a
    supervisor = user("supervisor", tree.town_a)
    for who in (op_b, supervisor):
        with pytest.raises(services.QualityInputError):
            services.assign(reviewer, [f.pk], who.pk)
    with pytest.raises(Http404):  # B's operator cannot touch A's finding
        services.assign(op_b, [f.pk], op_b.pk)
    assert Finding.objects.get(pk=f.pk).assignee == op_a


def test_empty_region_runs_cleanly(tree):
    run = services.run_quality(None, 2024, tree.village_a2.code)
    assert (run.findings, run.created, run.counts) == (0, 0, {})


def test_year_without_household_records_finds_nothing(tree):
    child_with_labour(household(tree.village_a, "A0001"))  # records for 2024 only
    services.run_quality(None, 2024)
    run = services.run_quality(None, 2023)
    assert (run.findings, run.created, run.resolved) == (0, 0, 0)
    assert set(Finding.objects.values_list("year", "status").distinct()) == {(2024, "open")}
