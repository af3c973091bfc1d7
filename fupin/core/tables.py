"""Reading messy user tables (xlsx, csv) into all-string Polars frames, a chunk at a time.

Real files are not tidy: a merged title row and a blank row above the header, headers spelt in
Chinese or English with stray or full-width spaces, blank rows in the middle, ID numbers typed as
numbers, dates as date cells, CSV saved by Chinese Excel in GBK. `open_table` absorbs all of that and
streams chunks holding one `pl.String` column per recognised key plus `_row`, the row number the user
sees in Excel (or the CSV line number), so that every validation message can point at the row. It does
not validate values: that is the job of each import's validator. `read_table` is the whole table in one
frame, for the small imports (regions, population, department lists).

Memory: an xlsx sheet and a CSV file are read a block at a time (`xlsx.py`), so a chunk costs the same
whatever the length of the file. Legacy workbooks (.xls, .xlsb, .ods) are read whole by calamine. Zip
containers (xlsx, xlsb, ods) must keep within `ziplimits.Limits`, else FileTooLarge.

Cell values come back stripped of surrounding whitespace (including U+3000 and no-break spaces),
with empty cells as null; they are otherwise untouched (full-width digits etc. are left to the
validators). From Excel (see `xlsx.py` for the details):
- integral numbers are plain digits ("430102", not "430102.0", never "4.3e5");
- numbers of 16 or more digits are shown the way Excel shows them: 15 significant digits and zeros
  ("430102198001011000"), because Excel keeps only 15 — a validator can then tell the user the
  column was typed as numbers;
- date and date-time cells become "YYYY-MM-DD";
- formulas give their cached value (a file written by openpyxl has none: the cell reads as empty).
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path

import polars as pl

from fupin.core import xlsx, ziplimits
from fupin.core.errors import InputRejected, Problem
from fupin.core.exports import parts_of

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
LEGACY_EXCEL_SUFFIXES = {".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
HEADER_SEARCH_ROWS = 20
CSV_CHUNK_ROWS = 50_000
CSV_HEAD_LINE_CHARS = (
    1 << 20
)  # of each of the first lines, to guess the delimiter (a file may have no newline)
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


class FileTooLarge(TableError, InputRejected):
    """The file would inflate beyond the limits of `ziplimits` (a zip bomb, or simply too big): refused."""

    code = ziplimits.TooLarge.code

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        InputRejected.__init__(self, Problem("file", self.code, message_zh, message_en))

    @classmethod
    def of(cls, exc: ziplimits.TooLarge) -> FileTooLarge:
        return cls(exc.message_zh, exc.message_en)


def normalise_header(text: object) -> str:
    """How headers are compared: NFKC (full-width → ASCII), no whitespace, no '*' marks, casefolded."""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text).strip("*").casefold()


class Table:
    """A table being read: the keys found in its header row, then its rows a chunk at a time.

    Iterate once: every chunk holds the String column of each key found (named by the key) and `_row`
    (Int64); rows without any value in a recognised column are left out. A file damaged further down
    raises TableError during the iteration."""

    def __init__(
        self,
        chunks: Iterator[pl.DataFrame],
        mapping: dict[str, str],
        header_row: int,
        position: Callable[[], tuple[int, int]],
    ):
        self.keys = list(mapping.values())
        self.header_row = header_row
        self._chunks = chunks
        self._mapping = mapping
        self._position = position

    def position(self) -> tuple[int, int]:
        """(bytes read, bytes in all) of the source: how far the reading has got."""
        return self._position()

    def __iter__(self) -> Iterator[pl.DataFrame]:
        exprs = []
        for col, key in self._mapping.items():
            expr = pl.col(col).str.strip_chars(_STRIP)
            exprs.append(pl.when(expr == "").then(None).otherwise(expr).alias(key))
        keys = self.keys
        for raw in self._chunks:
            raw = raw.filter(pl.col(ROW) > self.header_row)
            if raw.is_empty():
                continue
            missing = [pl.lit(None, pl.String).alias(c) for c in self._mapping if c not in raw.columns]
            out = raw.with_columns(missing).select(*exprs, pl.col(ROW))
            if keys:
                out = out.filter(~pl.all_horizontal(pl.col(k).is_null() for k in keys))
            if out.height:
                yield out


def open_table(
    path: Path,
    *,
    columns: dict[str, str],
    required: set[str] | frozenset[str] = frozenset(),
    sheet: str | None = None,
    sheet_aliases: tuple[str, ...] = (),
) -> Table:
    """Open the table in `path` (xlsx/xlsm streamed, xls/xlsb/ods, or csv/tsv) and find its header.

    `columns` maps every accepted header spelling to a key; `required` lists keys that must be present.
    Raises FileUnreadable (missing file, unknown kind) or TableError (no header, missing columns …)."""
    path = Path(path)
    if not path.is_file():
        raise FileUnreadable(f"找不到文件 {path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        chunks, position = _xlsx_chunks(path, sheet, sheet_aliases)
    elif suffix in LEGACY_EXCEL_SUFFIXES:
        chunks, position = iter([_read_legacy_excel(path, sheet, sheet_aliases)]), _read_whole
    elif suffix in CSV_SUFFIXES:
        chunks, position = _csv_chunks(path)
    else:
        raise FileUnreadable(
            f"不支持的文件类型 {path.suffix}（请用 .xlsx 或 .csv）",
            f"unsupported file type {path.suffix} (use .xlsx or .csv)",
        )
    # The header is among the first rows: gather that many, then go on with the rest as it comes.
    head: list[pl.DataFrame] = []
    seen = 0
    for chunk in chunks:
        head.append(chunk)
        seen += chunk.height
        if seen >= HEADER_SEARCH_ROWS:
            break
    top = pl.concat(head, how="diagonal") if head else pl.DataFrame(schema={ROW: pl.Int64})
    top = top.select(ROW, *sorted((c for c in top.columns if c != ROW), key=lambda c: int(c[1:])))

    wanted = {normalise_header(k): k for k in columns.values()}  # the keys themselves are accepted
    wanted.update({normalise_header(k): v for k, v in columns.items()})
    header_index, mapping = _find_header(top.drop(ROW), wanted, set(required), columns)
    missing = [k for k in _ordered_keys(columns) if k in required and k not in mapping.values()]
    if missing:
        names = "、".join(_label(columns, k) for k in missing)
        raise TableError(f"缺少必填列：{names}", f"missing required columns: {names}")
    return Table(chain(head, chunks), mapping, int(top[ROW][header_index]), position)


def _read_whole() -> tuple[int, int]:
    """The position of a source read whole before its first chunk."""
    return (1, 1)


def read_table(
    path: Path,
    *,
    columns: dict[str, str],
    required: set[str] | frozenset[str] = frozenset(),
    sheet: str | None = None,
    sheet_aliases: tuple[str, ...] = (),
) -> pl.DataFrame:
    """The whole table in one frame (see `open_table`): one String column per key found, and `_row`."""
    table = open_table(path, columns=columns, required=required, sheet=sheet, sheet_aliases=sheet_aliases)
    parts = list(table)
    schema = {k: pl.String for k in table.keys} | {ROW: pl.Int64}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


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


# --- Excel ---------------------------------------------------------------------------------------


def _pick_sheet(names: list[str], sheet: str | None, aliases: tuple[str, ...], filename: str) -> str:
    if not names:
        raise TableError(f"{filename} 中没有工作表", f"{filename} has no sheet")
    if sheet is None:
        return names[0]
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
    return name


def _refuse_continuation(name: str, sheet_names: list[str]) -> None:
    """A table our exports continued past Excel's row limit (`name (2)`, …) is refused rather than read in
    part: its first sheet alone would import without a word about the rest."""
    parts = parts_of(name, sheet_names)
    if len(parts) > 1:
        more = "、".join(parts[1:])
        raise TableError(
            f"工作表“{name}”在“{more}”中续写（超过 Excel 的行数上限），无法从工作簿完整导入："
            "请改用 CSV 文件（住户名单可导出为含 户.csv 和 成员.csv 的 zip）",
            f"sheet '{name}' goes on in '{', '.join(parts[1:])}' (past Excel's row limit) and cannot be "
            "imported whole from a workbook: use CSV files instead (the household list exports as a zip of "
            "户.csv and 成员.csv)",
        )


def _unreadable(path: Path, exc: Exception) -> FileUnreadable:
    return FileUnreadable(f"无法打开工作簿 {path.name}：{exc}", f"cannot open workbook {path.name}: {exc}")


def _xlsx_chunks(path: Path, sheet: str | None, aliases: tuple[str, ...]):
    """The sheet's rows a block at a time, and the reading position; the sheet is chosen (and a bad
    choice reported) at once."""
    try:
        book = xlsx.Workbook(path)
    except xlsx.XlsxError as exc:
        raise _unreadable(path, exc) from exc
    except ziplimits.TooLarge as exc:
        raise FileTooLarge.of(exc) from exc
    try:
        name = _pick_sheet(book.sheet_names, sheet, aliases, path.name)
        _refuse_continuation(name, book.sheet_names)
    except TableError:
        book.close()
        raise

    def rows() -> Iterator[pl.DataFrame]:
        with book:
            try:
                yield from book.rows(name)
            except xlsx.XlsxError as exc:
                raise TableError(
                    f"工作表“{name}”已损坏，无法读取：{exc}",
                    f"sheet '{name}' is damaged and cannot be read: {exc}",
                ) from exc
            except ziplimits.TooLarge as exc:
                raise FileTooLarge.of(exc) from exc

    size = book.sheet_bytes(name)
    return rows(), lambda: (book.inflated, size)


def _read_legacy_excel(path: Path, sheet: str | None, aliases: tuple[str, ...]) -> pl.DataFrame:
    """A whole .xls/.xlsb/.ods sheet through calamine, as `_row` + `c<i>` String columns."""
    import fastexcel

    _inflate_within_limits(path)
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # calamine raises several kinds for a file that is not a workbook
        raise _unreadable(path, exc) from exc
    name = _pick_sheet(reader.sheet_names, sheet, aliases, path.name)
    loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
    raw = loaded.to_polars()
    if raw.width:  # date-time cells → their date
        raw = raw.with_columns(pl.all().str.replace(_DATETIME, "$1"))
    # 16+-digit numbers: a number cell holds the double Excel stored, shown with 15 significant digits;
    # a text cell must stay as typed. calamine tells which cells are numbers (a text cell reads as null).
    long_cols = [c for c in raw.columns if raw[c].str.contains(_LONG_NUMBER).any()]
    if long_cols:
        typed = reader.load_sheet(
            name,
            header_row=None,
            skip_rows=0,
            use_columns=long_cols,
            dtypes={c: "boolean" for c in long_cols},
        ).to_polars()
        raw = raw.with_columns(
            pl.when(typed[c].is_not_null() & pl.col(c).str.contains(_LONG_NUMBER))
            .then(xlsx.fifteen_digits(pl.col(c)))
            .otherwise(pl.col(c))
            .alias(c)
            for c in long_cols
        )
    raw = raw.rename({c.name: f"c{c.absolute_index}" for c in loaded.available_columns()})
    # Frame row i is Excel row i + 1 (skip_rows=0 keeps leading blank rows).
    return raw.with_columns(pl.Series(ROW, range(1, raw.height + 1), dtype=pl.Int64))


def _inflate_within_limits(path: Path) -> None:
    """.xlsb and .ods are zips that calamine inflates whole, out of our reach: check the directory, then
    inflate every member once (counting, keeping nothing) so that sizes the directory understates are
    caught too. (.xls is not compressed: its size is the upload's.)"""
    import zipfile

    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as z:
            ziplimits.check_directory(z, path.name)
            budget = ziplimits.Budget(z, path.name)
            for info in z.infolist():
                with budget.open(info) as f:
                    while f.read(1 << 20):
                        pass
    except ziplimits.TooLarge as exc:
        raise FileTooLarge.of(exc) from exc
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise _unreadable(path, exc) from exc


# --- CSV -------------------------------------------------------------------------------------------


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    raise FileUnreadable(
        f"无法识别 {path.name} 的编码（请另存为 UTF-8 或 GBK 的 CSV）",
        f"cannot decode {path.name} (save it as CSV in UTF-8 or GBK)",
    )


def _csv_chunks(path: Path):
    """The CSV's records, CSV_CHUNK_ROWS at a time, as `_row` (the line a record starts on) + `c<i>`, and
    the reading position."""
    encoding = _csv_encoding(path)
    size = path.stat().st_size
    done = [0]
    return _csv_records(path, encoding, done), lambda: (done[0], size)


def _csv_records(path: Path, encoding: str, done: list[int]) -> Iterator[pl.DataFrame]:
    with path.open(encoding=encoding, newline="") as f:
        head = "".join(f.readline(CSV_HEAD_LINE_CHARS) for _ in range(HEADER_SEARCH_ROWS))
        f.seek(0)
        delimiter = "\t" if head.count("\t") > head.count(",") else ","
        reader = csv.reader(f, delimiter=delimiter)
        records: list[list[str]] = []
        lines: list[int] = []
        start = 1
        for record in _records(reader, path):
            records.append(record)
            lines.append(start)  # the line where the record starts
            start = reader.line_num + 1
            if len(records) >= CSV_CHUNK_ROWS:
                done[0] = f.buffer.tell()
                yield _csv_frame(records, lines)
                records, lines = [], []
        done[0] = f.buffer.tell()
        if records:
            yield _csv_frame(records, lines)


def _records(reader, path: Path) -> Iterator[list[str]]:
    """The reader's records; a damaged record (a field beyond csv's 128 KB limit, a stray NUL) → TableError."""
    try:
        yield from reader
    except csv.Error as exc:
        raise TableError(
            f"{path.name} 第 {reader.line_num} 行无法读取：{exc}",
            f"{path.name} line {reader.line_num} cannot be read: {exc}",
        ) from exc


def _csv_frame(records: list[list[str]], lines: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in records), default=0)
    frame = pl.DataFrame(
        [[r[i] if i < len(r) else None for r in records] for i in range(width)],
        schema={f"c{i}": pl.String for i in range(width)},
        orient="col",
    )
    return frame.with_columns(pl.Series(ROW, lines, dtype=pl.Int64))
