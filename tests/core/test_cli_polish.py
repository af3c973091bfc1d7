"""The command line's manners: the region it works on by default, why a result is empty, no tracebacks,
usage errors in Chinese and English, exit 1 for a rejected file, labels in tables, and a clear word when
there is no store."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from django.db import OperationalError
from factories import household, region_tree, user

from fupin.assistance.catalogue import KINDS
from fupin.cli import main
from fupin.core import cli_support
from fupin.core.output import for_people
from fupin.program import commands
from fupin.regions import where
from fupin.regions.codes import LEVEL_NAMES
from fupin.reports.models import Run


@pytest.fixture
def county(db):
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    household(t.village_a2, status="exited_policy", members=4)
    household(t.village_b, status="returned", members=2)
    household(t.village_b, status="poor", members=2, year=2023)
    return t


# --- 1. the default region: where the store's data is -----------------------------------------------


def test_data_region_is_the_deepest_region_holding_every_household(county):
    assert where.data_region() == "520526000000"


def test_data_region_of_one_village_and_of_an_empty_store(db):
    t = region_tree()
    assert where.data_region() is None
    household(t.village_a, status="poor")
    assert where.data_region() == t.village_a.code


def test_stats_without_region_or_user_uses_the_data_region_and_says_so(county, capsys):
    assert main(["stats", "--year", "2024", "--format", "json"]) == 0
    out = capsys.readouterr()
    [row] = json.loads(out.out)
    assert row["region_code"] == "520526000000" and row["households"] == 3
    assert "数据所在地区" in out.err and "where the store's data is" in out.err and "520526000000" in out.err


def test_with_a_user_the_users_region_applies_as_before(county, capsys):
    user("village_operator", county.village_a, username="op")
    assert main(["stats", "--year", "2024", "--format", "json", "--user", "op"]) == 0
    out = capsys.readouterr()
    assert [r["region_code"] for r in json.loads(out.out)] == ["520526001201"]
    assert "数据所在地区" not in out.err


@pytest.mark.parametrize(
    "argv",
    [
        ["identify", "--year", "2024"],
        ["quality", "--year", "2024"],
        ["monitor", "--year", "2024"],
        ["assistance", "coverage", "--year", "2024"],
        ["funds", "anomalies"],
        ["exits", "--year", "2024", "--level", "village"],
    ],
)
def test_every_region_command_says_which_region_it_used(county, capsys, argv):
    assert main([*argv, "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "地区：" in err and "region: " in err and "520526000000" in err


def test_county_exits_default_to_the_county_of_data_held_in_one_village(db, capsys):
    t = region_tree()
    household(t.village_a, status="poor")
    assert main(["identify", "--year", "2024", "--format", "json"]) == 0
    assert Run.objects.get().region_code == t.village_a.code
    assert main(["exits", "--year", "2024", "--level", "county", "--format", "json"]) == 0
    assert Run.objects.latest("pk").region_code == "520526000000"


# --- 2. empty results say why -------------------------------------------------------------------------


def test_a_year_without_households_names_the_years_that_have_them(county, capsys):
    assert main(["stats", "--year", "2030", "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "2030 年没有户数据" in err and "no households in" in err and "2023, 2024" in err


def test_identify_in_an_empty_year_says_why(county, capsys):
    assert main(["identify", "--year", "2019", "--region", "520526002", "--format", "json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == [] and "years with data: 2023, 2024" in out.err


@pytest.mark.parametrize(
    "argv",
    [
        ["stats", "--year", "2024"],
        ["identify", "--year", "2024"],
        ["quality", "--year", "2024"],
        ["monitor", "--year", "2024"],
        ["assistance", "coverage", "--year", "2024"],
        ["funds", "anomalies"],
    ],
)
def test_a_region_code_that_does_not_exist_is_a_usage_error(county, capsys, argv):
    assert main([*argv, "--region", "520527"]) == 2
    err = capsys.readouterr().err
    assert "没有这个行政区划代码" in err and "no such region code: 520527" in err


def test_a_region_outside_the_users_scope_is_refused_as_before(county, capsys):
    user("village_operator", county.village_a, username="op")
    assert main(["identify", "--year", "2024", "--region", county.village_b.code, "--user", "op"]) == 1
    assert "outside your scope" in capsys.readouterr().err


def test_no_funds_data_says_so(county, capsys):
    assert main(["funds", "anomalies", "--format", "json"]) == 0
    assert "no projects or funds" in capsys.readouterr().err


# --- 3. no tracebacks ---------------------------------------------------------------------------------


def test_template_into_a_missing_folder_or_onto_a_folder(db, tmp_path, capsys):
    assert main(["template", "households", str(tmp_path / "no" / "such" / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "无法读写文件" in err and "cannot read or write" in err and "Traceback" not in err
    assert main(["template", "households", str(tmp_path)]) == 2
    assert "a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["quality", "--year", "2024"],
        ["monitor", "--year", "2024"],
        ["identify", "--year", "2024"],
        ["stats", "--year", "2024"],
        ["assistance", "coverage", "--year", "2024"],
        ["funds", "anomalies"],
    ],
)
def test_an_xlsx_out_in_a_missing_folder_is_a_usage_error(county, tmp_path, capsys, argv):
    assert main([*argv, "--format", "xlsx", "--out", str(tmp_path / "no" / "x.xlsx")]) == 2
    assert "cannot read or write the file" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["regions", "population", "households", "department"])
def test_a_missing_input_file_is_a_usage_error(db, tmp_path, capsys, kind):
    extra = ["--source", "education"] if kind == "department" else []
    assert main(["import", kind, str(tmp_path / "missing.xlsx"), *extra]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["regions", "population", "department"])
def test_a_folder_given_as_a_file_is_a_usage_error(db, tmp_path, capsys, kind):
    extra = ["--source", "education"] if kind == "department" else []
    assert main(["import", kind, str(tmp_path), *extra]) == 2
    assert "a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "message, says",
    [
        ("database is locked", "locked by another process"),
        ("no such table: registry_household", "run `fupin init`"),
    ],
)
def test_database_errors_are_explained(county, capsys, monkeypatch, message, says):
    def fail(args):
        raise OperationalError(message)

    monkeypatch.setattr(commands, "cmd_stats", fail)
    assert main(["stats", "--year", "2024"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


# --- 4. usage errors and help in Chinese and English --------------------------------------------------


@pytest.mark.parametrize(
    "argv, zh, en",
    [
        (["stats"], "缺少必需的参数：--year", "the following arguments are required: --year"),
        (["stats", "--year", "x"], "不是整数", "invalid int value: 'x'"),
        (["stats", "--year", "2024", "--by", "street"], "无效的选项", "invalid choice: 'street'"),
        (
            ["stats", "--year", "2024", "--bogus"],
            "无法识别的参数：--bogus",
            "unrecognized arguments: --bogus",
        ),
        (["import"], "缺少必需的参数", "the following arguments are required"),
    ],
)
def test_usage_errors_are_in_chinese_and_english(capsys, argv, zh, en):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "用法错误 / usage error" in err and zh in err and en in err and "用法 / usage" in err


def test_help_is_in_chinese_and_english(capsys):
    with pytest.raises(SystemExit) as e:
        main(["stats", "-h"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "用法 / usage" in out and "选项 / options" in out and "年度 / year" in out
    assert "显示帮助后退出 / show this help and exit" in out


# --- 5. a rejected file exits 1 in every import -------------------------------------------------------


@pytest.mark.parametrize("kind", ["regions", "population", "households", "department"])
def test_a_file_that_is_not_a_workbook_is_rejected_with_exit_1(db, tmp_path, capsys, kind):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    extra = ["--source", "education"] if kind == "department" else []
    assert main(["import", kind, str(junk), *extra]) == 1
    err = capsys.readouterr().err
    assert "junk.xlsx" in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["regions", "population", "department"])
def test_a_table_without_its_columns_is_rejected_with_exit_1(db, tmp_path, kind):
    f = tmp_path / "other.csv"
    f.write_text("foo,bar\n1,2\n", encoding="utf-8")
    extra = ["--source", "education"] if kind == "department" else []
    assert main(["import", kind, str(f), *extra]) == 1


# --- 6. tables print labels; machine formats keep keys ------------------------------------------------


def test_stats_table_shows_labels_and_json_keeps_keys(county, capsys):
    assert main(["stats", "--year", "2024", "--region", "520526", "--by", "township"]) == 0
    out = capsys.readouterr().out
    assert "户数 / households" in out and "贫困发生率% / incidence %" in out
    assert "poor_households" not in out and "region_code" not in out
    assert main(["stats", "--year", "2024", "--region", "520526", "--format", "json"]) == 0
    assert "poor_households" in json.loads(capsys.readouterr().out)[0]


def test_identify_table_shows_status_labels_and_csv_keeps_codes(county, capsys, tmp_path):
    assert main(["identify", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "户状态 / status" in out and "未脱贫 / Not yet out of poverty" in out and "返贫 / Returned" in out
    assert "{'households'" not in out and "户数 / households: 3" in out
    path = tmp_path / "i.csv"
    assert main(["identify", "--year", "2024", "--format", "csv", "--out", str(path)]) == 0
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    assert "status" in head.split(",") and any(",poor," in r for r in rows)


def test_quality_monitor_coverage_and_measures_tables_show_labels(county, capsys):
    assert main(["quality", "--year", "2024"]) == 0
    assert "级别 / severity" in capsys.readouterr().out
    assert main(["monitor", "--year", "2024"]) == 0
    assert "信号 / signal" in capsys.readouterr().out
    assert main(["assistance", "coverage", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "检查 / check" in out and "错误 / error" in out
    assert main(["assistance", "measures"]) == 0
    assert "类别 / category" in capsys.readouterr().out


def test_for_people_labels_codes_booleans_levels_and_code_lists():
    df = pl.DataFrame(
        {
            "status": ["poor", "odd"],
            "severity": ["error", "suspect"],
            "exit": [True, None],
            "level": [3, 5],
            "causes": ["illness,no_land", ""],
            "kind": ["development", "protection"],
        }
    )
    shown = for_people(df, {"level": LEVEL_NAMES, "kind": KINDS})
    assert shown.columns == [
        "户状态 / status",
        "级别 / severity",
        "退出 / exit",
        "层级 / level",
        "致贫原因 / causes",
        "方式 / kind",
    ]
    assert shown.row(0) == (
        "未脱贫 / Not yet out of poverty",
        "错误 / error",
        "是 / yes",
        "县 / County",
        "因病 / Illness；缺土地 / Lack of land",
        "开发式 / Development",
    )
    assert shown.row(1)[:4] == (
        "odd",
        "疑点 / suspect",
        None,
        "村 / Village",
    )  # an unknown code stays as it is


# --- 7. no store: say where it was looked for and how to set FUPIN_HOME --------------------------------


def _fupin(*argv: str, home: Path | None, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FUPIN_HOME", "FUPIN_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    if home is not None:
        env["FUPIN_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "fupin.cli", *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_store_in_an_empty_fupin_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    r = _fupin("stats", "--year", "2024", home=home, cwd=tmp_path)
    assert r.returncode == 2
    assert "未找到数据存储" in r.stderr and f"no store found at {home / 'fupin.sqlite3'}" in r.stderr
    assert "FUPIN_HOME" in r.stderr and "fupin init" in r.stderr and "fupin demo" in r.stderr
    assert "Traceback" not in r.stderr and list(home.iterdir()) == []  # nothing was created


def test_no_store_under_the_default_var_folder(tmp_path):
    r = _fupin("quality", "--year", "2024", home=None, cwd=tmp_path)
    assert r.returncode == 2 and str(tmp_path / "var" / "fupin.sqlite3") in r.stderr
    assert "FUPIN_HOME is not set" in r.stderr and not (tmp_path / "var").exists()


def test_a_database_without_tables_asks_for_fupin_init(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "fupin.sqlite3") as con:
        con.execute("CREATE TABLE other (x)")
    r = _fupin("stats", "--year", "2024", home=home, cwd=tmp_path)
    assert r.returncode == 2 and "fupin init" in r.stderr and "Traceback" not in r.stderr


def test_serve_without_a_store_starts_with_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FUPIN_HOME", str(tmp_path))
    monkeypatch.delenv("FUPIN_DATABASE_URL", raising=False)
    assert cli_support.missing_store("serve") is None
    assert "no store found" in capsys.readouterr().err
    assert "no store found" in cli_support.missing_store("stats")
    assert cli_support.missing_store("init") is None and cli_support.missing_store("template") is None
