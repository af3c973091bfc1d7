"""`import_regions`: village lists with 12-digit codes, validated whole, saved all or nothing."""

import xlsxwriter

from fupin.cli import main
from fupin.regions.cli import import_regions_command
from fupin.regions.models import Region
from fupin.regions.services import import_regions


def write_xlsx(path, rows, *, title=True):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("村")
    start = 0
    if title:
        ws.merge_range(0, 0, 0, 3, "赫章县行政村名单")
        start = 2
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(start + i, j, value)
    wb.close()
    return path


def test_import_villages_creates_then_changes_nothing_then_updates_a_name(tree, tmp_path):
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [
            ["行政区划代码", "名称", "是否贫困村"],
            [520527100003, "丁村", "是"],  # typed as a number: 12 digits survive
            ["５２０５２７１０１００２", " 戊村 ", "否"],  # full-width digits
            ["520527100001", "甲村", None],  # already there, same name
            ["520527100003", "丁村", "是"],  # the same row twice is harmless
        ],
    )
    report = import_regions(path)
    assert report.ok, report.problems
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 2, 0, 1)
    ding = Region.objects.get(code="520527100003")
    assert (ding.name, ding.level, ding.parent_id, ding.prefix, ding.is_poor) == (
        "丁村",
        5,
        "520527100000",
        "520527100003",
        True,
    )
    assert Region.objects.get(code="520527101002").name == "戊村"
    assert ding.source == "导入 / import v.xlsx"

    again = import_regions(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    renamed = write_xlsx(tmp_path / "r.xlsx", [["code", "name"], ["520527100003", "丁家村"]], title=False)
    report = import_regions(renamed)
    assert (report.created, report.updated) == (0, 1)
    ding.refresh_from_db()
    assert (ding.name, ding.is_poor) == ("丁家村", True)  # no 是否贫困村 column: flag kept


def test_parent_may_come_earlier_or_later_in_the_same_file(tree, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("行政区划代码,名称\n520527102001,新村\n520527102,新乡\n", encoding="utf-8")
    report = import_regions(path)
    assert report.ok, report.problems
    assert Region.objects.get(code="520527102001").parent_id == "520527102000"
    assert Region.objects.get(code="520527102000").parent_id == "520527000000"


def test_county_without_prefecture_hangs_under_the_province(tree, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("行政区划代码,名称\n530999,某县\n", encoding="utf-8")
    assert import_regions(path).ok
    assert Region.objects.get(code="530999000000").parent_id == "530000000000"


def test_bad_rows_are_all_reported_and_nothing_is_saved(tree, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["行政区划代码", "名称", "是否贫困村"],
            ["520527100003", "丁村", "是"],  # good, but must not be saved
            ["52052710000", "坏码村", None],  # 11 digits
            ["520527100004", None, None],  # no name
            ["520527999001", "孤村", None],  # township 520527999 does not exist
            ["520527100003", "丁家村", None],  # same code, another name
            ["520527100005", "己村", "也许"],  # not yes/no
        ],
    )
    before = Region.objects.count()
    report = import_regions(path)
    assert not report.ok
    assert Region.objects.count() == before
    assert [str(p) for p in report.problems] == [
        "第5行 行政区划代码“52052710000”：格式错误（应为 2、4、6、9 或 12 位数字） / "
        "row 5 region code '52052710000': wrong format (2, 4, 6, 9 or 12 digits expected)",
        "第6行 名称“”：不能为空 / row 6 name '': must not be empty",
        "第7行 行政区划代码“520527999001”：上级区划 520527999000 不存在（请先导入上级，或填写上级代码） / "
        "row 7 region code '520527999001': parent region 520527999000 does not exist "
        "(import it first or give 上级代码)",
        "第8行 名称“丁家村”：代码 520527100003 重复且名称不同（第4行为“丁村”） / "
        "row 8 name '丁家村': code 520527100003 appears twice with different names (row 4 has '丁村')",
        "第9行 是否贫困村“也许”：应为“是”或“否” / row 9 poor village/county '也许': expected 是 (yes) or 否 (no)",
    ]


def test_explicit_parent_must_exist_and_be_above(tree, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "行政区划代码,名称,上级代码\n520527100006,庚村,520527100\n520527100007,辛村,520527101\n"
        "520527100008,壬村,520527888\n",
        encoding="utf-8",
    )
    report = import_regions(path)
    assert [(p.row, p.column_zh, p.value, p.message_en) for p in report.problems] == [
        (3, "上级代码", "520527101", "520527100007 is not below it"),
        (4, "上级代码", "520527888", "parent region does not exist"),
        (4, "上级代码", "520527888", "520527100008 is not below it"),
    ]
    assert not Region.objects.filter(code="520527100006").exists()


def test_cli_exit_codes(tree, tmp_path, capsys):
    class Args:
        file = tmp_path / "missing.xlsx"

    assert main(["import", "regions", str(Args.file)]) == 2  # a wrong path is a usage error
    assert "找不到文件 / no such file" in capsys.readouterr().err

    Args.file = tmp_path / "nocols.csv"
    Args.file.write_text("行政区划代码,人口\n520527100009,3\n", encoding="utf-8")
    assert import_regions_command(Args) == 1
    assert "缺少必填列：名称 (name) / missing required columns: 名称 (name)" in capsys.readouterr().err

    Args.file = tmp_path / "bad.csv"
    Args.file.write_text("行政区划代码,名称\n12345,x\n", encoding="utf-8")
    assert import_regions_command(Args) == 1
    out = capsys.readouterr()
    assert "第2行 行政区划代码“12345”" in out.out
    assert "rejected, nothing saved: 1 problem(s)" in out.err

    Args.file = tmp_path / "good.csv"
    Args.file.write_text("行政区划代码,名称\n520527100009,癸村\n", encoding="utf-8")
    assert import_regions_command(Args) == 0
    assert "1 rows: 1 created, 0 updated, 0 unchanged" in capsys.readouterr().out
