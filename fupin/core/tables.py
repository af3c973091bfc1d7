"""Reading messy user tables (xlsx, csv) into all-string Polars frames.

Real files are not tidy: a merged title row and a blank row above the header, headers spelt in
Chinese or English with stray or full-width spaces, blank rows in the middle, ID numbers typed as
numbers, dates as date cells, CSV saved by Chinese Excel in GBK. `read_table` absorbs all of that and
returns one `pl.String` column per recognised key plus `_row`, the row number the user sees in Excel
(or the CSV line number), so that every validation message can point at the row. It does not
validate values: that is the job of each import's validator.

Cell values come back stripped of surrounding whitespace (including U+3000 and no-break spaces),
with empty cells as null; they are otherwise untouched (full-width digits etc. are left to the
validators). From Excel:
- integral numbers are plain digits ("430102", not "430102.0", never "4.3e5");
- numbers of 16 or more digits are shown the way Excel shows them: 15 significant digits and zeros
  ("430102198001011000"), because Excel keeps only 15 — a validator can then tell the user the
  column was typed as numbers;
- date and date-time cells become "YYYY-MM-DD";
- formulas give their cached value (a file written by openpyxl has none: the cell reads as empty).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import polars as pl

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
HEADER_SEARCH_ROWS = 20
SPECULATIVE_SCAN_BYTES = 2 * 2**20
ROW = "_row"

_STRIP = " \t\r\n\u3000\u00a0\ufeff"
_DATETIME = r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?$"
_LONG_NUMBER = r"^-?\d{16,}$"


class TableError(Exception):
    """The file cannot be used as a table; the message is given in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


class FileUnreadable(TableError):
    """The file is missing, of an unknown kind, or cannot be opened (a usage error, not bad data)."""


def normalise_header(text: object) -> str:
    """How headers are compared: NFKC (full-width → ASCII), no whitespace, no '*' marks, casefolded."""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text).strip("*").casefold()


