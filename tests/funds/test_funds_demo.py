from datetime import date

import polars as pl
from factories import household, region_tree

from fupin.funds.anomalies import anomalies_for
from fupin.funds.demo import build_demo
from fupin.funds.models import Payment, Project


def test_demo_builds_projects_with_planted_anomalies_the_checks_find(db):
    tree = region_tree()
    for v in (tree.village_a, tree.village_a2, tree.village_b):
        for _ in range(4):
            household(v)
    counts = build_demo(tree.county.code, date.today().year, seed=7)
    assert counts["projects"] == Project.objects.count() >= 3
    assert Payment.objects.filter(kind="household", member__isnull=False).exists()
    assert all(p.budget_lines.exists() for p in Project.objects.all())
    found = set(anomalies_for(None)["check_id"])
    expected = {
        "dead_payee": "FA-2",
        "duplicate": "FA-3",
        "over_budget": "FA-4",
        "outside_region": "FA-5",
        "overdue": "FA-6",
    }
    assert {expected[k] for k in counts if k in expected} <= found
    assert {"FA-2", "FA-3", "FA-4", "FA-5"} <= found
    # payees are registry members of beneficiary households
    pays = pl.DataFrame(
        list(Payment.objects.filter(kind="household").values("member__household_id", "project_id"))
    )
    assert pays["member__household_id"].null_count() == 0
