import pytest
from factories import household, region_tree, user

from fupin.policy.services import load_defaults
from fupin.regions.models import RegionPopulation


@pytest.fixture
def county(db):
    """The factory county with four households in 2024 (and one in 2023), denominators and defaults.

    The poverty line in force in 2024 is 4000 yuan. village_a: poor (3 persons, 6000 yuan → 2000 per
    person), exited (4 persons, 4000 → 1000); village_a2: returned (2 persons, 1000 → 500); village_b:
    poor (5 persons, 30000 → 6000, above the line). Insurance, housing and water are not recorded.
    """
    load_defaults()
    t = region_tree()
    t.h1 = household(t.village_a, status="poor", members=3, wage="6000", main_cause="illness")
    t.h2 = household(t.village_a, status="exited_policy", members=4, wage="4000", main_cause="disability")
    t.h3 = household(t.village_a2, status="returned", members=2, wage="1000", main_cause="illness")
    t.h4 = household(t.village_b, status="poor", members=5, wage="30000", main_cause="labour")
    from decimal import Decimal

    from fupin.registry.models import HouseholdYear

    HouseholdYear.objects.create(
        household=t.h1, year=2023, status="poor", household_type="poor", wage_income=Decimal("4500"), size=3
    )
    RegionPopulation.objects.create(region=t.county, year=2024, rural_population=1000)
    RegionPopulation.objects.create(region=t.village_a, year=2024, rural_population=200)
    RegionPopulation.objects.create(region=t.village_a2, year=2024, rural_population=50)
    return t


@pytest.fixture
def op_a(county):
    return user("village_operator", county.village_a, username="op_a")


@pytest.fixture
def op_b(county):
    return user("village_operator", county.village_b, username="op_b")


@pytest.fixture
def approver(county):
    return user("county_approver", county.county, username="approver")
