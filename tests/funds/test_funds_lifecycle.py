from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from factories import household
from funds_helpers import make_project, move

from fupin.accounts.scope import OutOfScope
from fupin.funds import services
from fupin.funds.models import Project, Transition
from fupin.funds.selectors import get_project_for


def pay(u, p, member, **kw):
    return services.add_payment(
        u,
        p,
        services.PaymentData(
            kind="household",
            id_number=member.id_number,
            payee_name="",
            item=kw.get("item", "产业奖补"),
            amount=kw.get("amount", "1000"),
            paid_on=date(2024, 5, 1),
        ),
    )


def test_full_lifecycle_records_each_step(approved, people):
    p = move(approved, people["village"], "start")
    p = move(p, people["county"], "accept", "announce")
    assert p.status == "announced" and p.acceptance_date == date.today()
    steps = list(
        Transition.objects.filter(project=p).values_list(
            "action", "from_status", "to_status", "user__username"
        )
    )
    assert steps == [
        ("create", "", "draft", "village_operator-520526001201"),
        ("submit", "draft", "proposed", "village_operator-520526001201"),
        ("library", "proposed", "in_library", "county_approver-520526000000"),
        ("approve", "in_library", "approved", "county_approver-520526000000"),
        ("start", "approved", "implementing", "village_operator-520526001201"),
        ("accept", "implementing", "accepted", "county_approver-520526000000"),
        ("announce", "accepted", "announced", "county_approver-520526000000"),
    ]


def test_village_operator_cannot_approve_a_project(tree, people):
    p = move(make_project(people["village"], tree.village_a), people["village"], "submit")
    p = move(p, people["county"], "library")
    with pytest.raises(PermissionDenied, match="审批通过.*approve"):
        services.transition(people["village"], p, "approve")
    with pytest.raises(PermissionDenied):
        services.transition(people["town"], p, "approve")
    assert Project.objects.get(pk=p.pk).status == "in_library"


def test_wrong_state_is_refused_in_both_languages(tree, people):
    p = make_project(people["village"], tree.village_a)
    with pytest.raises(services.FundsError) as e:
        services.transition(people["county"], p, "approve")
    assert e.value.message_zh == "项目当前状态为“草稿”，不能“审批通过”"
    assert e.value.message_en == "the project is draft: the step “Approve” is not possible"


def test_user_outside_region_cannot_see_or_touch_project(tree, people):
    p = make_project(people["village"], tree.village_a)
    with pytest.raises(Project.DoesNotExist):
        get_project_for(people["other"], p.pk)
    with pytest.raises(OutOfScope):  # a 404, like a missing project
        services.transition(people["other"], p, "submit")


def test_closed_or_accepted_project_cannot_take_payments(approved, people):
    member = approved.households[0].members.first()
    p = move(approved, people["village"], "start")
    assert pay(people["village"], p, member).member == member
    p = move(p, people["county"], "accept")
    with pytest.raises(services.FundsError) as e:
        pay(people["village"], p, member)
    assert (
        e.value.code == "closed"
        and "不能再付款" in e.value.message_zh
        and "cannot take payments" in e.value.message_en
    )
    p = move(p, people["county"], "close")
    with pytest.raises(services.FundsError):
        pay(people["village"], p, member)


def test_unapproved_project_cannot_take_payments(tree, people):
    p = make_project(people["village"], tree.village_a)
    member = household(tree.village_a).members.first()
    with pytest.raises(services.FundsError, match="尚未审批"):
        pay(people["village"], p, member)


def test_payment_id_number_must_be_valid(approved, people):
    with pytest.raises(services.FundsError) as e:
        services.add_payment(
            people["village"],
            approved,
            services.PaymentData(
                kind="household",
                id_number="52052619800101001",
                payee_name="甲",
                item="x",
                amount="1",
                paid_on=date(2024, 1, 1),
            ),
        )
    assert e.value.field == "id_number"


def test_beneficiary_must_be_in_project_region(approved, tree, people):
    outsider = household(tree.village_a2)
    with pytest.raises(services.FundsError) as e:
        services.add_beneficiaries(people["county"], approved, [outsider.household_no])
    assert (
        outsider.household_no in e.value.message_zh and "outside the project's region" in e.value.message_en
    )


def test_project_location_must_be_in_scope(tree, people):
    with pytest.raises(services.FundsError, match="不在您的管辖范围内"):
        make_project(people["village"], tree.village_b)


def test_auditor_cannot_create_projects(tree, people):
    with pytest.raises(PermissionDenied):
        make_project(people["auditor"], tree.village_a)


def test_approved_project_details_are_locked(approved, people, tree):
    d = services.ProjectData(
        name="x",
        project_type="industry",
        region_code=tree.village_a.code,
        implementing_unit="u",
        start_date=date(2024, 1, 1),
        deadline=date(2024, 2, 1),
    )
    with pytest.raises(services.FundsError, match="不能再修改"):
        services.update_project(people["county"], approved, d)


def _payment(id_number: str) -> services.PaymentData:
    return services.PaymentData(
        kind="household", id_number=id_number, payee_name="甲", item="x", amount="1", paid_on=date(2024, 1, 1)
    )


def test_payment_id_number_with_other_digit_characters_is_refused(approved, people):
    valid = approved.households[0].members.first().id_number
    # '²' is a digit to str.isdigit() but not a number int() reads: refused, not a crash
    with pytest.raises(services.FundsError) as e:
        services.add_payment(people["village"], approved, _payment(valid[:16] + "²" + valid[17]))
    assert e.value.field == "id_number"
    # Arabic-Indic digits are digits to int() and stay as they are under NFKC: not an ID number's digits
    arabic = valid[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + valid[17]
    with pytest.raises(services.FundsError):
        services.add_payment(people["village"], approved, _payment(arabic))


def test_payment_id_number_typed_full_width_is_kept_in_ascii(approved, people):
    member = approved.households[0].members.first()
    full = member.id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    payment = services.add_payment(people["village"], approved, _payment(f" {full}\u3000"))
    assert payment.id_number == member.id_number and payment.member == member
