"""`fupin supervision`: propose, list (and --add), close — and the refusals (role, scope, bad input)."""

import json
from datetime import date, timedelta

from factories import region, user

from fupin.cli import main
from fupin.supervision.models import SupervisionItem

YEAR = 2024  # the year of the conftest county
FUTURE = date.today() + timedelta(days=60)


def test_propose_list_close(county, approver, supervisor, capsys):
    assert (
        main(["supervision", "propose", "--year", str(YEAR), "--format", "json", "--user", "approver"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    # the county (its two uncovered poor households) first, then village A
    assert [(r["region_code"], r["reasons"]) for r in rows] == [
        (county.county.code, "uncovered"),
        (county.village_a.code, "remaining_poor,high_incidence,uncovered"),
    ]
    args = ["supervision", "list", "--year", str(YEAR), "--add", county.village_a.code]
    args += [
        "--supervisor",
        "supervisor",
        "--deadline",
        FUTURE.isoformat(),
        "--format",
        "json",
        "--user",
        "approver",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    it = SupervisionItem.objects.get()
    assert it.listed_by == approver and json.loads(out[out.index("[") :])[0]["id"] == it.pk
    assert main(["supervision", "close", str(it.pk), "--note", "x", "--user", "approver"]) == 1
    err = capsys.readouterr().err
    assert "规则仍提示" in err and "still flag" in err and "nothing saved" in err
    assert (
        main(["supervision", "close", str(it.pk), "--note", "核实", "--override", "--user", "approver"]) == 0
    )
    it.refresh_from_db()
    assert it.status == "closed" and it.overridden


def test_cli_denies_other_roles(county, operator, item, capsys):
    args = ["supervision", "list", "--add", county.village_a.code, "--supervisor", "supervisor"]
    assert main([*args, "--deadline", FUTURE.isoformat(), "--user", "operator"]) == 1
    assert "may not list" in capsys.readouterr().err
    assert (
        main(["supervision", "close", str(item.pk), "--note", "x", "--override", "--user", "operator"]) == 1
    )
    assert "may not close" in capsys.readouterr().err
    item.refresh_from_db()
    assert item.status == "open" and SupervisionItem.objects.count() == 1


def test_cli_outside_the_region_and_bad_code(county, item, capsys):
    other = region("520527000000", "赫章县", 3, county.city)
    user("county_approver", other, username="other")
    assert main(["supervision", "close", str(item.pk), "--note", "x", "--user", "other"]) == 1
    assert "no such supervision item" in capsys.readouterr().err
    assert main(["supervision", "propose", "--region", "12x", "--user", "other"]) == 2
    assert "bad region code" in capsys.readouterr().err
