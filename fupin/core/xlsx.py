"""Streaming reader of xlsx worksheets: rows come out as all-string Polars frames, a block at a time.

Memory stays flat however long the sheet: the sheet's XML is inflated from the zip a block at a time
and scanned by `_xlsxscan` (C, GIL released) into flat cell arrays; only the shared-string table (one
Polars string per distinct text of the workbook) is held whole, as every xlsx reader must.

Each frame has `_row` (the Excel row number) and one String column `c<i>` per column index present
(c0 = column A). Rows without any value are absent. Cell values are rendered as a person sees them:
- numbers: integral values as plain digits ("430102", never "430102.0" or "4.3e5"); numbers of 16 or
  more digits as Excel shows them, 15 significant digits then zeros ("430102198001011000"), because
  Excel keeps only 15 — a validator can then tell the user the column was typed as numbers; other
  numbers as stored ("1234.5");
- cells with a date or time format: "YYYY-MM-DD" (the date part; 1900 and 1904 date systems);
- booleans: "true" / "false"; error values (#N/A …): null;
- text (shared, inline, rich, formula results): as typed, entities and _xHHHH_ escapes decoded;
- formulas: their cached value (a file written without one reads as empty).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import polars as pl
import pyarrow as pa

from fupin.core import _xlsxscan
from fupin.core.ziplimits import Budget, Limits, check_directory, size_text

BLOCK_BYTES = 16 * 2**20  # inflated XML per scan: ≈ 25k–60k rows, a few tens of MB of frames
# Parts read whole into ElementTree (workbook, relationships, styles: a few MB in real workbooks; ElementTree
# needs ≈ 10× the XML) and the longest element the scanner waits for the end of (a row, a shared string).
MAX_WHOLE_PART_BYTES = 64 * 2**20
MAX_ELEMENT_BYTES = 4 * BLOCK_BYTES
ROW = "_row"
# Built-in number formats that show a date or time (ECMA-376 §18.8.30, and the CJK ids 27–36, 50–58).
DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47, *range(27, 37), *range(50, 59)})
_EXCEL_1900 = date(1899, 12, 30)
_EXCEL_1904 = date(1904, 1, 1)


class XlsxError(Exception):
    """The file is not a readable xlsx workbook, or its XML is damaged."""


# What zipfile and ElementTree raise for a damaged, encrypted or oddly compressed package.
_DAMAGED = (zipfile.BadZipFile, KeyError, ET.ParseError, OSError, EOFError, RuntimeError, NotImplementedError)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def is_date_format(code: str) -> bool:
    """Whether a number-format code shows a date: y/d/m outside quotes, escapes and [colour] sections,
    and not a plain elapsed-time format ([h]:mm)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    code = re.sub(r"\[(?:h+|m+|s+)\]", "h", code, flags=re.I)
    code = re.sub(r"\[[^\]]*\]", "", code)
    code = code.split(";")[0].lower()
    return bool(re.search(r"[yd]", code)) or ("m" in code and not re.search(r"[hs]", code))


