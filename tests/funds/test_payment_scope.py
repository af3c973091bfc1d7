"""A payment's payee is looked up in the registry of the user's own region only: an ID number of a person
registered elsewhere reveals nothing of that person."""

from datetime import date

import pytest
from factories import api_client, household

from fupin.funds import services
from fupin.funds.models import Payment


def test_payee_of_another_region_is_not_looked_up(tree, people, approved):
    stranger = household(tree.village_b).members.get(relation="spouse")
    client = api_client(people["village"])
    url = f"/api/funds/projects/{approved.pk}/payments"
    body = {
        "kind": "household",
        "id_number": stranger.id_number,
        "item": "分红",
        "amount": 500,
        "paid_on": "2024-06-01",
    }
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["detail"]] == ["payee_name"]
    assert stranger.name not in r.content.decode()
    assert not Payment.objects.filter(project=approved).exists()
    # typed by hand, the payment is kept as given and linked to nobody (the anomaly checks report it)
    r = client.post(url, {**body, "payee_name": "张三"}, content_type="application/json")
    assert r.status_code == 201, r.content
    payment = Payment.objects.get(project=approved)
    assert (payment.payee_name, payment.member_id) == ("张三", None)


def test_payee_of_own_region_is_named_from_the_registry(people, approved):
    own = approved.households[0].members.get(relation="head")
    p = services.add_payment(
        people["village"],
        approved,
        services.PaymentData(
            kind="household",
            payee_name="",
            item="分红",
            amount="500",
            paid_on=date(2024, 6, 1),
            id_number=own.id_number,
        ),
    )
    assert (p.payee_name, p.member_id) == (own.name, own.pk)


@pytest.mark.parametrize("role", ["assistance_cadre", "supervisor"])
def test_payments_export_link_only_for_roles_that_export(client, tree, people, approved, role):
    from factories import user

    services.add_payment(
        people["village"],
        approved,
        services.PaymentData(
            kind="contractor", payee_name="施工队", item="圈舍", amount="1000", paid_on=date(2024, 6, 1)
        ),
    )
    u = user(role, tree.village_a if role == "assistance_cadre" else tree.county)
    client.force_login(u)
    page = client.get(f"/funds/{approved.pk}/").content.decode()
    export = f"/funds/{approved.pk}/payments.xlsx"
    if u.can("exports"):
        assert export in page and client.get(export).status_code == 200
    else:
        assert export not in page and client.get(export).status_code == 403
