"""Assistance fixtures: the region tree (village A poor), accounts, households and a catalogue."""

from __future__ import annotations

from datetime import date

import pytest
from factories import household, region_tree, user

from fupin.assistance.models import Assignment, Cadre
from fupin.assistance.services import load_catalogue


@pytest.fixture
def tree(db):
    t = region_tree()
    t.village_a.is_poor = True
    t.village_a.save()
    load_catalogue()
    return t


@pytest.fixture
def world(tree):
    """Two cadres (accounts) in village A's township, a poor household for each, one in village B."""
    cadre_user = user("assistance_cadre", tree.county, "cadre_a")
    other_user = user("assistance_cadre", tree.county, "cadre_b")
    c1 = Cadre.objects.create(user=cadre_user, name="张帮扶", unit="县农业农村局", region=tree.town_a)
    c2 = Cadre.objects.create(user=other_user, name="李帮扶", unit="县人社局", region=tree.town_a)
    h1 = household(tree.village_a, "520526001201001", main_cause="illness")
    h2 = household(tree.village_a, "520526001201002", main_cause="schooling")
    h3 = household(tree.village_b, "520526002201001", main_cause="no_capital")
    Assignment.objects.create(cadre=c1, household=h1, start_date=date(2024, 1, 1))
    Assignment.objects.create(cadre=c2, household=h2, start_date=date(2024, 1, 1))
    return {
        "tree": tree,
        "cadre_user": cadre_user,
        "other_user": other_user,
        "cadre": c1,
        "other_cadre": c2,
        "h1": h1,
        "h2": h2,
        "h3": h3,
        "op_a": user("village_operator", tree.village_a, "op_a"),
        "op_b": user("village_operator", tree.village_b, "op_b"),
        "supervisor": user("supervisor", tree.county, "sup"),
        "approver": user("county_approver", tree.county, "approver"),
    }