class Workbook:
    """An open xlsx file: its sheet names, and a streamed reader for each sheet.

    Whatever the zip's directory claims, the parts are inflated within `ziplimits.Limits` (TooLarge)."""

    def __init__(self, path: str | Path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits.current()
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise XlsxError(f"not an xlsx workbook: {exc}") from exc
        self._budget = Budget(self._zip, self.path.name, self.limits)
        try:
            check_directory(self._zip, self.path.name, self.limits)
            self._names = {n.lower(): n for n in self._zip.namelist()}
            main = self._main_part()
            rels = self._rels(main)
            book = ET.fromstring(self._read(main))
        except BaseException as exc:
            self._zip.close()
            if isinstance(exc, _DAMAGED):
                raise XlsxError(f"not an xlsx workbook: {exc}") from exc
            raise
        self._sheets: dict[str, str] = {}
        self._epoch = _EXCEL_1900
        for el in book.iter():
            name = _local(el.tag)
            if name == "workbookPr" and el.get("date1904") in ("1", "true"):
                self._epoch = _EXCEL_1904
            elif name == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                target = rels.get(rid, (None, None))[1]
                if el.get("name") is not None and target is not None:
                    self._sheets[el.get("name")] = target
        by_type = {kind: target for kind, target in rels.values()}
        self._strings_part = by_type.get("sharedStrings")
        self._styles_part = by_type.get("styles")
        self._strings: pl.Series | None = None
        self._date_styles: pl.Series | None = None
        self.inflated = 0  # bytes of sheet XML read so far by `rows` (for progress)

    @property
    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def sheet_bytes(self, sheet: str) -> int:
        """The size of the sheet's XML (what `rows` reads)."""
        return self._zip.getinfo(self._member(self._sheets[sheet])).file_size

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the package ------------------------------------------------------------------------------

    def _member(self, part: str) -> str:
        name = self._names.get(part.lstrip("/").lower())
        if name is None:
            raise KeyError(part)
        return name

    def _read(self, part: str) -> bytes:
        """A small part, whole (see MAX_WHOLE_PART_BYTES)."""
        info = self._zip.getinfo(self._member(part))
        if info.file_size > MAX_WHOLE_PART_BYTES:
            raise self.limits.member_too_large(self.path.name, info.filename, MAX_WHOLE_PART_BYTES)
        with self._budget.open(info) as f:
            data = f.read(MAX_WHOLE_PART_BYTES + 1)
        if len(data) > MAX_WHOLE_PART_BYTES:
            raise self.limits.member_too_large(self.path.name, info.filename, MAX_WHOLE_PART_BYTES)
        return data

    def _main_part(self) -> str:
        try:
            rels = ET.fromstring(self._read("_rels/.rels"))
        except KeyError:
            return "xl/workbook.xml"
        for el in rels.iter():
            if _local(el.tag) == "Relationship" and el.get("Type", "").endswith("/officeDocument"):
                return el.get("Target", "xl/workbook.xml").lstrip("/")
        return "xl/workbook.xml"

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part path) for `part`."""
        folder, name = posixpath.split(part)
        try:
            root = ET.fromstring(self._read(posixpath.join(folder, "_rels", f"{name}.rels")))
        except KeyError:
            return {}
        out = {}
        for el in root.iter():
            if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
                continue
            target = el.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            out[el.get("Id")] = (el.get("Type", "").rsplit("/", 1)[-1], path)
        return out

    def _scan(self, part: str, step) -> Iterator:
        """Inflate `part` a block at a time; `step(data, final)` scans the block and returns
        (bytes consumed, done, result). Yields the results."""
        carry = b""
        with self._budget.open(self._member(part)) as f:
            while True:
                try:
                    block = f.read(BLOCK_BYTES)
                except _DAMAGED as exc:  # a bad CRC, a truncated member …
                    raise XlsxError(f"{part}: {exc}") from exc
                data = carry + block if carry else block
                try:
                    consumed, done, result = step(data, not block)
                except ValueError as exc:  # the scanner's message names the damage
                    raise XlsxError(f"{part}: {exc}") from exc
                carry = data[consumed:]
                if len(carry) > MAX_ELEMENT_BYTES:  # one element without end would grow the carry unbounded
                    raise self.limits.member_too_large(
                        self.path.name,
                        f"{part} ({size_text(MAX_ELEMENT_BYTES)} without a complete element)",
                        MAX_ELEMENT_BYTES,
                    )
                yield result
                if done or not block:
                    return

    # --- shared strings and styles ------------------------------------------------------------------

    def strings(self) -> pl.Series:
        """The shared-string table (loaded once)."""
        if self._strings is None:
            parts = [pl.Series("s", [], dtype=pl.String)]
            if self._strings_part is not None:
                state = {"started": False, "n": 0, "bytes": 0}
                limits = self.limits

                def step(data: bytes, final: bool):
                    consumed, state["started"], done, n, offsets, values = _xlsxscan.scan_strings(
                        data, state["started"], final
                    )
                    state["n"] += n
                    state["bytes"] += len(values)
                    if state["n"] > limits.shared_strings or state["bytes"] > limits.shared_strings_bytes:
                        raise limits.strings_too_large(self.path.name)
                    return consumed, done, (n, offsets, values)

                try:
                    parts.extend(_strings_of(*r) for r in self._scan(self._strings_part, step))
                except KeyError:  # listed but missing: no shared strings
                    pass
            self._strings = pl.concat(parts, rechunk=True)
        return self._strings

    def date_styles(self) -> pl.Series:
        """Boolean by cell-style index: does the style show a date?"""
        if self._date_styles is None:
            flags: list[bool] = []
            if self._styles_part is not None:
                try:
                    root = ET.fromstring(self._read(self._styles_part))
                except (KeyError, ET.ParseError):
                    root = None
                if root is not None:
                    custom = {}
                    for el in root.iter():
                        if _local(el.tag) == "numFmt" and el.get("numFmtId", "").isdigit():
                            custom[int(el.get("numFmtId"))] = el.get("formatCode", "")
                    for el in root:
                        if _local(el.tag) == "cellXfs":
                            for xf in el:
                                fid = int(xf.get("numFmtId", "0")) if xf.get("numFmtId", "0").isdigit() else 0
                                flags.append(
                                    fid in DATE_FORMAT_IDS
                                    if fid not in custom
                                    else is_date_format(custom[fid])
                                )
            self._date_styles = pl.Series("date", flags or [False], dtype=pl.Boolean)
        return self._date_styles

    # --- sheets -------------------------------------------------------------------------------------

    def rows(self, sheet: str) -> Iterator[pl.DataFrame]:
        """The sheet's rows, a block at a time: `_row` + `c<i>` String columns (see the module doc)."""
        part = self._sheets[sheet]
        strings = self.strings()
        date_styles = self.date_styles()
        state = {"started": False, "row": 0}

        def step(data: bytes, final: bool):
            consumed, state["started"], done, state["row"], *arrays = _xlsxscan.scan_rows(
                data, state["started"], state["row"], final
            )
            return consumed, done, arrays

        def counted(data: bytes, final: bool):
            consumed, done, arrays = step(data, final)
            self.inflated += consumed
            return consumed, done, arrays

        for arrays in self._scan(part, counted):
            cells = _cells(*arrays)
            if cells.height:
                yield _wide(_render(cells, strings, date_styles, self._epoch))


