"""Every download and every CLI file goes out through here: cells that cannot run, numbers that can be written.

A spreadsheet opens a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(CSV injection, OWASP). Names and other text typed into the registry end up in exports, so:

- xlsx: `workbook()` opens an xlsxwriter workbook that writes every string as a text cell (never a
  formula, never an automatic hyperlink), and `write_sheet()` writes a frame into it;
- csv: `write_csv()` puts a single quote before such a leading character in every text column
  (`csv_safe`), vectorised over the whole frame; plain negative numbers are left as they are;
- numbers: NaN and ±inf (a rate over an empty denominator) become empty cells (`finite`, `cell`), which
  xlsxwriter could not write at all;
- rows: a sheet holds at most Excel's 1,048,576 rows (header included). Rows past it go on into continuation
  sheets `name (2)`, `name (3)`, … with the header again (`sheet_parts`, `SheetWriter`, `SheetRows`): an
  export never drops a row, and never fails, at that limit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

from fupin.core.scratch import remove, scratch_dir

SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# A leading character that makes a spreadsheet read the cell as a formula or a command.
_DANGEROUS_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^-\d+(\.\d+)?$"


def workbook(target: str | Path | IO[bytes], **options: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that writes strings as text (extra xlsxwriter options may be added)."""
    if isinstance(target, Path):
        target = str(target)
    return xlsxwriter.Workbook(target, {**options, **SAFE_OPTIONS})


def finite(df: pl.DataFrame) -> pl.DataFrame:
    """NaN and ±inf in float columns → null (an empty cell)."""
    floats = [c for c, t in df.schema.items() if t.is_float()]
    if not floats:
        return df
    return df.with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in floats
    )


def safe_text(col: str | pl.Expr) -> pl.Expr:
    """The text with a `'` before a leading =, +, -, @, tab or CR (a negative number stays as it is)."""
    c = pl.col(col) if isinstance(col, str) else col
    risky = c.str.contains(_DANGEROUS_START) & ~c.str.contains(_PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + c).otherwise(c)


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """`safe_text` over every text column, `finite` over every float column."""
    texts = [c for c, t in df.schema.items() if t == pl.String]
    return finite(df.with_columns(safe_text(c).alias(c) for c in texts) if texts else df)


def write_csv(df: pl.DataFrame, **options: Any) -> str:
    """The frame as CSV text that a spreadsheet opens without running anything."""
    return csv_safe(df).write_csv(**options)


SHEET_MAX_ROWS = 1_048_576  # Excel's limit, header included
_SHEET_NAME_MAX = 31  # Excel's limit on a sheet name


def continuation_name(name: str, part: int) -> str:
    """The name of part `part` (0-based) of sheet `name`: `name`, then `name (2)`, `name (3)`, … cut to fit
    Excel's 31 characters."""
    if part == 0:
        return name
    suffix = f" ({part + 1})"
    return name[: _SHEET_NAME_MAX - len(suffix)] + suffix


def parts_of(name: str, sheet_names: Iterable[str]) -> list[str]:
    """The sheets of a workbook that hold sheet `name`: itself and its continuation sheets, in order."""
    present = set(sheet_names)
    out: list[str] = []
    while (part := continuation_name(name, len(out))) in present:
        out.append(part)
    return out


def sheet_parts(name: str, df: pl.DataFrame) -> Iterator[tuple[str, pl.DataFrame]]:
    """`df` cut into the sheets Excel can hold, each with its header: (sheet name, rows); one sheet when the
    rows fit, an empty one for no rows."""
    per_sheet = SHEET_MAX_ROWS - 1
    for part, start in enumerate(range(0, max(df.height, 1), per_sheet)):
        yield continuation_name(name, part), df.slice(start, per_sheet)


