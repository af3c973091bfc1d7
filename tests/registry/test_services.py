"""The single-household write path used by forms and the API: validation, scope, history, membership."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from factories import household, id_number, region_tree, user

from fupin.registry import services
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return region_tree()


def new_household(village, no="H-NEW-1"):
    return (
        {
            "household_no": no,
            "year": 2024,
            "region_code": village.code,
            "status": "poor",
            "household_type": "poor",
            "main_cause": "illness",
            "wage_income": "6000",
            "business_cost": "300",
        },
        [
            {"name": "王大", "id_number": id_number(born=date(1975, 1, 1), male=True), "relation": "head"},
            {"name": "刘二", "id_number": id_number(born=date(1977, 1, 1), male=False), "relation": "spouse"},
        ],
    )


def test_operator_creates_household_with_history(tree):
    op = user("village_operator", tree.village_a)
    hh_data, members = new_household(tree.village_a)
    hh = services.save_household(op, hh_data, members, reason="新识别")
    assert hh.village_id == tree.village_a.code and hh.size == 2 and hh.head_name == "王大"
    year = hh.years.get(year=2024)
    assert year.net_income == 5700 and year.net_income_per_capita == 2850
    assert Membership.objects.filter(household=hh, start_reason="registered").count() == 2
    assert Change.objects.filter(household=hh, action="create", user=op).exists()


def test_invalid_input_saves_nothing(tree):
    op = user("village_operator", tree.village_a)
    hh_data, members = new_household(tree.village_a)
    members[1]["relation"] = "之子"  # a woman
    with pytest.raises(services.ValidationFailed) as e:
        services.save_household(op, hh_data, members)
    assert e.value.as_list()[0]["rule"] == "relation.sex"
    assert not Household.objects.exists() and not Member.objects.exists()


def test_operator_cannot_create_in_another_village(tree):
    op = user("village_operator", tree.village_a)
    hh_data, members = new_household(tree.village_b)
    with pytest.raises(services.ValidationFailed) as e:
        services.save_household(op, hh_data, members)
    assert e.value.as_list()[0]["rule"] == "scope.region"
    assert not Household.objects.exists()


def test_supervisor_cannot_write(tree):
    sup = user("supervisor", tree.county)
    with pytest.raises(PermissionDenied):
        services.save_household(sup, *new_household(tree.village_a))
    hh = household(tree.village_a)
    with pytest.raises(PermissionDenied):
        services.delete_household(sup, hh.household_no, reason="x")
    assert not Household.objects.get(pk=hh.pk).is_deleted


def test_update_records_before_and_after_and_reimport_is_silent(tree):
    op = user("village_operator", tree.village_a)
    hh_data, members = new_household(tree.village_a)
    services.save_household(op, hh_data, members)
    before = Change.objects.count()
    services.save_household(op, hh_data, members)  # the same data again: nothing changes
    assert Change.objects.count() == before
    services.save_household(op, hh_data | {"wage_income": "9000"}, [], reason="收入核实")
    change = Change.objects.filter(entity="household_year", action="update").get()
    assert change.reason == "收入核实"
    assert "9000" in str(change.after) and "6000" in str(change.before)
    assert HouseholdYear.objects.get().net_income_per_capita == 4350


def test_operator_cannot_touch_other_village_household(tree):
    op = user("village_operator", tree.village_a)
    other = household(tree.village_b)
    with pytest.raises(Household.DoesNotExist):
        services.delete_household(op, other.household_no, reason="x")
    with pytest.raises(Household.DoesNotExist):
        services.save_household(
            op,
            {
                "household_no": other.household_no,
                "year": 2024,
                "region_code": tree.village_b.code,
                "status": "poor",
            },
            create=False,
        )


def test_delete_marks_and_restore(tree):
    op = user("village_operator", tree.village_a)
    hh = household(tree.village_a)
    with pytest.raises(services.ValidationFailed):
        services.delete_household(op, hh.household_no, reason=" ")
    services.delete_household(op, hh.household_no, reason="重复登记")
    hh.refresh_from_db()
    assert hh.is_deleted and Household.objects.filter(pk=hh.pk).exists()
    services.restore_household(op, hh.household_no, reason="误删")
    assert not Household.objects.get(pk=hh.pk).is_deleted
    assert list(Change.objects.filter(household=hh).values_list("action", flat=True)) == ["restore", "delete"]


def test_death_ends_membership_and_updates_per_capita(tree):
    op = user("village_operator", tree.village_a)
    hh = household(tree.village_a, members=3, wage="6000")
    child = hh.members.exclude(relation__in=["head", "spouse"]).get()
    services.end_membership(op, child.id_number, reason_code="death", on_date=date(2024, 3, 1), note="病故")
    child.refresh_from_db()
    hh.refresh_from_db()
    assert child.household is None and child.death_date == date(2024, 3, 1)
    assert Membership.objects.get(member=child).end_reason == "death"
    assert hh.size == 2 and hh.years.get(year=2024).net_income_per_capita == 3000


def test_head_cannot_leave_before_a_new_head_is_named(tree):
    op = user("village_operator", tree.village_a)
    hh = household(tree.village_a)
    head = hh.members.get(relation="head")
    with pytest.raises(services.ValidationFailed) as e:
        services.end_membership(op, head.id_number, reason_code="move", on_date=date(2024, 1, 1))
    assert e.value.as_list()[0]["rule"] == "household.head_leaving"


def test_marriage_moves_a_person_with_history(tree):
    op = user("township_reviewer", tree.town_a)
    a = household(tree.village_a, members=3)
    b = household(tree.village_a2, members=2)
    child = a.members.exclude(relation__in=["head", "spouse"]).get()
    relation = "daughter_in_law" if child.sex == "2" else "son_in_law"
    services.move_member(
        op,
        child.id_number,
        b.household_no,
        relation=relation,
        reason_code="marriage",
        on_date=date(2024, 5, 1),
    )
    child.refresh_from_db()
    assert child.household == b and child.relation == relation
    periods = list(Membership.objects.filter(member=child).values_list("household_id", "end_reason"))
    assert periods == [(a.pk, "marriage"), (b.pk, "")]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.size, b.size) == (2, 3)


def test_move_checks_relation_against_sex(tree):
    op = user("township_reviewer", tree.town_a)
    a = household(tree.village_a, members=3)
    b = household(tree.village_a2, members=2)
    child = a.members.exclude(relation__in=["head", "spouse"]).get()
    wrong = "son_in_law" if child.sex == "2" else "daughter_in_law"
    with pytest.raises(services.ValidationFailed) as e:
        services.move_member(
            op,
            child.id_number,
            b.household_no,
            relation=wrong,
            reason_code="marriage",
            on_date=date(2024, 5, 1),
        )
    assert e.value.as_list()[0]["rule"] == "relation.sex"
    assert Member.objects.get(pk=child.pk).household == a
