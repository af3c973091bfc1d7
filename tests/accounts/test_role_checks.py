"""What a role may do is asked of accounts/roles.py (`user.can(permission)`), never of a role's code."""

from __future__ import annotations

import re
from pathlib import Path

import fupin
from fupin.accounts.roles import ROLES, roles_that

ROOT = Path(fupin.__file__).parent
ROLE_CHECK = re.compile(
    r"\.role\s*(==|!=|\bin\b)|\brole__in\s*=\s*[\[(\"']|\bis_superuser\b|\brole\s*=\s*\"\w+\"\s*[,)]?\s*\)\."
)


def test_no_role_is_checked_by_its_code_outside_roles_py():
    found = []
    for path in [*ROOT.rglob("*.py"), *ROOT.rglob("*.html")]:
        if "migrations" in path.parts or path.name == "roles.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_CHECK.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_every_role_bound_to_no_region_and_the_named_sets():
    assert [c for c, r in ROLES.items() if r.works_nationwide] == ["system_admin", "supervisor", "auditor"]
    assert roles_that("serves_households") == ["assistance_cadre"]
    assert set(roles_that("writes_registry")) == {
        "system_admin",
        "county_approver",
        "township_reviewer",
        "village_operator",
    }
