"""The write-side household pages: create/edit with inline validator errors, delete/restore, member changes."""

from datetime import date

import pytest
from django.urls import reverse
from factories import household, id_number, user

from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership

pytestmark = pytest.mark.django_db

try:  # successful saves need the bulk writer (written in parallel)
    from fupin.registry.bulk import save_validated  # noqa: F401

    HAS_BULK = True
except ImportError:  # pragma: no cover
    HAS_BULK = False
needs_bulk = pytest.mark.skipif(not HAS_BULK, reason="fupin.registry.bulk not written yet")


def signed_in(client, account):
    client.force_login(account)  # django-axes needs a request for login(); the password is not under test
    return client


def wrong_checksum(valid: str) -> str:
    last = "0" if valid[-1] != "0" else "1"
    return valid[:-1] + last


def create_post(village_code: str, members: list[dict], **household) -> dict:
    data = {
        "household_no": "H-NEW-1",
        "year": "2024",
        "region_code": village_code,
        "status": "poor",
        "household_type": "poor",
        "main_cause": "illness",
        "wage_income": "1,200",
        "phone": "13800138000",
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "1000",
    }
    data.update(household)
    for i, m in enumerate(members):
        data.update({f"m-{i}-{k}": v for k, v in m.items()})
    return data


def edit_post(client, hh: Household, **changes) -> dict:
    """The edit form as the page renders it (initial values), with `changes` applied."""
    form = client.get(reverse("registry:household_edit", args=[hh.household_no])).context
    data = {k: v for k, v in form["form"].initial.items() if v is not None}
    data["other_causes"] = data.get("other_causes") or []
    fs = form["formset"]
    data.update(
        {
            "m-TOTAL_FORMS": str(len(fs.forms)),
            "m-INITIAL_FORMS": str(fs.initial_form_count()),
            "m-MIN_NUM_FORMS": "0",
            "m-MAX_NUM_FORMS": "1000",
        }
    )
    for i, f in enumerate(fs.forms):
        for k, v in f.initial.items():
            data[f"m-{i}-{k}"] = v
    data.update(changes)
    return data


def test_create_with_wrong_checksum_shows_the_message_inline_and_saves_nothing(client, tree):
    operator = user("village_operator", tree.village_a)
    bad_id = wrong_checksum(id_number(born=date(1970, 5, 1)))
    data = create_post(
        tree.village_a.code, [{"name": "张三", "id_number": bad_id, "sex": "1", "relation": "head"}]
    )
    response = signed_in(client, operator).post(reverse("registry:household_create"), data)

    assert response.status_code == 200
    row = response.context["formset"].forms[0]
    assert any("证件号码校验位错误" in e for e in row.errors["id_number"])
    html = response.content.decode()
    assert "证件号码校验位错误（应为" in html  # inline, in Chinese by default
    assert "成员 1 张三" in html  # the summary at the top names the row
    assert Household.objects.count() == 0
    assert Member.objects.count() == 0


