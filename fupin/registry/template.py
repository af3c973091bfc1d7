"""Workbooks of the registry import: the empty template, a data workbook, the errors workbook.

All three are written with xlsxwriter. Row 1 of 户 and 成员 holds the Chinese headers only, so every
workbook written here can be imported again as it is (the errors workbook too, after correction: the
extra 错误/errors column is ignored by the importer).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from fupin.core.exports import SheetRows
from fupin.core.exports import workbook as safe_workbook
from fupin.registry import columns
from fupin.registry.columns import Column

TEXT_KINDS = {"text", "id", "region", "phone"}  # kept as text so Excel keeps every digit
CODES_SHEET = "代码表"
HELP_SHEET = "说明"
PROBLEMS_SHEET = "问题"
ERROR_HEADER = "错误/errors"
TEMPLATE_ROWS = 5000  # rows formatted as text and given drop-downs in the empty template

RULES_ZH_EN = [
    (
        "每户每年度一行（户）；每人一行（成员），用 户编号 连接。",
        "One row per household and year (户); one row per person (成员), linked by 户编号.",
    ),
    (
        "第1行是表头，请勿修改；可在表头上方加标题行。",
        "Row 1 holds the headers: do not change them; title rows above the header are allowed.",
    ),
    (
        "证件号码、户编号、行政区划代码、联系电话 请按文本输入（本模板已设为文本格式）；按数字输入的18位证件号码会丢失末几位，将被拒绝。",
        "Type ID numbers, household numbers, village codes and phone numbers as text (this template "
        "already formats them as text); an 18-digit ID typed as a number loses its last digits and is rejected.",
    ),
    (
        "代码列可填中文名称（见下拉列表和“代码表”）、代码或英文名称。",
        "Code columns accept the Chinese label (see the drop-downs and sheet 代码表), the code or the English label.",
    ),
    (
        "金额单位为元，可带千分位逗号（如 1,200.50）；空白按0计。",
        "Amounts are in yuan and may carry thousands separators (e.g. 1,200.50); blank counts as 0.",
    ),
    (
        "每户必须有且只有一位户主；一个人只能属于一户。",
        "Every household needs exactly one head; a person belongs to one household only.",
    ),
    (
        "有错误的户整户不导入，错误逐行说明（行、列、值、规则）；勾选“跳过错误”时导入其余各户，错误行写入错误工作簿。",
        "A household with an error is not imported; each error names row, column, value and rule. With "
        "'skip invalid' the other households are saved and rejected rows go to the errors workbook.",
    ),
    ("同一文件重复导入不会产生任何变化。", "Importing the same file twice changes nothing the second time."),
]

KIND_HELP = {
    "text": ("文本", "text"),
    "id": ("18位居民身份证号码（文本）", "18-character resident ID number (text)"),
    "region": ("12位村级行政区划代码（文本）", "12-digit village code (text)"),
    "phone": ("电话号码（文本）", "phone number (text)"),
    "year": ("四位年份，如 2024", "four-digit year, e.g. 2024"),
    "amount": ("金额（元）", "amount (yuan)"),
    "int": ("整数", "whole number"),
    "code": ("从下拉列表选择", "pick from the drop-down"),
    "codes": ("可多选，用逗号或顿号分隔", "several allowed, separated by commas or 、"),
    "date": ("日期 YYYY-MM-DD", "date YYYY-MM-DD"),
}


def _sheet_columns(member: bool) -> tuple[Column, ...]:
    return columns.MEMBER_COLUMNS if member else columns.HOUSEHOLD_COLUMNS


def write_template(path: str | Path) -> Path:
    """The empty import workbook: 户, 成员 (headers, text formats, drop-downs), 说明, hidden 代码表."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    required = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True})
    text = wb.add_format({"num_format": "@"})
    sheets = {
        columns.HOUSEHOLD_SHEET: columns.HOUSEHOLD_COLUMNS,
        columns.MEMBER_SHEET: columns.MEMBER_COLUMNS,
    }
    ws_map = {name: wb.add_worksheet(name) for name in sheets}
    help_ws = wb.add_worksheet(HELP_SHEET)
    codes_ws = wb.add_worksheet(CODES_SHEET)

    # 代码表: one column per code list (Chinese labels), referenced by the drop-downs.
    lists: dict[str, str] = {}
    seen = []
    for cols in sheets.values():
        for c in cols:
            if c.codelist is not None and c.codelist.key not in lists:
                i = len(seen)
                seen.append(c.codelist)
                codes_ws.write_string(0, i, c.codelist.zh)
                for r, code in enumerate(c.codelist, start=1):
                    codes_ws.write_string(r, i, code.zh)
                col = xl_col_to_name(i)
                lists[c.codelist.key] = f"='{CODES_SHEET}'!${col}$2:${col}${len(c.codelist.codes) + 1}"
    codes_ws.hide()

    for name, cols in sheets.items():
        ws = ws_map[name]
        ws.freeze_panes(1, 0)
        for i, c in enumerate(cols):
            ws.write_string(0, i, c.zh, required if c.required else header)
            ws.write_comment(0, i, f"{c.key} — {c.label_en}" + (" (必填 / required)" if c.required else ""))
            ws.set_column(i, i, max(10, len(c.zh) * 2 + 4), text if c.kind in TEXT_KINDS else None)
            if c.kind == "code" and c.codelist is not None:
                ws.data_validation(
                    1,
                    i,
                    TEMPLATE_ROWS,
                    i,
                    {
                        "validate": "list",
                        "source": lists[c.codelist.key],
                        "error_title": "代码错误 / invalid code",
                        "error_message": f"请从列表中选择{c.zh} / pick a {c.label_en.lower()} from the list",
                        "error_type": "warning",
                    },
                )

    # 说明
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    help_ws.set_column(0, 0, 16)
    help_ws.set_column(1, 2, 22)
    help_ws.set_column(3, 4, 60)
    help_ws.write_string(0, 0, "扶贫建档立卡导入模板 / Registry import template", bold)
    r = 2
    for zh, en in RULES_ZH_EN:
        help_ws.write_string(r, 0, "规则 / Rule", bold)
        help_ws.write_string(r, 3, zh, wrap)
        help_ws.write_string(r, 4, en, wrap)
        r += 1
    r += 1
    for i, h in enumerate(["工作表 / sheet", "列 / column", "英文键 / key", "说明", "Description"]):
        help_ws.write_string(r, i, h, bold)
    r += 1
    for name, cols in sheets.items():
        for c in cols:
            zh, en = KIND_HELP.get(c.kind, ("", ""))
            if c.codelist is not None:
                zh = f"{zh}：" + "、".join(code.zh for code in c.codelist)
                en = f"{en}: " + ", ".join(code.en for code in c.codelist)
            if c.required:
                zh, en = f"必填。{zh}", f"Required. {en}"
            help_ws.write_row(r, 0, [name, c.zh, c.key, zh, f"{c.label_en}: {en}"], wrap)
            r += 1
    wb.close()
    return path


