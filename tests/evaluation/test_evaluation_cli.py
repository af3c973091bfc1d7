"""`fupin evaluation`: create, show, export, import, close — and the refusals (role, scope, bad input)."""

import json

import openpyxl
import polars as pl
from factories import VISIT, region, user

from fupin.accounts.models import ExportLog
from fupin.cli import main
from fupin.evaluation.models import Evaluation, Visit


def test_create_show_export_import_close(county, auditor, supervisor, capsys, tmp_path):
    code = county.county.code
    assert (
        main(
            [
                "evaluation",
                "create",
                "--county",
                code,
                "--year",
                "2020",
                "--seed",
                "9",
                "--exited",
                "3",
                "--user",
                "auditor",
            ]
        )
        == 0
    )
    e = Evaluation.objects.get()
    assert e.seed == 9 and e.created_by == auditor and f"#{e.pk}" in capsys.readouterr().out
    assert main(["evaluation", "show", str(e.pk), "--format", "json", "--user", "supervisor"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["indicator"] for r in rows] == ["wrong_exit", "missed", "approval"]
    out = tmp_path / "e.xlsx"
    assert main(["evaluation", "export", str(e.pk), "--out", str(out), "--user", "supervisor"]) == 0
    assert ExportLog.objects.filter(kind="evaluation.xlsx", channel="cli").exists()
    assert openpyxl.load_workbook(out).sheetnames == ["指标", "抽样户"]
    sample = pl.read_excel(out, sheet_name="抽样户").head(2)
    filled = sample.with_columns(
        pl.lit(VISIT["visited_on"]).alias("走访日期"),
        pl.lit(3000.0).alias("人均纯收入"),
        *[
            pl.lit("是").alias(c)
            for c in (
                "不愁吃",
                "不愁穿",
                "义务教育有保障",
                "基本医疗有保障",
                "住房安全有保障",
                "饮水安全有保障",
                "认可",
            )
        ],
    )
    visits = tmp_path / "visits.xlsx"
    filled.write_excel(visits)
    assert main(["evaluation", "import", str(e.pk), str(visits), "--user", "supervisor"]) == 0
    assert Visit.objects.count() == 2
    assert main(["evaluation", "close", str(e.pk), "--user", "supervisor"]) == 1
    assert "may not close" in capsys.readouterr().err
    assert main(["evaluation", "close", str(e.pk), "--user", "auditor"]) == 0
    assert Evaluation.objects.get().status == "closed"


def test_refusals_change_nothing(county, evaluation, capsys, tmp_path):
    user("township_reviewer", county.county, username="reader")
    code = county.county.code
    assert main(["evaluation", "create", "--county", code, "--year", "2020", "--user", "reader"]) == 1
    assert "your role may not" in capsys.readouterr().err
    other = region("520527000000", "赫章县", 3, county.city)
    user("auditor", other, username="far")
    assert main(["evaluation", "create", "--county", code, "--year", "2020", "--user", "far"]) == 1
    assert main(["evaluation", "show", str(evaluation.pk), "--user", "far"]) == 1
    assert "outside your region" in capsys.readouterr().err
    assert (
        main(
            [
                "evaluation",
                "export",
                str(evaluation.pk),
                "--out",
                str(tmp_path / "x.xlsx"),
                "--user",
                "reader",
            ]
        )
        == 0
    )
    assert openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames == ["指标"]  # readers get the rates only
    bad = tmp_path / "bad.csv"
    bad.write_text("户编号,走访日期\nX,2020-01-01\n", encoding="utf-8")
    assert main(["evaluation", "import", str(evaluation.pk), str(bad), "--user", "auditor"]) == 1
    err = capsys.readouterr().err
    assert "缺少必填列" in err and "nothing saved" in err
    assert main(["evaluation", "create", "--county", code, "--year", "2019", "--user", "auditor"]) == 1
    assert Evaluation.objects.count() == 1 and not Visit.objects.exists()
