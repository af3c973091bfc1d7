"""The dashboard offers its export only to roles that may export; the export itself refuses the others."""

import pytest
from django.urls import reverse
from factories import household, region_tree, user


@pytest.mark.parametrize(
    ("role", "exports"), [("assistance_cadre", False), ("county_approver", True), ("supervisor", True)]
)
def test_dashboard_export_link_follows_the_role(client, db, role, exports):
    tree = region_tree()
    household(tree.village_a, "A0001")
    client.force_login(user(role, tree.village_a if role == "assistance_cadre" else tree.county))
    page = client.get(reverse("monitoring:dashboard"), {"year": 2024})
    assert page.status_code == 200
    link = reverse("monitoring:dashboard_export")
    assert (link in page.content.decode()) is exports
    r = client.get(link, {"year": 2024})
    assert r.status_code == (200 if exports else 403)
