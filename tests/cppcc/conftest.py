import pytest
from factories import household, region_tree, user


@pytest.fixture
def world(db):
    """The factory county with two households in village A and one in village B; the office (a county
    approver), a member's own account in the county and a township reviewer of town B."""
    t = region_tree()
    t.hh_a1 = household(t.village_a, "A001", members=3)
    t.hh_a2 = household(t.village_a, "A002", members=4)
    t.hh_b = household(t.village_b, "B001", members=2)
    t.office = user("county_approver", t.county, username="office")
    t.member_user = user("cppcc_member", t.county, username="weiyuan")
    t.reviewer = user("township_reviewer", t.town_b, username="reviewer")
    t.supervisor = user("supervisor", t.county, username="dudao")
    return t


@pytest.fixture
def member(world):
    """A county-level member with the account `weiyuan`, linked to household A001."""
    from fupin.cppcc import services

    m = services.save_member(
        world.office,
        {"name": "王委员", "level": "county", "phone": "13912345678", "account": "weiyuan", "unit": "县医院"},
    )
    services.link_household(world.office, m.pk, {"household": "A001", "linked_on": "2024-03-01"})
    return m
