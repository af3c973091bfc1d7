"""Region selectors: a user sees their own subtree and nothing else."""

import pytest

from fupin.regions import selectors
from fupin.regions.models import Region, RegionPopulation


def codes(qs):
    return [r.code for r in qs]


def test_village_operator_sees_only_own_village(tree, make_user):
    user = make_user("v", "village_operator", tree["village_a"])
    assert codes(selectors.regions_for(user)) == ["520527100001"]
    assert selectors.get_region_for(user, "520527100001").name == "甲村"
    for other in ("520527100002", "520527100000", "52", "520527101001", "53"):
        with pytest.raises(Region.DoesNotExist):
            selectors.get_region_for(user, other)


def test_township_reviewer_sees_subtree_but_not_sibling_or_ancestors(tree, make_user):
    user = make_user("t", "township_reviewer", tree["township_a"])
    assert codes(selectors.regions_for(user)) == ["520527100000", "520527100001", "520527100002"]
    assert codes(selectors.children(user, "520527100")) == ["520527100001", "520527100002"]
    assert codes(selectors.children(user)) == ["520527100000"]  # starts at the own region
    with pytest.raises(Region.DoesNotExist):
        selectors.children(user, "520527101")
    with pytest.raises(Region.DoesNotExist):
        selectors.get_region_for(user, "520527")  # the county above: breadcrumb only
    region = selectors.get_region_for(user, "520527100001")
    assert [r.name for r in selectors.ancestors_of(region)] == ["贵州省", "毕节市", "赫章县", "白果街道"]


def test_nationwide_user_starts_at_provinces_and_search_is_scoped(tree, make_user):
    national = make_user("n", "supervisor", None)
    assert codes(selectors.children(national)) == ["520000000000", "530000000000"]
    assert codes(selectors.search(national, "村")) == ["520527100001", "520527100002", "520527101001"]
    county = make_user("c", "county_approver", tree["county"])
    assert codes(selectors.search(county, "丙")) == ["520527101001"]
    assert codes(selectors.search(county, level=4)) == ["520527100000", "520527101000"]
    town = make_user("t", "township_reviewer", tree["township_a"])
    assert codes(selectors.search(town, "丙")) == []
    with pytest.raises(Region.DoesNotExist):
        selectors.search(town, "村", within="520527101")


def test_malformed_code_is_not_found(tree, make_user):
    user = make_user("n", "supervisor", None)
    with pytest.raises(Region.DoesNotExist):
        selectors.get_region_for(user, "52x")


def test_population_for_is_scoped(tree, make_user):
    RegionPopulation.objects.create(region=tree["village_b"], year=2020, rural_population=900)
    RegionPopulation.objects.create(region=tree["village_a"], year=2021, rural_population=1000)
    RegionPopulation.objects.create(region=tree["village_a"], year=2020, rural_population=990)
    user = make_user("v", "village_operator", tree["village_a"])
    assert [(p.year, p.rural_population) for p in selectors.population_for(user, "520527100001")] == [
        (2020, 990),
        (2021, 1000),
    ]
    with pytest.raises(Region.DoesNotExist):
        selectors.population_for(user, "520527101001")
