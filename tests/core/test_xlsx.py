"""The streaming xlsx reader (fupin.core.xlsx and its C scanner) on files from real writers and on
hand-built packages with the rarer markup; block boundaries; damaged and hostile input."""

import datetime
import random
import zipfile

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from fupin.core import _xlsxscan, tables, xlsx
from fupin.core.tables import TableError, read_table


def rows_of(path, sheet=None):
    with xlsx.Workbook(path) as book:
        frames = list(book.rows(sheet or book.sheet_names[0]))
    return pl.concat(frames, how="diagonal") if frames else pl.DataFrame()


def grid(frame):
    """{(excel_row, column_index): value} of the non-null cells."""
    out = {}
    for r in frame.iter_rows(named=True):
        for k, v in r.items():
            if k != "_row" and v is not None:
                out[(r["_row"], int(k[1:]))] = v
    return out


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def package(path, sheet_xml, *, strings=None, styles=None, date1904=False, prefix=""):
    """A minimal xlsx written by hand: one sheet named 表 (worksheets/s.xml), optional parts."""
    x = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rels = [
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/s.xml"/>'
    ]
    if strings is not None:
        rels.append(
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="/xl/strings.xml"/>'
        )
    if styles is not None:
        rels.append(
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/>'
        )
    pr = f'<{x}workbookPr date1904="1"/>' if date1904 else ""
    book = (
        f'<?xml version="1.0"?><{x}workbook {ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships">{pr}<{x}sheets><{x}sheet name="表" sheetId="1" r:id="rId1"/></{x}sheets>'
        f"</{x}workbook>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", book)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{"".join(rels)}</Relationships>',
        )
        z.writestr(
            "xl/worksheets/s.xml",
            f'<?xml version="1.0"?><{x}worksheet {ns}><{x}dimension ref="A1"/>'
            f"<{x}sheetData>{sheet_xml}</{x}sheetData></{x}worksheet>",
        )
        if strings is not None:
            z.writestr(
                "xl/strings.xml", f'<?xml version="1.0"?><sst {ns.replace(":" + prefix, "")}>{strings}</sst>'
            )
        if styles is not None:
            z.writestr(
                "xl/styles.xml",
                f'<?xml version="1.0"?><styleSheet {ns.replace(":" + prefix, "")}>{styles}</styleSheet>',
            )
    return path


STYLES = (
    '<numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="165" formatCode="0.00&quot;元&quot;"/><numFmt numFmtId="166" formatCode="[h]:mm"/>'
    '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="14"/><xf numFmtId="166"/><xf numFmtId="31"/></cellXfs>'
)

HAND_SHEET = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr">'
    '<is><r><rPr><b/></rPr><t>行</t></r><r><t xml:space="preserve"> 政 </t></r><rPh sb="0" eb="1">'
    "<t>ぎょう</t></rPh></is></c></row>"
    '<row r="3" spans="1:9" ht="20"><c r="A3" s="1"><v>43957</v></c><c r="B3" s="2"><v>1200.5</v></c>'
    '<c r="C3" s="3"><v>43957.75</v></c><c r="D3" s="4"><v>1.5</v></c><c r="E3" s="5"><v>45000</v></c>'
    '<c r="F3" t="b"><v>1</v></c><c r="G3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '<c r="H3" t="str"><f>A1&amp;"x"</f><v>a&lt;b&gt;&amp;&quot;&apos;&#20013;&#x6587;</v></c>'
    '<c r="I3" t="d"><v>2020-05-06T00:00:00</v></c></row>'
    '<row><c><v>7</v></c><c><v>8</v></c><c r="E4"><v>9</v></c><c><v>10</v></c></row>'
    '<row r="6"><c r="A6" t="inlineStr"><is><t>a_x000D_b&#13;c\r\nd_x005F_x0041_e_xD83D__xDE00_</t></is></c>'
    "<c r='B6' t='inlineStr'><is><t><![CDATA[<not markup> & co]]><!-- note --></t></is></c>"
    '<c r="C6" foo="a>b"><v>4.30102198001011E+17</v></c><c r="D6"><v>1E-07</v></c><c r="E6"/>'
    '<c r="F6" t="s"><v>2</v></c></row><row r="7"/>'
)
HAND_STRINGS = "<si><t>证件号码</t></si><si><r><t>姓</t></r><r><rPr/><t>名</t></r></si><si><t/></si>"
HAND_GRID = {
    (1, 0): "证件号码",
    (1, 1): "姓名",
    (1, 2): "行 政 ",
    (3, 0): "2020-05-06",
    (3, 1): "1200.5",
    (3, 2): "2020-05-06",
    (3, 3): "1.5",
    (3, 4): "2023-03-15",
    (3, 5): "true",
    (3, 7): "a<b>&\"'中文",
    (3, 8): "2020-05-06",
    (4, 0): "7",
    (4, 1): "8",
    (4, 4): "9",
    (4, 5): "10",
    (6, 0): "a\rb\rc\nd_x0041_e\U0001f600",
    (6, 1): "<not markup> & co",
    (6, 2): "430102198001011000",
    (6, 3): "0.0000001",
    (6, 5): "",
}


