import pytest
from factories import household, region_tree, user

from fupin.policy.services import load_defaults
from fupin.regions.models import RegionPopulation


@pytest.fixture
def county(db):
    """The factory county in 2020: in each of its three villages two exited households, one poor and two
    ordinary (not registered) ones. Default parameters (poverty line 4000 in 2020)."""
    load_defaults()
    t = region_tree()
    t.households = []
    for v in (t.village_a, t.village_a2, t.village_b):
        for status, hh_type in (
            ("exited_policy", "poor"),
            ("exited_stable", "poor"),
            ("poor", "poor"),
            ("not_poor", "ordinary"),
            ("not_poor", "ordinary"),
        ):
            t.households.append(
                household(v, year=2020, status=status, household_type=hh_type, members=3, wage="15000")
            )
    RegionPopulation.objects.create(region=t.county, year=2020, rural_population=1000)
    return t


@pytest.fixture
def approver(county):
    return user("county_approver", county.county, username="approver")


@pytest.fixture
def auditor(county):
    return user("auditor", county.county, username="auditor")


@pytest.fixture
def supervisor(county):
    return user("supervisor", county.county, username="supervisor")


@pytest.fixture
def operator(county):
    return user("village_operator", county.village_a, username="operator")


@pytest.fixture
def evaluation(county, auditor):
    from fupin.evaluation import services

    return services.create_evaluation(
        auditor,
        county=county.county.code,
        year=2020,
        kind="third_party",
        seed=42,
        sizes={"villages": 2, "exited": 4, "poor": 2, "unregistered": 3},
    )