def test_errors_are_shown_in_english_when_english_is_active(client, tree):
    operator = user("village_operator", tree.village_a)
    client = signed_in(client, operator)
    client.cookies["django_language"] = "en"
    data = create_post(
        tree.village_a.code, [{"name": "Li", "id_number": "12345", "relation": "head"}], region_code=""
    )
    html = client.post(reverse("registry:household_create"), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "an ID number has 18 characters" in html
    assert "the village code is required" in html
    assert Household.objects.count() == 0


def test_household_field_problems_are_attached_to_their_fields(client, tree):
    operator = user("village_operator", tree.village_a)
    data = create_post(
        tree.village_a.code,
        [{"name": "张三", "id_number": id_number(), "sex": "1", "relation": "head"}],
        wage_income="很多",
        phone="12",
    )
    response = signed_in(client, operator).post(reverse("registry:household_create"), data)
    form = response.context["form"]
    assert form.errors["wage_income"] == ["工资性收入不是有效金额"]
    assert form.errors["phone"] == ["联系电话应为11位手机号或带区号的固定电话"]
    assert Household.objects.count() == 0


def test_village_select_is_limited_to_the_users_scope(client, tree):
    operator = user("village_operator", tree.village_a)
    response = signed_in(client, operator).get(reverse("registry:household_create"))
    codes_offered = [c for c, _ in response.context["form"].fields["region_code"].choices if c]
    assert codes_offered == [tree.village_a.code]
    # posting another village's code is refused by the validator, inline
    data = create_post(tree.village_b.code, [{"name": "张三", "id_number": id_number(), "relation": "head"}])
    response = client.post(reverse("registry:household_create"), data)
    assert response.status_code == 200
    assert Household.objects.count() == 0


def test_supervisor_gets_403_on_create_edit_delete_member_change_and_import(client, tree):
    hh = household(tree.village_a)
    supervisor = user("supervisor", tree.county)
    client = signed_in(client, supervisor)
    head = hh.members.get(relation="head")
    for url in (
        reverse("registry:household_create"),
        reverse("registry:household_edit", args=[hh.household_no]),
        reverse("registry:household_delete", args=[hh.household_no]),
        reverse("registry:member_change", args=[hh.household_no, head.pk]),
        reverse("registry:import_upload"),
        reverse("registry:import_template"),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert not Change.objects.exists()


def test_anonymous_user_is_sent_to_sign_in(client, tree):
    response = client.get(reverse("registry:household_create"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_village_operator_of_a_gets_404_on_households_of_b(client, tree):
    other = household(tree.village_b)
    operator = user("village_operator", tree.village_a)
    client = signed_in(client, operator)
    head = other.members.get(relation="head")
    for url in (
        reverse("registry:household_edit", args=[other.household_no]),
        reverse("registry:household_delete", args=[other.household_no]),
        reverse("registry:member_change", args=[other.household_no, head.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("registry:household_delete", args=[other.household_no]),
            {"action": "delete", "reason": "x"},
        ).status_code
        == 404
    )
    assert not Household.objects.get(pk=other.pk).is_deleted


def test_edit_page_prefills_the_chosen_year_and_shows_derived_income(client, tree):
    hh = household(tree.village_a, wage="9000", members=3)
    HouseholdYear.objects.create(
        household=hh,
        year=2023,
        status="poor",
        wage_income=5000,
        size=3,
        net_income=5000,
        net_income_per_capita="1666.67",
    )
    client = signed_in(client, user("village_operator", tree.village_a))
    response = client.get(reverse("registry:household_edit", args=[hh.household_no]) + "?year=2023")
    form = response.context["form"]
    assert form.initial["year"] == "2023"
    assert form.initial["wage_income"] == "5000"
    assert "1666.67" in response.content.decode()
    assert "net_income" not in form.fields  # derived, never typed
    response = client.get(reverse("registry:household_edit", args=[hh.household_no]))
    assert response.context["form"].initial["year"] == "2024"
    assert response.context["form"].initial["wage_income"] == "9000"
    assert len(response.context["formset"].initial_forms) == 3


def test_edit_requires_a_reason(client, tree):
    hh = household(tree.village_a)
    client = signed_in(client, user("village_operator", tree.village_a))
    data = edit_post(client, hh, wage_income="7000")
    response = client.post(reverse("registry:household_edit", args=[hh.household_no]), data)
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert HouseholdYear.objects.get(household=hh, year=2024).wage_income == 6000


@needs_bulk
def test_successful_edit_saves_and_records_the_reason(client, tree):
    hh = household(tree.village_a, wage="6000", members=3)
    client = signed_in(client, user("village_operator", tree.village_a))
    data = edit_post(client, hh, wage_income="7,500", reason="入户核实收入")
    response = client.post(reverse("registry:household_edit", args=[hh.household_no]), data)
    assert response.status_code == 302, response.context and response.context["summary"]
    assert response["Location"] == reverse("registry:household_detail", args=[hh.household_no])
    record = HouseholdYear.objects.get(household=hh, year=2024)
    assert record.wage_income == 7500
    assert record.net_income == 7500
    assert str(record.net_income_per_capita) == "2500.00"
    change = Change.objects.get(household=hh, entity="household_year", action="update")
    assert change.reason == "入户核实收入"
    assert change.after["wage_income"] == "7500.00"
    assert change.before["wage_income"] == "6000.00"


@needs_bulk
def test_locked_member_rows_are_saved_as_stored_and_corrected_rows_as_typed(client, tree):
    hh = household(tree.village_a, members=3)
    spouse = hh.members.get(relation="spouse")
    client = signed_in(client, user("village_operator", tree.village_a))
    data = edit_post(client, hh, reason="更正")
    i = next(i for i in range(3) if data[f"m-{i}-original_id"] == spouse.id_number)
    data[f"m-{i}-name"] = "改过的名字"  # posted without ticking "correct": ignored
    client.post(reverse("registry:household_edit", args=[hh.household_no]), data)
    spouse.refresh_from_db()
    assert spouse.name != "改过的名字"
    data[f"m-{i}-correct"] = "on"
    data[f"m-{i}-health"] = "chronic"
    response = client.post(reverse("registry:household_edit", args=[hh.household_no]), data)
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert (spouse.name, spouse.health) == ("改过的名字", "chronic")


@needs_bulk
def test_edit_with_a_new_member_row_error_keeps_everything_unchanged(client, tree):
    hh = household(tree.village_a, members=2)
    client = signed_in(client, user("village_operator", tree.village_a))
    data = edit_post(client, hh, reason="新增成员")
    data.update(
        {
            "m-TOTAL_FORMS": "3",
            "m-2-name": "新生儿",
            "m-2-id_number": wrong_checksum(id_number()),
            "m-2-relation": "son",
        }
    )
    response = client.post(reverse("registry:household_edit", args=[hh.household_no]), data)
    assert response.status_code == 200
    assert any("校验位错误" in e for e in response.context["formset"].forms[2].errors["id_number"])
    assert hh.members.count() == 2


@needs_bulk
def test_successful_create_saves_household_members_and_history(client, tree):
    operator = user("village_operator", tree.village_a)
    head_id = id_number(born=date(1970, 5, 1))
    data = create_post(
        tree.village_a.code,
        [
            {"name": "张三", "id_number": head_id, "sex": "1", "relation": "head", "health": "healthy"},
            {
                "name": "李四",
                "id_number": id_number(born=date(1972, 1, 1), male=False),
                "sex": "2",
                "relation": "spouse",
            },
            {},  # a blank extra row is ignored
        ],
        **{"m-TOTAL_FORMS": "3"},
    )
    response = signed_in(client, operator).post(reverse("registry:household_create"), data)
    assert response.status_code == 302
    hh = Household.objects.get(household_no="H-NEW-1")
    assert (hh.village_id, hh.size, hh.head_name) == (tree.village_a.code, 2, "张三")
    record = hh.years.get(year=2024)
    assert (record.status, record.wage_income, str(record.net_income_per_capita)) == ("poor", 1200, "600.00")
    assert Change.objects.filter(household=hh, action="create").exists()


@needs_bulk
def test_creating_an_existing_household_number_is_refused_inline(client, tree):
    hh = household(tree.village_a)
    data = create_post(
        tree.village_a.code,
        [{"name": "张三", "id_number": id_number(), "relation": "head"}],
        household_no=hh.household_no,
    )
    response = signed_in(client, user("village_operator", tree.village_a)).post(
        reverse("registry:household_create"), data
    )
    assert response.context["form"].errors["household_no"] == ["该户编号已存在"]


def test_delete_and_restore_household_with_reason(client, tree):
    hh = household(tree.village_a)
    client = signed_in(client, user("village_operator", tree.village_a))
    url = reverse("registry:household_delete", args=[hh.household_no])
    response = client.post(url, {"action": "delete", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not Household.objects.get(pk=hh.pk).is_deleted

    response = client.post(url, {"action": "delete", "reason": "重复建档"})
    assert response.status_code == 302
    assert Household.objects.get(pk=hh.pk).is_deleted
    assert Change.objects.get(household=hh, action="delete").reason == "重复建档"
    assert "恢复" in client.get(url).content.decode()

    response = client.post(url, {"action": "restore", "reason": "误删"})
    assert response.status_code == 302
    assert not Household.objects.get(pk=hh.pk).is_deleted
    assert Change.objects.get(household=hh, action="restore").reason == "误删"


def test_delete_one_yearly_record(client, tree):
    hh = household(tree.village_a, year=2024)
    HouseholdYear.objects.create(household=hh, year=2023, status="poor", size=3)
    client = signed_in(client, user("township_reviewer", tree.town_a))
    url = reverse("registry:household_delete", args=[hh.household_no])
    response = client.post(url, {"action": "delete_year", "year": "2023", "reason": ""})
    assert response.context["year_form"].errors["reason"]
    response = client.post(url, {"action": "delete_year", "year": "2023", "reason": "年度录入错误"})
    assert response.status_code == 302
    assert HouseholdYear.objects.get(household=hh, year=2023).is_deleted
    assert not HouseholdYear.objects.get(household=hh, year=2024).is_deleted
    assert not Household.objects.get(pk=hh.pk).is_deleted


def test_member_death_ends_the_membership(client, tree):
    hh = household(tree.village_a, members=3)
    child = hh.members.exclude(relation__in=["head", "spouse"]).get()
    client = signed_in(client, user("village_operator", tree.village_a))
    url = reverse("registry:member_change", args=[hh.household_no, child.pk])
    response = client.post(
        url, {"action": "leave", "reason_code": "death", "on_date": "2024-03-01", "note": "病故"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.household_id is None
    assert child.death_date == date(2024, 3, 1)
    period = Membership.objects.get(member=child)
    assert (period.end_date, period.end_reason) == (date(2024, 3, 1), "death")
    hh.refresh_from_db()
    assert hh.size == 2
    assert Change.objects.get(household=hh, action="move").reason == "病故"


def test_member_change_errors_are_inline(client, tree):
    hh = household(tree.village_a, members=3)
    head = hh.members.get(relation="head")
    client = signed_in(client, user("village_operator", tree.village_a))
    url = reverse("registry:member_change", args=[hh.household_no, head.pk])
    response = client.post(url, {"action": "leave", "reason_code": "death", "on_date": "2024-03-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["relation"] == ["户主离开前请先指定新的户主"]
    response = client.post(url, {"action": "leave", "reason_code": "", "on_date": ""})
    assert set(response.context["form"].errors) == {"reason_code", "on_date"}
    head.refresh_from_db()
    assert head.household_id == hh.pk


def test_member_moves_to_another_household(client, tree):
    hh = household(tree.village_a, members=3)
    target = household(tree.village_a2, members=2)
    daughter = hh.members.exclude(relation__in=["head", "spouse"]).get()
    client = signed_in(client, user("township_reviewer", tree.town_a))
    url = reverse("registry:member_change", args=[hh.household_no, daughter.pk])
    response = client.post(
        url,
        {
            "action": "move",
            "to_household_no": "NOPE",
            "relation": "daughter_in_law",
            "reason_code": "marriage",
            "on_date": "2024-05-01",
        },
    )
    assert response.context["form"].errors["to_household_no"]
    response = client.post(
        url,
        {
            "action": "move",
            "to_household_no": target.household_no,
            "relation": "other",
            "reason_code": "marriage",
            "on_date": "2024-05-01",
        },
    )
    assert response.status_code == 302
    daughter.refresh_from_db()
    assert daughter.household_id == target.pk
    assert Membership.objects.filter(member=daughter).count() == 2
