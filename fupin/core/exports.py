"""Every download and every CLI file goes out through here: cells that cannot run, numbers that can be written.

A spreadsheet opens a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(CSV injection, OWASP). Names and other text typed into the registry end up in exports, so:

- xlsx: `workbook()` opens an xlsxwriter workbook that writes every string as a text cell (never a
  formula, never an automatic hyperlink), and `write_sheet()` writes a frame into it;
- csv: `write_csv()` puts a single quote before such a leading character in every text column
  (`csv_safe`), vectorised over the whole frame; plain negative numbers are left as they are;
- numbers: NaN and ±inf (a rate over an empty denominator) become empty cells (`finite`, `cell`), which
  xlsxwriter could not write at all.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

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


def write_sheet(wb: xlsxwriter.Workbook, df: pl.DataFrame, worksheet: str, **options: Any) -> None:
    """One frame as one sheet of a `workbook()`; `options` are those of `DataFrame.write_excel`."""
    finite(df).write_excel(workbook=wb, worksheet=worksheet, **options)


def write_xlsx(target: str | Path | IO[bytes], df: pl.DataFrame, worksheet: str, **options: Any) -> None:
    """A workbook of one sheet, written to a path or a binary file."""
    with workbook(target) as wb:
        write_sheet(wb, df, worksheet, **options)


def cell(value: Any) -> Any:
    """A value for `Worksheet.write`: None, NaN and ±inf → None (an empty cell)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