def _sheet(wb, name: str, cols: Iterable[Column], present: Iterable[str], extra: Iterable[str] = ()):
    """Sheet `name` (and its continuation sheets) with the Chinese headers of the columns in `present` (text
    columns formatted as text); returns its SheetRows with the keys of its columns, in order."""
    present = set(present)
    cols = [c for c in cols if c.key in present]
    text = wb.add_format({"num_format": "@"})

    def start(ws) -> int:
        for i, c in enumerate(cols):
            if c.kind in TEXT_KINDS:
                ws.set_column(i, i, 20, text)
        ws.write_row(0, 0, [c.zh for c in cols] + list(extra))
        return 1

    return SheetRows(wb, name, start), [c.key for c in cols] + list(extra)


def _write_rows(sheets: SheetRows, keys: list[str], frame: pl.DataFrame) -> None:
    """The rows of `frame` as text, after the rows already written."""
    for row in frame.select(keys).iter_rows():
        ws, r = sheets.next()
        for i, v in enumerate(row):
            if v is not None and v != "":
                ws.write_string(r, i, str(v))


def _write_frame(wb, name: str, cols: Iterable[Column], frame: pl.DataFrame) -> None:
    sheets, keys = _sheet(wb, name, cols, frame.columns)
    _write_rows(sheets, keys, frame)