def read_table(
    path: Path,
    *,
    columns: dict[str, str],
    required: set[str] | frozenset[str] = frozenset(),
    sheet: str | None = None,
    sheet_aliases: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Read the table in `path` (xlsx/xls/ods or csv/tsv) and return its recognised columns as strings.

    `columns` maps every accepted header spelling to a key; `required` lists keys that must be present.
    The result has one String column per key found (named by the key) and `_row` (Int64).
    """
    path = Path(path)
    if not path.is_file():
        raise FileUnreadable(f"找不到文件 {path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        raw = _read_excel(path, sheet, sheet_aliases)
    elif suffix in CSV_SUFFIXES:
        raw = _read_csv(path)
    else:
        raise FileUnreadable(
            f"不支持的文件类型 {path.suffix}（请用 .xlsx 或 .csv）",
            f"unsupported file type {path.suffix} (use .xlsx or .csv)",
        )
    rows = raw[ROW]
    raw = raw.drop(ROW)

    wanted = {normalise_header(k): k for k in columns.values()}  # the keys themselves are accepted
    wanted.update({normalise_header(k): v for k, v in columns.items()})
    header_index, mapping = _find_header(raw, wanted, set(required), columns)
    missing = [k for k in _ordered_keys(columns) if k in required and k not in mapping.values()]
    if missing:
        names = "、".join(_label(columns, k) for k in missing)
        raise TableError(f"缺少必填列：{names}", f"missing required columns: {names}")

    body = raw.slice(header_index + 1)
    body_rows = rows.slice(header_index + 1)
    exprs = []
    for col, key in mapping.items():
        expr = pl.col(col).str.strip_chars(_STRIP)
        expr = pl.when(expr == "").then(None).otherwise(expr)
        exprs.append(expr.alias(key))
    out = body.select(exprs).with_columns(body_rows.alias(ROW))
    if mapping:
        out = out.filter(~pl.all_horizontal(pl.col(k).is_null() for k in mapping.values()))
    return out


def _ordered_keys(columns: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(columns.values()))


def _label(columns: dict[str, str], key: str) -> str:
    """The Chinese header of a key if there is one, with the key: '行政区划代码 (region_code)'."""
    spellings = [s for s, k in columns.items() if k == key]
    chinese = next((s for s in spellings if not s.isascii()), None)
    return f"{chinese} ({key})" if chinese else key


def _find_header(
    raw: pl.DataFrame, wanted: dict[str, str], required: set[str], columns: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """First of the top rows holding ≥2 known headers (or every required one): its index and col→key.

    Failing that, the top row with the most known headers (the caller then reports what is missing).
    """
    need = min(2, len(set(wanted.values())))
    best: tuple[int, dict[str, str]] | None = None
    for i, row in enumerate(raw.head(HEADER_SEARCH_ROWS).iter_rows()):
        mapping: dict[str, str] = {}
        for col, cell in zip(raw.columns, row, strict=True):
            if cell is None:
                continue
            key = wanted.get(normalise_header(cell))
            if key is not None and key not in mapping.values():
                mapping[col] = key
        found = set(mapping.values())
        if found and (len(found) >= need or (required and required <= found)):
            return i, mapping
        if found and (best is None or len(found) > len(best[1])):
            best = (i, mapping)
    if best is not None:
        return best
    expected = "、".join(_label(columns, k) for k in _ordered_keys(columns)[:6])
    raise TableError(
        f"前{HEADER_SEARCH_ROWS}行中找不到表头（应有列：{expected} 等）",
        f"no header row in the first {HEADER_SEARCH_ROWS} rows (expected columns such as {expected})",
    )


# --- Excel -----------------------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | None, aliases: tuple[str, ...]):
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # calamine raises several kinds for a file that is not a workbook
        raise FileUnreadable(
            f"无法打开工作簿 {path.name}：{exc}", f"cannot open workbook {path.name}: {exc}"
        ) from exc
    names = reader.sheet_names
    if not names:
        raise TableError(f"{path.name} 中没有工作表", f"{path.name} has no sheet")
    if sheet is None:
        name = names[0]
    else:
        by_norm = {normalise_header(n): n for n in names}
        name = next(
            (by_norm[normalise_header(s)] for s in (sheet, *aliases) if normalise_header(s) in by_norm), None
        )
        if name is None:
            found = "、".join(names)
            raise TableError(
                f"找不到工作表“{sheet}”（文件中的工作表：{found}）",
                f"sheet '{sheet}' not found (sheets in the file: {found})",
            )
    # A big xlsx: the scan for long number cells (see below) starts now and runs while calamine parses
    # (it is needed whenever 16+-digit numbers appear, e.g. household numbers, i.e. nearly always).
    scan = None
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.stat().st_size > SPECULATIVE_SCAN_BYTES:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        scan = pool.submit(_scan_number_cells, path, name)
        pool.shutdown(wait=False)
    loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
    excel_cols = {c.name: c.absolute_index for c in loaded.available_columns()}
    raw = loaded.to_polars()
    del loaded
    # Date-time cells → their date; only in the columns holding one (a test costs far less than a rewrite).
    if raw.width:
        has_dt = raw.select(pl.col(c).str.contains(_DATETIME).any() for c in raw.columns).row(0)
        raw = raw.with_columns(pl.col(c).str.replace(_DATETIME, "$1")
                               for c, hit in zip(raw.columns, has_dt, strict=True) if hit)

    # Numbers of 16+ digits: a number cell comes back as the exact value of the double Excel stored, to be
    # shown with 15 significant digits like Excel; a text cell must stay as typed. Only cells that could be
    # either (their digits are exactly a double's value, and rounding would change them) need the cell's type.
    long_cols = [c for c in raw.columns if raw[c].str.contains(_LONG_NUMBER).any()]
    ambiguous = {c: n for c in long_cols if (n := raw.select(_ambiguous(pl.col(c)).sum()).item())}
    if ambiguous:
        flags = _number_cells(path, name, raw.height, {c: excel_cols[c] for c in ambiguous},
                              scanned=scan.result() if scan is not None else None)
        if flags is None:  # not a plain xlsx: ask calamine for the types (a second parse of the sheet)
            typed = reader.load_sheet(
                name, header_row=None, skip_rows=0, use_columns=list(ambiguous),
                dtypes={c: "boolean" for c in ambiguous},
            ).to_polars()
            flags = {c: typed[c].is_not_null() for c in ambiguous}  # a text cell reads as null
        raw = raw.with_columns(
            pl.when(flags[c] & _ambiguous(pl.col(c))).then(_fifteen_digits(pl.col(c))).otherwise(pl.col(c)).alias(c)
            for c in ambiguous
        )
    # Frame row i is Excel row i + 1 (skip_rows=0 keeps leading blank rows).
    return raw.with_columns(pl.Series(ROW, range(1, raw.height + 1), dtype=pl.Int64))


def _ambiguous(text: pl.Expr) -> pl.Expr:
    """16+ digit integers that are exactly a double's value and that 15-digit rounding would change."""
    exact = text.cast(pl.Float64, strict=False).cast(pl.Decimal(38, 0), strict=False).cast(pl.String)
    return text.str.contains(_LONG_NUMBER) & (exact == text) & (_fifteen_digits(text) != text)


_XML_CHUNK = 16 * 2**20
_LONG_VALUE = re.compile(rb"<v>(?:-?\d{16,}(?:\.0*)?|-?\d(?:\.\d+)?[eE]\+?(?:1[5-9]|[2-9]\d))</v>")
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'\st="([a-zA-Z]+)"')