def test_hand_built_package_every_kind_of_cell(tmp_path):
    path = package(tmp_path / "h.xlsx", HAND_SHEET, strings=HAND_STRINGS, styles=STYLES)
    frame = rows_of(path)
    assert frame["_row"].to_list() == [1, 3, 4, 6]  # blank and empty rows are absent
    assert grid(frame) == HAND_GRID


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 13, 64, 200])
def test_every_block_boundary_gives_the_same_cells(tmp_path, monkeypatch, block):
    """The scanner stops at the last complete row of a block and goes on from there: cutting the XML at
    any byte (inside a tag, an entity, an _xHHHH_ escape, a CDATA section, a comment) changes nothing."""
    path = package(tmp_path / "h.xlsx", HAND_SHEET, strings=HAND_STRINGS, styles=STYLES)
    monkeypatch.setattr(xlsx, "BLOCK_BYTES", block)
    assert grid(rows_of(path)) == HAND_GRID


def test_namespace_prefixes_and_the_1904_date_system(tmp_path):
    sheet = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>出生日期</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" s="1"><x:v>0</x:v></x:c><x:c r="B2"><x:v>12</x:v></x:c></x:row>'
    )
    path = package(
        tmp_path / "p.xlsx",
        sheet,
        styles='<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>',
        date1904=True,
        prefix="x",
    )
    assert grid(rows_of(path)) == {(1, 0): "出生日期", (2, 0): "1904-01-01", (2, 1): "12"}


def test_excel_1900_serials_before_march_1900(tmp_path):
    sheet = "".join(
        f'<row r="{i}"><c r="A{i}" s="1"><v>{v}</v></c></row>'
        for i, v in enumerate([1, 59, 61, 36526], start=1)
    )
    path = package(
        tmp_path / "d.xlsx", sheet, styles='<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    )
    assert rows_of(path)["c0"].to_list() == ["1900-01-01", "1900-02-28", "1900-03-01", "2000-01-01"]


def test_numbers_are_shown_as_excel_shows_them(tmp_path):
    values = [
        "12",
        "12.0",
        "1200.5",
        "-0.5",
        "1E-07",
        "4.30102198001011E+17",
        "9999999999999999",
        "1E+300",
        "not a number",
    ]
    sheet = "".join(f'<row r="{i}"><c r="A{i}"><v>{v}</v></c></row>' for i, v in enumerate(values, start=1))
    path = package(tmp_path / "n.xlsx", sheet)
    assert rows_of(path)["c0"].to_list() == [
        "12",
        "12",
        "1200.5",
        "-0.5",
        "0.0000001",
        "430102198001011000",
        "10000000000000000",
        "1E+300",
        "not a number",
    ]


def test_xlsxwriter_shared_and_inline_strings_give_the_same_rows(tmp_path):
    def write(path, constant_memory):
        wb = xlsxwriter.Workbook(path, {"constant_memory": constant_memory})
        ws = wb.add_worksheet("成员")
        bold = wb.add_format({"bold": True})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, ["证件号码", "姓名", "出生日期", "务工时间", "备注"])
        for r in range(1, 300):
            ws.write_string(r, 0, f"52052619800101{r:04d}")
            ws.write_string(r, 1, f"张{r} & <李>")
            ws.write_datetime(r, 2, datetime.datetime(1980, 1, 1) + datetime.timedelta(days=r), date)
            ws.write_number(r, 3, r % 13)
            if r % 7 == 0:
                ws.write_rich_string(r, 4, "甲", bold, "乙", "丙") if not constant_memory else ws.write(
                    r, 4, "甲乙丙"
                )
        wb.close()

    write(tmp_path / "shared.xlsx", False)
    write(tmp_path / "inline.xlsx", True)
    shared, inline = rows_of(tmp_path / "shared.xlsx"), rows_of(tmp_path / "inline.xlsx")
    assert shared.rows() == inline.rows()
    assert shared.row(7) == (8, "520526198001010007", "张7 & <李>", "1980-01-08", "7", "甲乙丙")


def test_openpyxl_rich_text_dates_and_formulas(tmp_path):
    path = tmp_path / "o.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "出生日期", "收入", "公式"])
    ws.append(
        [
            CellRichText(["王", TextBlock(InlineFont(b=True), "小明")]),
            datetime.date(2001, 2, 3),
            1234.5,
            "=C2*2",
        ]
    )
    ws["B2"].number_format = 'yyyy"年"m"月"d"日"'
    ws.append(["x\ny", datetime.datetime(2010, 10, 10, 8, 30), -3, None])
    wb.save(path)
    frame = rows_of(path)
    # openpyxl writes an empty cached value for a formula: the cell reads as "" (blank for the tables)
    assert frame.rows() == [
        (1, "姓名", "出生日期", "收入", "公式"),
        (2, "王小明", "2001-02-03", "1234.5", ""),
        (3, "x\ny", "2010-10-10", "-3", None),
    ]


