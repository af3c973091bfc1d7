"""Every command whose registry-derived result leaves the terminal (csv, json, xlsx or --out) is logged."""

import json

import polars as pl
import pytest
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.cli import main
from fupin.policy.services import load_defaults


@pytest.fixture
def county(db):
    load_defaults()
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    household(t.village_a2, status="returned", members=2)
    household(t.village_b, status="poor", members=5)
    return t


def _rows(fmt: str, text: str) -> int:
    if fmt == "json":
        data = json.loads(text)
        return len(data) if isinstance(data, list) else len(data["rules"])
    return pl.read_csv(text.strip().encode()).height


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["stats", "--year", "2024", "--by", "village"], "reports.statistics"),
        (["identify", "--year", "2024"], "reports.identify"),
        (["exits", "--year", "2024", "--level", "village"], "reports.exit_village"),
        (["quality", "--year", "2024"], "quality.counts"),
        (["monitor", "--year", "2024"], "monitoring.batch"),
        (["funds", "anomalies"], "funds_anomalies"),
        (["assistance", "coverage", "--year", "2024"], "assistance.coverage"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_output_in_csv_or_json_is_logged_with_its_rows(county, capsys, argv, kind, fmt):
    capsys.readouterr()
    assert main([*argv, "--format", fmt]) == 0
    out = capsys.readouterr().out
    log = ExportLog.objects.get()
    assert (log.kind, log.channel, log.user, log.filters["format"]) == (kind, "cli", None, fmt)
    assert log.rows == _rows(fmt, out)


def test_cli_table_on_terminal_is_not_logged_but_into_out_is(county, capsys, tmp_path):
    assert main(["stats", "--year", "2024"]) == 0
    assert ExportLog.objects.count() == 0
    out = tmp_path / "s.txt"
    u = user("county_approver", county.county)
    assert main(["stats", "--year", "2024", "--out", str(out), "--user", u.username]) == 0
    log = ExportLog.objects.get()
    assert (log.kind, log.channel, log.user, log.filters["out"]) == ("reports.statistics", "cli", u, str(out))
    assert main(["identify", "--year", "2024", "--format", "xlsx", "--out", str(tmp_path / "i.xlsx")]) == 0
    assert ExportLog.objects.filter(kind="reports.identify", channel="cli", rows=3).exists()
