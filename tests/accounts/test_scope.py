"""The one region scope (accounts/scope.py): what each kind of user gets for each kind of region asked for."""

from __future__ import annotations

import pytest
from django.http import Http404
from factories import region_tree, user

from fupin.accounts import scope
from fupin.core.errors import InputRejected


@pytest.fixture
def tree(db):
    return region_tree()


def test_no_region_is_the_users_own_region(tree):
    op = user("village_operator", tree.village_a)
    assert scope.resolve(op, None) == scope.Scope(tree.village_a.code, tree.village_a.prefix)
    assert scope.resolve(op, "") == scope.resolve(op, "  ") == scope.resolve(op, None)


def test_nationwide_user_and_operator_work_everywhere(tree):
    for who in (user("supervisor", None), None):
        assert scope.resolve(who, None) == scope.Scope("", "")
        assert scope.resolve(who, "520526002201") == scope.Scope("520526002201", "520526002201")
        assert scope.contains(who, "110101001001") and scope.contains(who, "")
        scope.check(who, "110101001001")
    assert scope.prefix_for(None) == ""


def test_a_region_inside_narrows_and_the_own_region_is_allowed(tree):
    county = user("county_approver", tree.county)
    assert scope.resolve(county, "520526001") == scope.Scope("520526001000", "520526001")
    assert scope.resolve(county, tree.county.code) == scope.Scope(tree.county.code, "520526")
    assert scope.resolve(county, "520526") == scope.Scope(tree.county.code, "520526")


def test_a_region_outside_or_above_is_out_of_scope_a_404(tree):
    town = user("township_reviewer", tree.town_a)
    for outside in (tree.village_b.code, tree.county.code, "52", "110101001001"):
        with pytest.raises(scope.OutOfScope) as e:
            scope.resolve(town, outside)
        assert isinstance(e.value, Http404)
        assert "不在您的管辖范围内" in str(e.value) and "outside your scope" in str(e.value)
    assert not scope.contains(town, tree.village_b.code)
    assert not scope.contains(town, None)  # nationwide data is not a scoped user's
    with pytest.raises(scope.OutOfScope):
        scope.check(town, tree.village_b.code)
    scope.check(town, tree.village_a.code)


@pytest.mark.parametrize("bad", ["999", "52x", "5205260012011", "abc"])
def test_a_malformed_code_is_an_input_error_for_everyone(tree, bad):
    for who in (None, user("village_operator", tree.village_a, username=f"op-{bad}")):
        with pytest.raises(scope.BadRegionCode) as e:
            scope.resolve(who, bad)
        assert isinstance(e.value, InputRejected) and e.value.status == 422
        item = e.value.api_items()[0]
        assert item["field"] == "region" and item["code"] == "region.malformed"
        assert bad in item["message"]["zh"] and bad in item["message"]["en"]


def test_an_unknown_code_inside_is_accepted_and_holds_nothing(tree):
    county = user("county_approver", tree.county)
    assert scope.resolve(county, "520526009999") == scope.Scope("520526009999", "520526009999")
