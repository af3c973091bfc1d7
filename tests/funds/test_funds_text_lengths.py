"""Text longer than its column (a project's name or implementing unit, a payment's payee or item: 200
characters) is refused with the field, zh and en, and nothing is saved: PostgreSQL refused it on insert
(value too long: a 500 on the API) while SQLite kept it."""

from datetime import date

import pytest
from funds_helpers import household_payment, make_project, move

from fupin.funds import services
from fupin.funds.models import Payment, Project

TOO_LONG = "长" * 201


@pytest.mark.parametrize("field", ["name", "implementing_unit"])
def test_project_text_beyond_the_column_is_refused(tree, people, field):
    d = services.ProjectData(
        name="石板村肉牛养殖项目",
        project_type="industry",
        region_code=tree.village_a.code,
        implementing_unit="草海镇农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
    )
    setattr(d, field, TOO_LONG)
    with pytest.raises(services.FundsError) as e:
        services.create_project(people["village"], d)
    assert e.value.field == field and e.value.code == "funds.too_long"
    assert "200" in e.value.zh and "200" in e.value.en
    assert not Project.objects.exists()


@pytest.mark.parametrize("field", ["payee_name", "item"])
def test_payment_text_beyond_the_column_is_refused(approved, people, field):
    p = move(approved, people["village"], "start")
    d = household_payment(approved, **{field: TOO_LONG})
    with pytest.raises(services.FundsError) as e:
        services.add_payment(people["village"], p, d)
    assert e.value.field == field and e.value.code == "funds.too_long"
    assert not Payment.objects.exists()


def test_text_as_long_as_the_column_is_kept(tree, people):
    p = make_project(people["village"], tree.village_a, name="长" * 200)
    assert Project.objects.get(pk=p.pk).name == "长" * 200
