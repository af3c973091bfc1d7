"""A payment or budget amount too large for its column (14 digits, 2 after the point) is refused with the
field, zh and en, and nothing is saved: "1e400" raised in quantize (a 500), 10^12 passed the check and
PostgreSQL refused it (numeric field overflow: a 500) while SQLite kept it."""

import pytest
from funds_helpers import household_payment, move

from fupin.funds import services
from fupin.funds.models import Payment


@pytest.mark.parametrize("amount", ["1e400", "1e12", "1000000000000.00", 1e20, "NaN", float("inf")])
def test_payment_amount_beyond_the_column_is_refused_and_saves_nothing(approved, people, amount):
    p = move(approved, people["village"], "start")
    data = household_payment(approved, amount=amount)
    with pytest.raises(services.FundsError) as e:
        services.add_payment(people["village"], p, data)
    assert e.value.field == "amount" and "金额" in e.value.zh and "amount" in e.value.en
    assert not Payment.objects.exists()


def test_the_largest_amount_the_column_holds_is_paid(approved, people):
    p = move(approved, people["village"], "start")
    data = household_payment(approved, amount="999999999999.99")
    services.add_payment(people["village"], p, data)
    assert str(Payment.objects.get().amount) == "999999999999.99"
