"""Exports never carry a live formula, and numbers that cannot be written become empty cells."""

import io

import openpyxl
import polars as pl

from fupin.core.exports import cell, csv_safe, workbook, write_csv, write_sheet, write_xlsx

NASTY = [
    "=1+1",
    "@SUM(A1:A2)",
    "+cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "-2+3",
    "\tTAB",
    "\rCR",
    "http://example.com",
    "普通姓名",
    "-5",
    "-1.5",
    "",
    None,
]


def _read(data) -> list:
    ws = openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data).active
    return [c for row in ws.iter_rows(min_row=2) for c in row]


def test_workbook_writes_formula_like_text_as_text():
    buf = io.BytesIO()
    with workbook(buf) as wb:
        write_sheet(wb, pl.DataFrame({"name": NASTY}), "s")
        ws = wb.add_worksheet("direct")
        for i, v in enumerate(NASTY[:5]):
            ws.write(i, 0, v)
    wb2 = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    cells = [r[0] for r in wb2["s"].iter_rows(min_row=2)] + [r[0] for r in wb2["direct"].iter_rows()]
    assert all(c.data_type != "f" for c in cells)
    # xlsxwriter stores a CR as the escape _x000D_, which Excel reads back as CR (openpyxl does not)
    assert [c.value.replace("_x000D_", "\r") for c in cells[:9]] == NASTY[:9]
    assert wb2["s"]["A9"].hyperlink is None


def test_write_xlsx_to_path(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", pl.DataFrame({"name": ["=1+1"], "n": [1]}), "s")
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    assert (ws["A2"].data_type, ws["A2"].value, ws["B2"].value) == ("s", "=1+1", 1)


def test_csv_quotes_dangerous_leading_characters():
    out = csv_safe(pl.DataFrame({"name": NASTY, "n": list(range(len(NASTY)))}))["name"].to_list()
    assert out == [
        "'=1+1",
        "'@SUM(A1:A2)",
        "'+cmd|' /C calc'!A0",
        '\'=HYPERLINK("http://x","y")',
        "'-2+3",
        "'\tTAB",
        "'\rCR",
        "http://example.com",
        "普通姓名",
        "-5",
        "-1.5",
        "",
        None,
    ]
    text = write_csv(pl.DataFrame({"a": ["=1+1"], "b": ["ok"]}))
    assert text.splitlines() == ["a,b", "'=1+1,ok"]


def test_nan_and_inf_become_empty_cells():
    df = pl.DataFrame({"rate": [1.5, float("nan"), float("inf"), None, -float("inf")]})
    buf = io.BytesIO()
    with workbook(buf) as wb:
        write_sheet(wb, df, "s")
    assert [c.value for c in _read(buf.getvalue())] == [1.5, None, None, None, None]
    assert write_csv(df).splitlines() == ["rate", "1.5", "", "", "", ""]
    assert [cell(v) for v in (float("nan"), float("inf"), None, 2.0, "x")] == [None, None, None, 2.0, "x"]
