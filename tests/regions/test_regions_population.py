"""`import_population`: 农业户籍人口 by region and year, upserted, all or nothing."""

import datetime

from fupin.cli import main
from fupin.regions.cli import import_population_command
from fupin.regions.models import RegionPopulation
from fupin.regions.services import import_population


def populations():
    return sorted(RegionPopulation.objects.values_list("region_id", "year", "rural_population"))


def test_import_population_accepts_separators_and_full_width_digits_and_upserts(tree, tmp_path):
    path = tmp_path / "pop.csv"
    path.write_bytes(
        '行政区划代码,年度,农业户籍人口\n520527,2020,"612,345"\n520527100001,２０２０,１２３４\n'
        "520527100001,2021,1250\n".encode("gb18030")
    )
    report = import_population(path)
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert populations() == [
        ("520527000000", 2020, 612345),
        ("520527100001", 2020, 1234),
        ("520527100001", 2021, 1250),
    ]

    assert (import_population(path).created, import_population(path).updated) == (0, 0)

    path.write_text(
        "行政区划代码,年度,农业户籍人口\n520527100001,2021,1300\n520527100002,2021,800\n", encoding="utf-8"
    )
    report = import_population(path)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert populations() == [
        ("520527000000", 2020, 612345),
        ("520527100001", 2020, 1234),
        ("520527100001", 2021, 1300),
        ("520527100002", 2021, 800),
    ]


def test_bad_population_rows_are_all_reported_and_nothing_saved(tree, tmp_path):
    next_year = datetime.date.today().year + 1
    path = tmp_path / "pop.csv"
    path.write_text(
        "行政区划代码,年度,农业户籍人口\n"
        "520527100001,2020,1000\n"  # good, must not be saved
        "520527100099,2020,1000\n"  # no such region
        f"520527100001,{next_year + 1},1000\n"  # year too late
        "520527100001,1948,1000\n"  # year too early
        "520527100002,2020,0\n"  # not positive
        "520527100002,2021,12.5\n"  # not whole
        "520527100001,2020,1001\n"  # same region/year, another value
        ",2020,\n",  # empty code and population
        encoding="utf-8",
    )
    report = import_population(path)
    assert not report.ok
    assert RegionPopulation.objects.count() == 0
    assert [(p.row, p.column_en, p.value, p.message_en) for p in report.problems] == [
        (3, "region code", "520527100099", "no such region (import it first)"),
        (4, "year", str(next_year + 1), f"expected a year from 1949 to {next_year}"),
        (5, "year", "1948", f"expected a year from 1949 to {next_year}"),
        (6, "rural registered population", "0", "expected a positive whole number"),
        (7, "rural registered population", "12.5", "expected a positive whole number"),
        (
            8,
            "rural registered population",
            "1001",
            "same region and year given twice with different values (row 2 has 1000)",
        ),
        (9, "region code", None, "must not be empty"),
        (9, "rural registered population", None, "must not be empty"),
    ]
    assert str(report.problems[0]) == (
        "第3行 行政区划代码“520527100099”：没有该行政区划（请先导入） / "
        "row 3 region code '520527100099': no such region (import it first)"
    )


def test_population_cli_exit_codes(tree, tmp_path, capsys):
    class Args:
        file = tmp_path / "p.xlsx"

    assert main(["import", "population", str(Args.file)]) == 2  # a wrong path is a usage error
    Args.file = tmp_path / "p.csv"
    Args.file.write_text("行政区划代码,年度,农业户籍人口\n520527100001,2020,-5\n", encoding="utf-8")
    assert import_population_command(Args) == 1
    assert "expected a positive whole number" in capsys.readouterr().out
    Args.file.write_text("行政区划代码,年度,农业户籍人口\n520527100001,2020,5\n", encoding="utf-8")
    assert import_population_command(Args) == 0
    assert populations() == [("520527100001", 2020, 5)]
