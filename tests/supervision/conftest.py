from datetime import date, timedelta

import pytest
from factories import household, region_tree, user

from fupin.policy.services import load_defaults
from fupin.regions.models import Region, RegionPopulation
from fupin.registry.models import HouseholdYear
from fupin.supervision.services import ensure_parameters

YEAR = 2024
FUTURE = date.today() + timedelta(days=60)


@pytest.fixture
def county(db):
    """The factory county in 2024: village A a 贫困村 not yet out, with two poor households of 3 among 20
    people (30% incidence); village B out in 2020, with a household that exited in 2021 and has no cadre."""
    load_defaults()
    ensure_parameters()
    t = region_tree()
    Region.objects.filter(code=t.village_a.code).update(poverty_status="poor_village", is_poor=True)
    Region.objects.filter(code=t.village_b.code).update(
        poverty_status="poor_village", is_poor=True, exit_year=2020
    )
    t.poor = [household(t.village_a, year=YEAR, status="poor") for _ in range(2)]
    t.exited = household(t.village_b, year=YEAR, status="exited_stable")
    HouseholdYear.objects.filter(household=t.exited).update(exit_year=2021)
    RegionPopulation.objects.create(region=t.village_a, year=YEAR, rural_population=20)
    return t


@pytest.fixture
def approver(county):
    return user("county_approver", county.county, username="approver")


@pytest.fixture
def supervisor(county):
    return user("supervisor", county.county, username="supervisor")


@pytest.fixture
def operator(county):
    return user("village_operator", county.village_a, username="operator")


@pytest.fixture
def item(county, approver, supervisor):
    from fupin.supervision import services

    [it] = services.list_regions(
        approver, year=YEAR, regions=[county.village_a.code], supervisor="supervisor", deadline=FUTURE
    )
    return it