def write_workbook(households: pl.DataFrame, members: pl.DataFrame, path: str | Path) -> Path:
    """All-string frames keyed by workbook keys → an importable xlsx (constant memory)."""
    path = Path(path)
    wb = safe_workbook(path, constant_memory=True)  # every cell text, never a formula
    _write_frame(wb, columns.HOUSEHOLD_SHEET, columns.HOUSEHOLD_COLUMNS, households)
    _write_frame(wb, columns.MEMBER_SHEET, columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS, members)
    wb.close()
    return path


def _messages(problems: pl.DataFrame, sheet_key: str) -> pl.DataFrame:
    """row → '列 值: 说明 / English' joined, for the problems of one sheet."""
    p = problems.filter(pl.col("sheet").is_in(_SHEET_NAMES[sheet_key]))
    return (
        p.group_by("row")
        .agg(
            pl.concat_str([pl.col("message_zh"), pl.lit(" / "), pl.col("message_en")])
            .str.join("；")
            .alias(ERROR_HEADER)
        )
        .rename({"row": "_row"})
        .with_columns(pl.col("_row").cast(pl.Int64))
    )


_SHEET_NAMES = {
    "households": [columns.HOUSEHOLD_SHEET, "households", "household"],
    "members": [columns.MEMBER_SHEET, "members", "member"],
}


def write_errors_workbook(
    raw: tuple[Iterable[pl.DataFrame], Iterable[pl.DataFrame]],
    problems: pl.DataFrame,
    path: str | Path,
    *,
    rejected: set[str] | None = None,
) -> Path:
    """The rejected rows as given plus an 错误/errors column, and a 问题 sheet listing every problem.

    `raw`: the household rows and the member rows as read (all-string frames with `_row`), each an iterable of
    chunks in row order, so that a large file is written a chunk at a time. Rows shown: every row of a
    rejected household, and every other row that has a problem."""
    from fupin.registry.validation.cells import household_no_expr

    path = Path(path)
    rejected = pl.Series(sorted(rejected or ()), dtype=pl.String)
    wb = safe_workbook(path, constant_memory=True)  # every cell text, never a formula
    for (name, key, cols), chunks in zip(
        (
            (columns.HOUSEHOLD_SHEET, "households", columns.HOUSEHOLD_COLUMNS),
            (columns.MEMBER_SHEET, "members", columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS),
        ),
        raw,
        strict=True,
    ):
        msgs = (
            _messages(problems, key)
            if problems.height
            else pl.DataFrame(schema={"_row": pl.Int64, ERROR_HEADER: pl.String})
        )
        sheets = keys = None
        for frame in chunks:
            if sheets is None:
                sheets, keys = _sheet(wb, name, cols, frame.columns, extra=[ERROR_HEADER])
            rows = frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns if c != "_row")
            rows = (
                rows.join(msgs, on="_row", how="left")
                .filter(pl.col(ERROR_HEADER).is_not_null() | household_no_expr().is_in(rejected.implode()))
                .sort("_row")
            )
            rows = rows.with_columns(
                pl.col(ERROR_HEADER).fill_null(
                    "同户其他行有错误 / another row of this household has an error"
                )
            )
            _write_rows(sheets, keys, rows)
        if sheets is None:
            _sheet(wb, name, cols, [c.key for c in cols], extra=[ERROR_HEADER])
    heads = [
        "工作表/sheet",
        "行/row",
        "户编号/household",
        "列/column",
        "值/value",
        "规则/rule",
        "级别/severity",
        "中文说明",
        "English",
    ]
    keys = ["sheet", "row", "household_no", "column", "value", "rule", "severity", "message_zh", "message_en"]

    def problems_header(ws) -> int:
        ws.write_row(0, 0, heads)
        return 1

    problem_rows = SheetRows(wb, PROBLEMS_SHEET, problems_header)
    present = [k if k in problems.columns else None for k in keys]
    sel = problems.select(
        [
            pl.col(k).cast(pl.String) if k else pl.lit(None, pl.String).alias(f"_{i}")
            for i, k in enumerate(present)
        ]
    )
    for row in sel.iter_rows():
        ws, r = problem_rows.next()
        for i, v in enumerate(row):
            if v is not None:
                if i == 1 and v.isdigit():
                    ws.write_number(r, i, int(v))
                else:
                    ws.write_string(r, i, v)
    wb.close()
    return path
