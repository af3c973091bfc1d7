"""read_table on real files written with xlsxwriter and openpyxl, and CSV in UTF-8 and GBK."""

import datetime
import time

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from fupin.core.tables import FileUnreadable, TableError, open_table, read_table

COLUMNS = {
    "证件号码": "id_number",
    "姓名": "name",
    "出生日期": "birth_date",
    "工资性收入": "wage_income",
    "行政区划代码": "region_code",
}


def write_messy_xlsx(path):
    """A sheet as counties send it: merged title, blank row, padded full-width headers, mixed cells."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("户")
    ws.merge_range(0, 0, 0, 5, "XX县建档立卡户信息表")
    ws.write_row(
        2, 0, [" 证件号码 ", "姓\u3000名", "出生日期", "工资性收入", "ＲＥＧＩＯＮ_ＣＯＤＥ", "备注"]
    )
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_number(3, 0, 430102198001011234)  # 18 digits typed as a number: Excel kept 15
    ws.write_string(3, 1, "张三")
    ws.write_datetime(3, 2, datetime.datetime(1980, 1, 1), date)
    ws.write_number(3, 3, 12000)
    ws.write_number(3, 4, 520526001001)
    ws.write_string(4, 0, "430102198001011234")  # the same ID typed as text: intact
    ws.write_string(4, 1, "  李四\u3000")
    ws.write_datetime(4, 2, datetime.datetime(1990, 6, 30, 14, 5), date)
    ws.write_number(4, 3, 1234.5)
    ws.write_formula(4, 4, "=E4+1", None, 520526001002)
    # row 6 (index 5) blank; row 7 only has a note in an unknown column
    ws.write_string(6, 5, "备注而已")
    ws.write_number(7, 0, 430102800101123)  # a 15-digit (first-generation) ID typed as a number
    ws.write_string(7, 1, "王五")
    ws.write_string(7, 3, "1,234")
    wb.close()


def test_xlsx_messy_sheet(tmp_path):
    path = tmp_path / "hh.xlsx"
    write_messy_xlsx(path)
    df = read_table(path, columns=COLUMNS, required={"id_number", "name"}, sheet="户")
    assert df.schema == pl.Schema(
        {
            "id_number": pl.String,
            "name": pl.String,
            "birth_date": pl.String,
            "wage_income": pl.String,
            "region_code": pl.String,
            "_row": pl.Int64,
        }
    )
    assert df.rows() == [
        ("430102198001011000", "张三", "1980-01-01", "12000", "520526001001", 4),
        ("430102198001011234", "李四", "1990-06-30", "1234.5", "520526001002", 5),
        ("430102800101123", "王五", None, "1,234", None, 8),
    ]


def test_xlsx_openpyxl_file_with_leading_blank_rows(tmp_path):
    path = tmp_path / "o.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B3"] = "花名册"
    ws.merge_cells("B3:D3")
    ws.append([])
    ws.append([None, "id_number", "NAME", "出生日期"])
    ws.append([None, 330106198001010013, "赵六", datetime.date(2001, 2, 3)])
    ws.append([None, None, None, None])
    ws.append([None, "330106198001010013", "钱七", "2001/2/3"])
    ws.append([None, 1.0, "孙八", 36526])  # a date typed as a serial stays a serial
    wb.save(path)
    df = read_table(path, columns=COLUMNS, required={"id_number"})
    assert df.rows() == [
        ("330106198001010000", "赵六", "2001-02-03", 6),
        ("330106198001010013", "钱七", "2001/2/3", 8),
        ("1", "孙八", "36526", 9),
    ]


def test_missing_sheet_names_the_sheets_found(tmp_path):
    path = tmp_path / "hh.xlsx"
    write_messy_xlsx(path)
    with pytest.raises(TableError) as err:
        read_table(path, columns=COLUMNS, sheet="成员")
    assert err.value.message_zh == "找不到工作表“成员”（文件中的工作表：户）"
    assert err.value.message_en == "sheet '成员' not found (sheets in the file: 户)"
    # an alias finds it
    df = read_table(path, columns=COLUMNS, sheet="households", sheet_aliases=("户",))
    assert df.height == 3


def test_missing_required_columns_listed_in_both_languages(tmp_path):
    path = tmp_path / "hh.xlsx"
    write_messy_xlsx(path)
    columns = {**COLUMNS, "年度": "year", "year": "year", "户编号": "household_no"}
    with pytest.raises(TableError) as err:
        read_table(path, columns=columns, required={"id_number", "year", "household_no"})
    assert str(err.value) == (
        "缺少必填列：年度 (year)、户编号 (household_no) / "
        "missing required columns: 年度 (year)、户编号 (household_no)"
    )


def test_no_header_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(TableError, match="no header row in the first 20 rows"):
        read_table(path, columns=COLUMNS)


def test_gbk_csv_with_title_line_and_blank_lines(tmp_path):
    path = tmp_path / "regions.csv"
    text = 'XX县行政区划\r\n\r\n行政区划代码,名称\r\n520526001001,"村,一"\r\n,\r\n\r\n520526001002,二村\r\n'
    path.write_bytes(text.encode("gbk"))
    df = read_table(path, columns={"行政区划代码": "code", "名称": "name"}, required={"code", "name"})
    assert df.rows() == [("520526001001", "村,一", 4), ("520526001002", "二村", 7)]


def test_utf8_bom_tab_separated(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("\ufeff行政区划代码\t年度\t农业户籍人口\n520526\t2020\t1,234\n", encoding="utf-8")
    df = read_table(path, columns={"行政区划代码": "code", "年度": "year", "农业户籍人口": "pop"})
    assert df.rows() == [("520526", "2020", "1,234", 2)]


def test_missing_file_and_unknown_kind(tmp_path):
    with pytest.raises(FileUnreadable, match="file not found"):
        read_table(tmp_path / "none.xlsx", columns=COLUMNS)
    bad = tmp_path / "x.pdf"
    bad.write_text("x")
    with pytest.raises(FileUnreadable, match="unsupported file type"):
        read_table(bad, columns=COLUMNS)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip")
    with pytest.raises(FileUnreadable, match="cannot open workbook"):
        read_table(broken, columns=COLUMNS)


def test_200k_rows_read_quickly(tmp_path):
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["证件号码", "姓名", "工资性收入", "行政区划代码"])
    for i in range(1, 200_001):
        ws.write_row(i, 0, [f"43010219800101{i % 10000:04d}", "张三", i * 1.5, 520526001001])
    wb.close()
    start = time.perf_counter()
    df = read_table(path, columns=COLUMNS)
    elapsed = time.perf_counter() - start
    assert df.height == 200_000
    assert df.row(0) == ("430102198001010001", "张三", "1.5", "520526001001", 2)
    assert elapsed < 20  # generous: CI machines are shared; well under 1 s on a quiet 2-core machine


def test_text_id_equal_to_a_float_value_stays_intact_and_typed_numbers_round_half_up(tmp_path):
    path = tmp_path / "ids.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["证件号码", "姓名"])
    ws.write_string(1, 0, "430102198001011328")  # text that is exactly a double's value: not touched
    ws.write_number(2, 0, 1234567890123449999)  # shows as 1234567890123450000 in Excel
    ws.write_number(3, 0, 9999999999999999)  # rounds up to 10000000000000000
    ws.write_number(4, 0, -43010219800101123)
    for row in range(1, 5):
        ws.write_string(row, 1, "某")
    wb.close()
    df = read_table(path, columns=COLUMNS)
    assert df["id_number"].to_list() == [
        "430102198001011328",
        "1234567890123450000",
        "10000000000000000",
        "-43010219800101100",
    ]


def test_csv_read_in_chunks_keeps_line_numbers(tmp_path, monkeypatch):
    """A CSV is read CSV_CHUNK_ROWS records at a time; a record's row is the line it starts on, also when
    a quoted field spans lines and when the record falls at a chunk's edge."""
    from fupin.core import tables

    path = tmp_path / "p.csv"
    path.write_text(
        '行政区划代码,名称\n520526001001,"一\n村"\n\n520526001002,二村\n520526001003,"三,村"\n'
        "520526001004,四村\n",
        encoding="utf-8",
    )
    expected = [
        ("520526001001", "一\n村", 2),
        ("520526001002", "二村", 5),
        ("520526001003", "三,村", 6),
        ("520526001004", "四村", 7),
    ]
    columns = {"行政区划代码": "code", "名称": "name"}
    assert read_table(path, columns=columns).rows() == expected
    monkeypatch.setattr(tables, "CSV_CHUNK_ROWS", 2)
    table = tables.open_table(path, columns=columns)
    chunks = list(table)
    assert len(chunks) == 3 and pl.concat(chunks).rows() == expected
    assert table.position() == (path.stat().st_size, path.stat().st_size)


def test_a_csv_field_beyond_the_csv_limit_is_a_table_error_not_a_crash(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("code,name\n1," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(TableError) as e:
        list(open_table(path, columns={"code": "code", "name": "name"}))
    assert "long.csv" in e.value.message_zh and "cannot be read" in e.value.message_en