def _text_array(n: int, offsets: bytes, values: bytes) -> pa.Array:
    """Scanner output (int32 end offsets, UTF-8 bytes) as an Arrow string array, without a copy."""
    arr = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(values)])
    try:
        arr.validate(full=True)  # the XML came from a user: refuse invalid UTF-8 instead of trusting it
    except pa.ArrowInvalid as exc:
        raise XlsxError(f"text is not valid UTF-8: {exc}") from exc
    return arr


def _strings_of(n: int, offsets: bytes, values: bytes) -> pl.Series:
    return pl.Series("s", pl.from_arrow(_text_array(n, offsets, values)), dtype=pl.String)


def _cells(n, rows, cols, kinds, styles, offsets, values) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": np.frombuffer(rows, dtype=np.int32),
            "col": np.frombuffer(cols, dtype=np.int32),
            "kind": np.frombuffer(kinds, dtype=np.uint8),
            "style": np.frombuffer(styles, dtype=np.int32),
            "text": pl.from_arrow(_text_array(n, offsets, values)),
        }
    )


def _render(cells: pl.DataFrame, strings: pl.Series, date_styles: pl.Series, epoch: date) -> pl.DataFrame:
    """row, col, value: every cell's value as the module doc says."""
    kind, text = pl.col("kind"), pl.col("text")
    index = text.cast(pl.Int64, strict=False)
    shared = pl.when(index < strings.len()).then(
        pl.lit(strings).gather(index.clip(0, max(strings.len() - 1, 0)))
    )
    is_date = (
        (kind == _xlsxscan.NUMBER)
        & pl.lit(date_styles).gather(pl.col("style").clip(0, date_styles.len() - 1)).fill_null(False)
        & (pl.col("style") < date_styles.len())
    )
    value = (
        pl.when(kind == _xlsxscan.SHARED)
        .then(shared)
        .when(kind.is_in([_xlsxscan.INLINE, _xlsxscan.STR]))
        .then(text)
        .when(kind == _xlsxscan.BOOL)
        .then(pl.when(text == "1").then(pl.lit("true")).when(text == "0").then(pl.lit("false")))
        .when(kind == _xlsxscan.ERROR)
        .then(None)
        .when(kind == _xlsxscan.DATE)
        .then(text.str.extract(r"^(\d{4}-\d{2}-\d{2})"))
        .when(is_date)
        .then(_serial_date(text, epoch))
        .otherwise(_number_text(text))
    )
    return cells.select("row", "col", value.alias("value"))


def _serial_date(text: pl.Expr, epoch: date) -> pl.Expr:
    """An Excel date serial as 'YYYY-MM-DD' (Excel's phantom 1900-02-29 aside, serials below 61 are one
    day off the 1899-12-30 epoch)."""
    days = text.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    if epoch == _EXCEL_1900:
        days = pl.when(days < 61).then(days + 1).otherwise(days)
    return (pl.lit(epoch) + pl.duration(days=days)).dt.strftime("%Y-%m-%d")


def _number_text(text: pl.Expr) -> pl.Expr:
    """A number cell as Excel shows it (see the module doc)."""
    x = text.cast(pl.Float64, strict=False)
    exact = x.cast(pl.Decimal(38, 0), strict=False).cast(pl.String)
    small_integral = (x == x.floor()) & (x.abs() < 1e15)
    plain = ~text.str.contains("[eE]")
    shown = (
        pl.when(x.abs() >= 1e15)
        .then(fifteen_digits(exact))
        .when(small_integral)
        .then(x.cast(pl.Int64).cast(pl.String))
        .when(plain)
        .then(text)
        .otherwise(
            x.cast(pl.Decimal(38, 18), strict=False)
            .cast(pl.String)
            .str.strip_chars_end("0")
            .str.strip_chars_end(".")
        )
    )
    return pl.coalesce(shown, text)  # beyond 38 digits (1E+300) or not a number: the text as stored


def fifteen_digits(text: pl.Expr) -> pl.Expr:
    """Long integers rendered as Excel shows them: 15 significant digits (half up), then zeros."""
    digits = text.str.strip_prefix("-")
    head = digits.str.slice(0, 15).cast(pl.Int64, strict=False) + (
        digits.str.slice(15, 1).cast(pl.Int64, strict=False) >= 5
    ).cast(pl.Int64)
    zeros = pl.lit("0" * 400).str.slice(0, digits.str.len_chars() - 15)
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, head.cast(pl.String), zeros)


def _wide(cells: pl.DataFrame) -> pl.DataFrame:
    """row, col, value → one row per sheet row: `_row` + `c<i>` columns in column order."""
    wide = cells.pivot(on="col", index="row", values="value", aggregate_function="first")
    cols = sorted((c for c in wide.columns if c != "row"), key=int)
    return wide.select(pl.col("row").cast(pl.Int64).alias(ROW), *[pl.col(c).alias(f"c{c}") for c in cols])