class SheetRows:
    """Rows written one at a time by hand into sheet `name`, going on in continuation sheets past Excel's
    row limit. `start(ws)` prepares each new sheet (header, widths, formats) and returns its first free row;
    `next()` gives the sheet and row of the next data row."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, start: Callable[[Any], int]) -> None:
        self.wb, self.name, self.start = wb, name, start
        self.parts = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.ws = self.wb.add_worksheet(continuation_name(self.name, self.parts))
        self.parts += 1
        self.row = self.start(self.ws)

    def next(self) -> tuple[Any, int]:
        if self.row >= SHEET_MAX_ROWS:
            self._new_sheet()
        self.row += 1
        return self.ws, self.row - 1


def write_sheet(wb: xlsxwriter.Workbook, df: pl.DataFrame, worksheet: str, **options: Any) -> None:
    """One frame as one sheet of a `workbook()` (and continuation sheets past Excel's row limit); `options`
    are those of `DataFrame.write_excel`."""
    for name, part in sheet_parts(worksheet, df):
        finite(part).write_excel(workbook=wb, worksheet=name, **options)


def write_xlsx(target: str | Path | IO[bytes], df: pl.DataFrame, worksheet: str, **options: Any) -> None:
    """A workbook of one sheet, written to a path or a binary file."""
    with workbook(target) as wb:
        write_sheet(wb, df, worksheet, **options)


def cell(value: Any) -> Any:
    """A value for `Worksheet.write`: None, NaN and ±inf → None (an empty cell)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


# --- exports that stream ---------------------------------------------------------------------------------
#
# A whole-table export is written a batch of rows at a time into a file in FUPIN_HOME/tmp (xlsxwriter in
# constant_memory mode flushes each row as it is written; CSV is appended batch by batch), then sent from
# that file and removed: memory is that of a batch, whatever the number of rows. A small file (at most
# INLINE_MAX_BYTES) is answered in one piece, as before; a larger one as a FileResponse read from disk.

INLINE_MAX_BYTES = 4 * 2**20
BATCH_ROWS = 10_000

# The cell formats `DataFrame.write_excel(table_style=None)` gives, so that a streamed sheet reads the same.
_INT_FORMAT = "#,##0;[Red]-#,##0"
_DATE_FORMAT = "yyyy-mm-dd;@"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _float_format(precision: int) -> str:
    return f"#,##0.{'0' * precision};[Red]-#,##0.{'0' * precision}" if precision else _INT_FORMAT


def batches(
    rows: Iterable[tuple] | Iterable[dict], schema: dict[str, Any], size: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Rows (tuples from `values_list(...).iterator()`, or dicts from `values(...).iterator()`) as frames of
    at most `size` rows with `schema`; always at least one frame (an empty one for no rows)."""
    it = iter(rows)
    first = True
    while True:
        chunk = list(islice(it, size))
        if not chunk and not first:
            return
        if chunk and isinstance(chunk[0], dict):
            yield pl.from_dicts(chunk, schema=schema, strict=False)
        else:
            yield pl.DataFrame(chunk, schema=schema, orient="row", strict=False)
        first = False
        if len(chunk) < size:
            return


class ExportFile:
    """A file an export is written into (in its own scratch folder of FUPIN_HOME/tmp), sent, then removed."""

    def __init__(self, suffix: str) -> None:
        self.folder = scratch_dir("export")
        self.path = self.folder / f"export{suffix}"

    def discard(self) -> None:
        remove(self.folder)

    def response(self, filename: str, content_type: str):
        """The HTTP response sending the file (the file is removed once sent, or now if it is small)."""
        from django.http import FileResponse, HttpResponse

        if self.path.stat().st_size <= INLINE_MAX_BYTES:
            try:
                response = HttpResponse(self.path.read_bytes(), content_type=content_type)
            finally:
                self.discard()
        else:
            response = FileResponse(_RemovedWhenClosed(self), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class _RemovedWhenClosed(io.BufferedReader):
    """The export file, read for a FileResponse, removed with its folder when the response closes it."""

    def __init__(self, export: ExportFile) -> None:
        super().__init__(io.FileIO(export.path, "rb"))
        self._export = export

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._export.discard()


def streamed_workbook(path: Path) -> xlsxwriter.Workbook:
    """A `workbook()` that keeps one row in memory (constant_memory), its own temporary files beside `path`."""
    return workbook(path, constant_memory=True, tmpdir=str(path.parent))


class SheetWriter:
    """One sheet of a `streamed_workbook`, written a frame at a time: the header from the first frame, cells
    as `write_sheet(..., table_style=None)` writes them (text as text, numbers and dates with the same
    formats, null and NaN as empty cells), column widths fitted to what was written. Past Excel's row limit
    it goes on in continuation sheets (`continuation_name`), each with the header; `rows` counts them all."""

    def __init__(
        self,
        wb: xlsxwriter.Workbook,
        name: str,
        *,
        float_precision: int = 3,
        freeze_panes: tuple[int, int] | None = None,
        autofit: bool = True,
    ) -> None:
        self.wb, self.name = wb, name
        self.freeze_panes = freeze_panes
        self.autofit = autofit
        self.rows = 0
        self.parts = 0
        self.columns: list[str] | None = None
        vcenter = {"valign": "vcenter"}
        self.formats = {
            "int": wb.add_format({"num_format": _INT_FORMAT, **vcenter}),
            "float": wb.add_format({"num_format": _float_format(float_precision), **vcenter}),
            "date": wb.add_format({"num_format": _DATE_FORMAT, **vcenter}),
            "datetime": wb.add_format({"num_format": _DATETIME_FORMAT, **vcenter}),
            "text": wb.add_format(vcenter),
        }
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.ws = self.wb.add_worksheet(continuation_name(self.name, self.parts))
        self.parts += 1
        self.row = 0  # the next row of this sheet
        self.widths: list[int] = []
        if self.freeze_panes:
            self.ws.freeze_panes(*self.freeze_panes)

    @staticmethod
    def _kind(dtype: pl.DataType) -> str:
        if dtype == pl.Boolean:
            return "bool"
        if dtype.is_integer():
            return "int"
        if dtype.is_float() or dtype.is_decimal():
            return "float"
        if dtype == pl.Date:
            return "date"
        if isinstance(dtype, pl.Datetime):
            return "datetime"
        return "text"

    def write(self, df: pl.DataFrame) -> None:
        if self.columns is None:
            self.columns = df.columns
        if self.row == 0:
            self._header()
        while df.height:
            if self.row == SHEET_MAX_ROWS:
                self._fit_columns()
                self._new_sheet()
                self._header()
            room = SHEET_MAX_ROWS - self.row
            self._write_rows(df.head(room))
            df = df.slice(room)

    def _header(self) -> None:
        assert self.columns is not None
        for c, name in enumerate(self.columns):
            self.ws.write_string(0, c, name)
        self.widths = [_width(name) for name in self.columns]
        self.row = 1

    def _write_rows(self, df: pl.DataFrame) -> None:
        ws = self.ws
        # what xlsxwriter cannot take: NaN/inf (empty cells) and time zones (shown as stored)
        df = finite(df).with_columns(pl.col(pl.Datetime("us", "*")).dt.replace_time_zone(None))
        kinds = [self._kind(t) for t in df.dtypes]
        write = {
            "bool": ws.write_boolean,
            "int": ws.write_number,
            "float": ws.write_number,
            "date": ws.write_datetime,
            "datetime": ws.write_datetime,
            "text": ws.write_string,
        }
        cells = [(write[k], self.formats.get(k, self.formats["text"])) for k in kinds]
        text = [k == "text" for k in kinds]
        if self.autofit:
            self._fit(df)
        for values in df.iter_rows():
            for c, v in enumerate(values):
                if v is not None:
                    fn, fmt = cells[c]
                    fn(self.row, c, str(v) if text[c] else v, fmt)
            self.row += 1
        self.rows += df.height

    def _fit(self, df: pl.DataFrame) -> None:
        longest = df.select(pl.all().cast(pl.String).str.len_chars().max()).row(0)
        for c, n in enumerate(longest):
            if n is not None:
                wide = 2 if df.dtypes[c] == pl.String else 1  # Chinese text is two columns a character
                self.widths[c] = max(self.widths[c], min(n * wide + 1, 60))

    def _fit_columns(self) -> None:
        if self.autofit:
            for c, w in enumerate(self.widths):
                self.ws.set_column(c, c, w)

    def finish(self) -> None:
        self._fit_columns()


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def write_csv_batches(target: Path | IO[bytes], frames: Iterable[pl.DataFrame], *, bom: bool = False) -> int:
    """Frames appended to one CSV file (a path, or a binary file open for writing) through `write_csv`
    (header once); returns the number of rows."""
    if isinstance(target, Path):
        with open(target, "wb") as f:
            return write_csv_batches(f, frames, bom=bom)
    n = 0
    if bom:
        target.write("\ufeff".encode())
    for i, df in enumerate(frames):
        target.write(write_csv(df, include_header=i == 0).encode())
        n += df.height
    return n


def write_xlsx_batches(
    path: Path, sheets: Iterable[tuple[str, Iterable[pl.DataFrame], dict[str, Any]]]
) -> dict[str, int]:
    """A workbook of sheets, each `(name, frames, SheetWriter options)`, written in constant memory; returns
    the number of data rows of each sheet (continuation sheets included)."""
    rows: dict[str, int] = {}
    with streamed_workbook(path) as wb:
        for name, frames, options in sheets:
            sheet = SheetWriter(wb, name, **options)
            for df in frames:
                sheet.write(df)
            sheet.finish()
            rows[name] = sheet.rows
    return rows