def test_the_legacy_reader_agrees_with_the_streaming_one(tmp_path):
    """calamine (used for .xls/.xlsb/.ods) and the streaming scanner give the same table for a workbook."""
    from tests.core.test_tables import COLUMNS, write_messy_xlsx

    path = tmp_path / "hh.xlsx"
    write_messy_xlsx(path)
    streamed = read_table(path, columns=COLUMNS, sheet="户")
    legacy = tables._read_legacy_excel(path, "户", ())
    table = tables.Table(
        iter([legacy]),
        {"c0": "id_number", "c1": "name", "c2": "birth_date", "c3": "wage_income", "c4": "region_code"},
        header_row=3,
        position=tables._read_whole,
    )
    assert pl.concat(list(table)).rows() == streamed.rows()


def test_a_truncated_sheet_is_reported_not_half_read(tmp_path):
    good = package(tmp_path / "g.xlsx", HAND_SHEET, strings=HAND_STRINGS, styles=STYLES)
    with zipfile.ZipFile(good) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    cut = parts["xl/worksheets/s.xml"]
    parts["xl/worksheets/s.xml"] = cut[: cut.index(b'<row r="6"') + 30]
    bad = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(TableError) as err:
        read_table(bad, columns={"证件号码": "id_number", "姓名": "name"})
    assert err.value.message_zh.startswith("工作表“表”已损坏，无法读取")
    assert "the sheet ends inside an element" in err.value.message_en


@pytest.mark.parametrize(
    "sheet, why",
    [
        ('<row r="1"><c r="A1"><v>1</v></c></row><!DOCTYPE x [<!ENTITY a "b">]>', "DOCTYPE"),
        ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "column reference out of range"),
        ('<row r="2000000"><c r="A1"><v>1</v></c></row>', "row number out of range"),
        ('<row r="1"><c r="A1"<v>1</v></c></row>', "'<' inside a tag"),
    ],
)
def test_hostile_or_broken_markup_is_refused(tmp_path, sheet, why):
    path = package(tmp_path / "x.xlsx", sheet)
    with pytest.raises(xlsx.XlsxError, match=why):
        rows_of(path)


def test_text_that_is_not_utf8_is_refused(tmp_path):
    path = package(tmp_path / "x.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>BAD</t></is></c></row>')
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/s.xml"] = parts["xl/worksheets/s.xml"].replace(b"BAD", b"\xff\xfe")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(xlsx.XlsxError, match="not valid UTF-8"):
        rows_of(path)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(xlsx.XlsxError):
        xlsx.Workbook(path)


def test_mutated_xml_never_crashes_the_scanner():
    """Random byte edits of a valid sheet: the scanner returns cells or raises ValueError, and what it
    returns is self-consistent (one offset more than cells, offsets within the text)."""
    import numpy as np

    doc = f"<worksheet><sheetData>{HAND_SHEET}</sheetData></worksheet>".encode()
    rng = random.Random(20261201)
    alphabet = b"<>/=\"'&;#x_ \r\ncvtrisf0123456789AZ:!-[]"
    for _ in range(3000):
        data = bytearray(doc)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[i] = rng.choice(alphabet)
            elif op < 0.7:
                del data[i : i + rng.randint(1, 20)]
            else:
                data[i:i] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        for final in (True, False):
            try:
                out = _xlsxscan.scan_rows(bytes(data), False, 0, final)
            except ValueError:
                continue
            consumed, n, offsets, values = out[0], out[4], out[9], out[10]
            ends = np.frombuffer(offsets, dtype=np.int32)
            assert 0 <= consumed <= len(data)
            assert len(ends) == n + 1 and ends[0] == 0 and ends[-1] == len(values)
            assert (np.diff(ends) >= 0).all()


def test_date_formats_are_told_from_number_formats():
    dates = [
        "yyyy-mm-dd",
        'yyyy"年"m"月"d"日"',
        "m/d/yy h:mm",
        "[$-F800]dddd, mmmm dd, yyyy",
        "mmm-yy",
        "[Red]yyyy/mm/dd",
        "d-mmm",
    ]
    numbers = ["0.00", '#,##0"元"', "0%", "@", "General", "[h]:mm:ss", "h:mm", '0.0"m"', "[Blue]0.00"]
    assert [xlsx.is_date_format(c) for c in dates] == [True] * len(dates)
    assert [xlsx.is_date_format(c) for c in numbers] == [False] * len(numbers)
