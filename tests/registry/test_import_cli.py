"""`fupin import households` exit codes and output (through fupin.cli.main)."""

from __future__ import annotations

import openpyxl
import pytest
from factories import user
from test_import_households import good_rows, messy_rows

from fupin.cli import main
from fupin.registry.models import Household


def test_saved_file_exits_0_and_prints_counts(tree, tmp_path, write_xlsx, capsys):
    path = write_xlsx(tmp_path / "good.xlsx", *good_rows())
    assert main(["import", "households", str(path)]) == 0
    out = capsys.readouterr().out
    assert "households created" in out and "新增成员" in out
    assert Household.objects.count() == 2


def test_rejected_file_exits_1_with_problem_table_and_errors_workbook(tree, tmp_path, write_xlsx, capsys):
    path = write_xlsx(tmp_path / "messy.xlsx", *messy_rows())
    assert main(["import", "households", str(path)]) == 1
    captured = capsys.readouterr()
    assert "校验位" in captured.out and "check digit" in captured.out
    errors = tmp_path / "messy-errors.xlsx"
    assert str(errors) in captured.err
    assert openpyxl.load_workbook(errors).sheetnames == ["户", "成员", "问题"]
    assert Household.objects.count() == 0


def test_skip_invalid_and_errors_option(tree, tmp_path, write_xlsx):
    path = write_xlsx(tmp_path / "messy.xlsx", *messy_rows())
    out = tmp_path / "bad rows.xlsx"
    assert main(["import", "households", str(path), "--skip-invalid", "--errors", str(out)]) == 0
    assert Household.objects.count() == 2 and out.exists()


def test_missing_path_and_unknown_user_exit_2_a_junk_file_is_rejected_1(tree, tmp_path, write_xlsx, capsys):
    assert main(["import", "households", str(tmp_path / "missing.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["import", "households", str(junk)]) == 1  # the path is right, the file is refused
    path = write_xlsx(tmp_path / "good.xlsx", *good_rows())
    assert main(["import", "households", str(path), "--user", "nobody"]) == 2


def test_read_only_user_may_not_import(tree, tmp_path, write_xlsx):
    user("auditor", tree.county, username="audit")
    path = write_xlsx(tmp_path / "good.xlsx", *good_rows())
    assert main(["import", "households", str(path), "--user", "audit"]) == 2
    assert Household.objects.count() == 0


def test_village_operator_of_another_village_is_rejected(tree, tmp_path, write_xlsx, capsys):
    user("village_operator", tree.village_b, username="op_b")
    path = write_xlsx(tmp_path / "good.xlsx", *good_rows())
    assert main(["import", "households", str(path), "--user", "op_b"]) == 1
    assert "管辖范围" in capsys.readouterr().out
    assert Household.objects.count() == 0


@pytest.mark.parametrize("flag", ["--year"])
def test_year_flag(tree, tmp_path, write_xlsx, flag):
    households, members = good_rows()
    households = [{k: v for k, v in h.items() if k != "year"} for h in households]
    path = write_xlsx(tmp_path / "noyear.xlsx", households, members)
    assert main(["import", "households", str(path)]) == 1  # 年度 is required without --year: rejected
    assert main(["import", "households", str(path), flag, "2022"]) == 0
    assert set(Household.objects.values_list("years__year", flat=True)) == {2022}
