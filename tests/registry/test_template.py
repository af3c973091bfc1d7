"""The import template and the data workbook writer: real files read back with openpyxl and the importer."""

from __future__ import annotations

import openpyxl
import polars as pl

from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from fupin.registry.importer import import_households
from fupin.registry.models import Household, Member
from fupin.registry.reading import read_workbook
from fupin.registry.template import write_template, write_workbook


def test_template_has_headers_text_formats_dropdowns_and_help(tmp_path):
    path = write_template(tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["户", "成员", "说明", "代码表"]
    assert wb["代码表"].sheet_state == "hidden"
    hh, mm = wb["户"], wb["成员"]
    assert [c.value for c in hh[1]] == [c.zh for c in HOUSEHOLD_COLUMNS]
    assert [c.value for c in mm[1]] == [c.zh for c in MEMBER_COLUMNS]
    assert hh.max_row == 1 and mm.max_row == 1  # headers only: the file re-imports as it is

    id_col = next(i for i, c in enumerate(MEMBER_COLUMNS) if c.key == "id_number")
    letter = openpyxl.utils.get_column_letter(id_col + 1)
    assert mm.column_dimensions[letter].number_format == "@"  # 证件号码 kept as text
    region_col = openpyxl.utils.get_column_letter([c.key for c in HOUSEHOLD_COLUMNS].index("region_code") + 1)
    assert hh.column_dimensions[region_col].number_format == "@"

    sources = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in mm.data_validations.dataValidation
    }
    rel_col = openpyxl.utils.get_column_letter([c.key for c in MEMBER_COLUMNS].index("relation") + 1)
    assert sources[rel_col].startswith("'代码表'!")
    codes = wb["代码表"]
    col = sources[rel_col].split("!")[1].split(":")[0].replace("$", "")[:-1]
    values = [codes[f"{col}{r}"].value for r in range(2, 6)]
    assert values == ["户主", "配偶", "之子", "之女"]

    help_text = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "证件号码" in help_text and "ID number" in help_text and "文本" in help_text


def test_empty_template_imports_as_nothing(tree, tmp_path):
    batch = import_households(write_template(tmp_path / "t.xlsx"))
    assert batch.status == "done", batch.report
    assert batch.report["counts"]["households_created"] == 0
    assert Household.objects.count() == 0


def test_written_workbook_round_trips_and_imports(tree, tmp_path):
    from factories import id_number

    head, kid = id_number(seq=1), id_number(male=False, seq=2)
    hh = pl.DataFrame(
        {
            "household_no": ["H1"],
            "year": ["2024"],
            "region_code": [tree.village_a.code],
            "status": ["未脱贫"],
            "wage_income": ["1200.5"],
            "phone": ["13800138000"],
        }
    )
    mm = pl.DataFrame(
        {
            "household_no": ["H1", "H1"],
            "name": ["甲", "乙"],
            "id_number": [head, kid],
            "sex": ["男", "女"],
            "relation": ["户主", "之女"],
        }
    )
    path = write_workbook(hh, mm, tmp_path / "data.xlsx")
    raw_hh, raw_mm = read_workbook(path)
    assert raw_mm["id_number"].to_list() == [head, kid]  # every digit kept
    assert raw_hh["region_code"].to_list() == [tree.village_a.code]
    batch = import_households(path)
    assert batch.status == "done", batch.report
    assert Member.objects.get(name="乙").id_number == kid