def _number_cells(path: Path, sheet: str, height: int, columns: dict[str, int],
                  scanned: dict[int, list[int]] | None = None) -> dict[str, pl.Series] | None:
    """For each frame column (by its Excel column index), which rows are number cells holding a long value.
    `scanned`: the result of `_scan_number_cells` when it already ran (None: scan now)."""
    found = scanned if scanned is not None else _scan_number_cells(path, sheet)
    if found is None:
        return None
    index = pl.int_range(0, height, dtype=pl.Int64, eager=True)
    return {c: index.is_in(pl.Series(found.get(i, []), dtype=pl.Int64).implode()) for c, i in columns.items()}


def _scan_number_cells(path: Path, sheet: str) -> dict[int, list[int]] | None:
    """Excel column index → 0-based rows of the number cells holding a long value, for every column.

    Reads the sheet's XML straight from the xlsx (streamed, no second parse): number cells are the
    `<c>` without a `t` attribute (or t="n") whose `<v>` holds 16+ digits. None when the file is not a
    plain xlsx or a cell cannot be located (the caller then asks calamine)."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                  "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                  "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next(e.get(f"{{{ns['r']}}}id") for e in book.iterfind("m:sheets/m:sheet", ns)
                       if e.get("name") == sheet)
            target = next(e.get("Target") for e in rels.iterfind("p:Relationship", ns) if e.get("Id") == rid)
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            found: dict[int, list[int]] = {}
            with z.open(part) as f:
                carry = b""
                first = True
                while True:
                    block = f.read(_XML_CHUNK)
                    data = carry + block
                    if first:
                        if b"<sheetData" not in data[:1 << 20] and b"<sheetData/>" not in data:
                            return None  # prefixed (strict) markup: leave it to calamine
                        first = False
                    cut = len(data) if not block else data.rfind(b"<c ")
                    cut = max(cut, 0)
                    for m in _LONG_VALUE.finditer(data, 0, cut):
                        start = data.rfind(b"<c ", 0, m.start())
                        tag = data[start:data.index(b">", start)] if start >= 0 else b""
                        ref = _CELL_REF.search(tag)
                        if ref is None:
                            return None
                        kind = _CELL_TYPE.search(tag)
                        if kind is not None and kind.group(1) != b"n":
                            continue
                        col = 0
                        for ch in ref.group(1):
                            col = col * 26 + ch - 64
                        found.setdefault(col - 1, []).append(int(ref.group(2)) - 1)
                    if not block:
                        break
                    carry = data[cut:]
    except (KeyError, StopIteration, ValueError, OSError, zipfile.BadZipFile, ET.ParseError):
        return None
    return found


def _fifteen_digits(text: pl.Expr) -> pl.Expr:
    """Long integers rendered as Excel shows them: 15 significant digits (half up), then zeros."""
    digits = text.str.strip_prefix("-")
    head = digits.str.slice(0, 15).cast(pl.Int64, strict=False) + (
        digits.str.slice(15, 1).cast(pl.Int64, strict=False) >= 5
    ).cast(pl.Int64)
    zeros = pl.lit("0" * 400).str.slice(0, digits.str.len_chars() - 15)
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, head.cast(pl.String), zeros)


# --- CSV -------------------------------------------------------------------------------------------


def _read_csv(path: Path) -> pl.DataFrame:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileUnreadable(
            f"无法识别 {path.name} 的编码（请另存为 UTF-8 或 GBK 的 CSV）",
            f"cannot decode {path.name} (save it as CSV in UTF-8 or GBK)",
        )
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1
    for record in reader:
        records.append(record)
        lines.append(start)  # the line where the record starts
        start = reader.line_num + 1
    width = max((len(r) for r in records), default=0)
    cols = [f"c{i}" for i in range(width)]
    frame = (
        pl.DataFrame(
            [[r[i] if i < len(r) else None for r in records] for i in range(width)],
            schema={c: pl.String for c in cols},
            orient="col",
        )
        if width
        else pl.DataFrame(schema={"c0": pl.String})
    )
    return frame.with_columns(pl.Series(ROW, lines, dtype=pl.Int64))
