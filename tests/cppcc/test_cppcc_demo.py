"""The CPPCC demo builder makes its data through the services: members of the four levels, links, matters
(most closed), supervision of the three bodies, topics with posts, the oldest closed."""

from datetime import date

from factories import household, user

from fupin.cppcc import selectors
from fupin.cppcc.demo import build_demo
from fupin.cppcc.models import CommitteeMember, Matter, SupervisionEntry, Topic


def test_demo_builds_through_the_services(world):
    for i in range(6):
        household(world.village_a2, f"D{i:03d}")
    office = user("county_approver", world.county, username="demo_county")
    account = user("cppcc_member", world.county, username="demo_cppcc")
    result = build_demo(world.county.code, 2024, 7, today=date.today())
    assert result["members"] == 24 and result["links"] > 0 and result["topics"] == 3
    assert set(CommitteeMember.objects.values_list("level", flat=True)) == {
        "national",
        "province",
        "city",
        "county",
    }
    assert CommitteeMember.objects.get(account=account).created_by == office
    assert Matter.objects.filter(status="closed").count() == result["closed"]
    assert set(SupervisionEntry.objects.values_list("body", flat=True)) == {"discipline", "congress", "cppcc"}
    assert Topic.objects.filter(status="closed").count() == 1
    [row] = selectors.indicators(office, date.today().year).to_dicts()
    assert row["active_members"] == 22 and 0 < row["mobilisation_pct"] < 100
