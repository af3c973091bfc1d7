import pytest
from factories import household, region_tree, user
from funds_helpers import make_project, move

from fupin.funds import services


@pytest.fixture
def tree(db):
    return region_tree()


@pytest.fixture
def people(tree):
    return {
        "county": user("county_approver", tree.county),
        "town": user("township_reviewer", tree.town_a),
        "village": user("village_operator", tree.village_a),
        "other": user("village_operator", tree.village_b),
        "auditor": user("auditor", tree.county),
    }


@pytest.fixture
def approved(tree, people):
    """A project in village A, approved, with two beneficiary households of that village."""
    p = make_project(people["village"], tree.village_a)
    hh = [household(tree.village_a), household(tree.village_a)]
    services.add_beneficiaries(people["village"], p, [h.household_no for h in hh])
    p = move(p, people["village"], "submit")
    p = move(p, people["county"], "library", "approve")
    p.households = hh
    return p
