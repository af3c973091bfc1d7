import json

import openpyxl
from factories import user

from fupin.cli import main
from fupin.reports.models import Run


def test_identify_json_lists_every_household(county, capsys):
    assert main(["identify", "--year", "2024", "--region", "520526", "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert sorted(r["household_no"] for r in rows) == sorted(
        h.household_no for h in (county.h1, county.h2, county.h3, county.h4)
    )
    assert {r["household_no"]: r["poor"] for r in rows}[county.h4.household_no] is False
    run = Run.objects.get()
    assert f"run id: {run.pk}" in out.err and run.kind == "identify"


def test_identify_table_shows_reasons_in_chinese(county, capsys):
    assert main(["identify", "--year", "2024"]) == 0
    assert "人均纯收入低于贫困线" in capsys.readouterr().out


def test_exits_village_csv_to_file(county, tmp_path, capsys):
    out = tmp_path / "v.csv"
    assert main(["exits", "--year", "2024", "--level", "village", "--format", "csv", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("village,village_name,")
    assert "无农村人口数据" in text  # village_b has no denominator


def test_exits_county_xlsx(county, tmp_path):
    out = tmp_path / "c.xlsx"
    assert main(["exits", "--year", "2024", "--level", "county", "--format", "xlsx", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["结果"]
    assert ws["A2"].value == "520526000000"


def test_out_of_scope_exits_1_and_stores_nothing(county, capsys):
    user("village_operator", county.village_a, username="op")
    assert main(["identify", "--year", "2024", "--region", county.village_b.code, "--user", "op"]) == 1
    assert "scope" in capsys.readouterr().err and Run.objects.count() == 0
    assert main(["exits", "--year", "2024", "--level", "county", "--user", "op"]) == 1
    assert "county" in capsys.readouterr().err


def test_usage_errors_exit_2(county):
    assert main(["identify", "--year", "2024", "--region", "52x"]) == 2
    assert main(["identify", "--year", "2024", "--format", "xlsx"]) == 2
    assert main(["identify", "--year", "2024", "--user", "nobody"]) == 2
