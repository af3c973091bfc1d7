"""Exports written a batch at a time (fupin.core.exports): the same cells as the in-memory writer, and a
file that is sent from FUPIN_HOME/tmp and removed afterwards."""

import io
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from django.conf import settings
from django.http import FileResponse, HttpResponse

from fupin.core import exports


def _cells(path_or_bytes, sheet=None) -> list[list]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = openpyxl.load_workbook(src)
    ws = wb[sheet] if sheet else wb.active
    return [
        [(c.value, c.number_format if c.value is not None else None) for c in row] for row in ws.iter_rows()
    ]


FRAME = pl.DataFrame(
    {
        "户编号": ["A001", "=1+1", None, "@SUM(A1)"],
        "人数": [3, None, 5, -2],
        "人均纯收入": [3000.0, float("nan"), 12.345, -7.5],
        "出生日期": [date(1980, 1, 2), None, date(2001, 3, 4), date(1999, 12, 31)],
        "时间": [datetime(2024, 5, 6, 7, 8, 9), None, None, datetime(2020, 1, 1)],
    }
)


def _export_files() -> list:
    folder = settings.FUPIN_HOME / "tmp"
    return [p for p in folder.glob("export-*")] if folder.exists() else []


def test_streamed_sheet_has_the_cells_and_formats_of_the_in_memory_writer(tmp_path):
    old = tmp_path / "old.xlsx"
    exports.write_xlsx(
        old, FRAME, "户", table_style=None, autofit=True, freeze_panes=(1, 0), float_precision=2
    )
    new = tmp_path / "new.xlsx"
    # three batches of the same rows: the header once, rows in order
    rows = exports.write_xlsx_batches(
        new,
        [("户", iter([FRAME.slice(0, 1), FRAME.slice(1, 2), FRAME.slice(3, 1)]), exports_options())],
    )
    assert rows == {"户": 4}
    assert _cells(new) == _cells(old)
    ws = openpyxl.load_workbook(new)["户"]
    assert ws["A2"].data_type == "s" and ws["A3"].value == "=1+1" and ws["A3"].data_type != "f"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 8  # fitted to the header and the values


def exports_options() -> dict:
    return {"autofit": True, "freeze_panes": (1, 0), "float_precision": 2}


def test_an_empty_export_still_has_its_header(tmp_path):
    path = tmp_path / "e.xlsx"
    frames = exports.batches(iter([]), {"a": pl.Int64, "b": pl.String})
    assert exports.write_xlsx_batches(path, [("s", frames, {})]) == {"s": 0}
    assert _cells(path) == [[("a", "General"), ("b", "General")]]


def test_batches_cut_rows_into_frames_of_the_schema():
    frames = list(
        exports.batches(iter([(i, str(i)) for i in range(25)]), {"n": pl.Int64, "s": pl.String}, 10)
    )
    assert [f.height for f in frames] == [10, 10, 5]
    assert pl.concat(frames)["n"].to_list() == list(range(25))
    dicts = list(exports.batches(iter([{"n": 1, "s": "x"}]), {"n": pl.Int64, "s": pl.String}, 10))
    assert dicts[0].to_dicts() == [{"n": 1, "s": "x"}]


def test_csv_batches_are_one_file_with_one_header(tmp_path):
    path = tmp_path / "x.csv"
    n = exports.write_csv_batches(path, iter([FRAME.slice(0, 2), FRAME.slice(2, 2)]), bom=True)
    assert n == 4
    assert path.read_bytes() == ("\ufeff" + exports.write_csv(FRAME)).encode()


@pytest.mark.django_db
def test_a_large_file_is_sent_from_disk_and_removed_after(monkeypatch):
    monkeypatch.setattr(exports, "INLINE_MAX_BYTES", 10)
    out = exports.ExportFile(".csv")
    exports.write_csv_batches(out.path, iter([FRAME]))
    assert out.path.exists() and out.folder in _export_files()
    r = out.response("x.csv", "text/csv; charset=utf-8")
    assert isinstance(r, FileResponse) and r.streaming
    assert r["Content-Disposition"] == 'attachment; filename="x.csv"'
    body = b"".join(r.streaming_content)
    r.close()  # what the server does once the body is sent
    assert body == exports.write_csv(FRAME).encode()
    assert not out.folder.exists() and out.folder not in _export_files()


@pytest.mark.django_db
def test_a_small_file_is_answered_in_one_piece_and_removed_at_once():
    out = exports.ExportFile(".csv")
    exports.write_csv_batches(out.path, iter([FRAME]))
    r = out.response("x.csv", "text/csv")
    assert isinstance(r, HttpResponse) and not r.streaming
    assert r.content == exports.write_csv(FRAME).encode()
    assert not out.folder.exists()


def test_rows_past_the_sheet_limit_go_on_in_continuation_sheets_with_the_header(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 3)  # the header and two rows
    path = tmp_path / "t.xlsx"
    frames = iter([FRAME.slice(0, 1), FRAME.slice(1, 3)])  # four rows: two sheets, the second cut mid-frame
    assert exports.write_xlsx_batches(path, [("s", frames, {"freeze_panes": (1, 0)})]) == {"s": 4}
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["s", "s (2)"]
    assert [row[0][0] for row in _cells(path, "s")] == ["户编号", "A001", "=1+1"]
    assert [row[0][0] for row in _cells(path, "s (2)")] == ["户编号", None, "@SUM(A1)"]
    assert [row[1][0] for row in _cells(path, "s (2)")] == ["人数", 5, -2]
    assert wb["s (2)"].freeze_panes == "A2"


def test_a_frame_past_the_sheet_limit_is_written_whole_over_continuation_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    path = tmp_path / "t.xlsx"
    long_name = "一个很长的工作表名称用来检验续表名称不超过三十一个字符"  # 27 characters
    with exports.workbook(path) as wb:
        exports.write_sheet(wb, FRAME.select("户编号", "人数"), long_name, table_style=None)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [long_name, *(long_name[:27] + f" ({k})" for k in (2, 3, 4))]
    assert all(len(name) <= 31 for name in wb.sheetnames)
    values = [_cells(path, name)[1][1][0] for name in wb.sheetnames]
    assert values == [3, None, 5, -2]


def test_excel_limits_cut_nothing_at_the_real_limit():
    """One row past the real limit: Polars refuses to write it into one sheet; the parts hold it all."""
    df = pl.DataFrame({"n": range(exports.SHEET_MAX_ROWS)})  # with its header: one row too many
    parts = list(exports.sheet_parts("结果", df))
    assert [(name, part.height) for name, part in parts] == [("结果", 1_048_575), ("结果 (2)", 1)]
    assert parts[1][1]["n"].to_list() == [1_048_575]
