"""`fupin cppcc members|indicators|matters`: within the --user's region, phones masked for roles that may not
see them, exports logged, refusals exit 1."""

import json

from fupin.accounts.models import ExportLog
from fupin.cli import main
from fupin.cppcc import services


def test_members_indicators_matters(world, member, capsys):
    services.log_matter(
        world.office,
        {"household": "A001", "member": member.pk, "description": "修路", "logged_on": "2024-05-01"},
    )
    assert main(["cppcc", "members", "--format", "json", "--user", "dudao"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "王委员" and row["phone"] == "139****5678" and row["links"] == 1
    assert ExportLog.objects.filter(kind="cppcc.members", channel="cli").exists()
    assert (
        main(
            ["cppcc", "indicators", "--year", "2024", "--by", "level", "--format", "json", "--user", "office"]
        )
        == 0
    )
    [row] = json.loads(capsys.readouterr().out)
    assert row["level"] == "county" and row["mobilisation_pct"] == 100.0 and row["matters_logged"] == 1
    assert main(["cppcc", "matters", "--status", "open", "--format", "csv", "--user", "office"]) == 0
    assert "修路" in capsys.readouterr().out
    assert main(["cppcc", "matters"]) == 0  # the operator: a table on the terminal
    assert "修路" in capsys.readouterr().out


def test_refusals_exit_1(world, member, capsys):
    assert main(["cppcc", "members", "--user", "reviewer", "--region", "520526001000"]) == 1
    assert "管辖范围" in capsys.readouterr().err
    # the member's role exports nothing
    assert main(["cppcc", "matters", "--format", "csv", "--user", "weiyuan"]) == 1
    assert "export" in capsys.readouterr().err
    assert main(["cppcc", "members", "--user", "reviewer"]) == 0
    assert "王委员" not in capsys.readouterr().out
