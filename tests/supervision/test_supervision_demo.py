"""The demo 挂牌督战 is made through the services: regions from the proposal, a visit each, one closed."""

from datetime import date

from factories import user

from fupin.supervision.demo import build_demo
from fupin.supervision.models import SupervisionItem, SupervisionVisit


def test_demo_lists_flagged_regions_with_visits_and_one_closed(county):
    user("county_approver", county.county, username="demo_county")
    user("supervisor", county.county, username="demo_supervisor")
    out = build_demo(county.county.code, 2024, seed=5, today=date.today())
    assert out == {"items": 2, "visits": 2, "closed": 1}
    items = SupervisionItem.objects.order_by("region_id")
    assert [i.region_id for i in items] == [county.county.code, county.village_a.code]
    assert all(
        i.supervisor.username == "demo_supervisor" and i.listed_by.username == "demo_county" for i in items
    )
    assert SupervisionVisit.objects.count() == 2
    closed = SupervisionItem.objects.get(status="closed")
    assert closed.overridden and closed.close_note


def test_demo_without_the_demo_accounts_makes_nothing(county):
    assert build_demo(county.county.code, 2024, seed=5)["items"] == 0
    assert not SupervisionItem.objects.exists()
