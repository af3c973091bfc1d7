"""How the commands print a frame: a table, CSV or JSON on the terminal or into --out, or an xlsx file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from fupin.core.exports import write_csv, write_xlsx


def frame_text(df: pl.DataFrame, fmt: str, *, width: int = 200, str_lengths: int | None = None) -> str:
    """`df` as JSON (a list of rows), CSV, or an aligned table showing every row and column."""
    if fmt == "json":
        return json.dumps(df.to_dicts(), ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        return write_csv(df)
    options = {"fmt_str_lengths": str_lengths} if str_lengths else {}
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=width, tbl_hide_dataframe_shape=True, **options):
        return str(df)


def deliver(text: str, out: Path | None) -> None:
    """Into the --out file (and its path on the terminal), else on the terminal."""
    if out:
        out.write_text(text, encoding="utf-8")
        print(out)
    else:
        print(text)


def emit(df: pl.DataFrame, fmt: str, out: Path | None, *, sheet: str, str_lengths: int | None = None) -> None:
    """`frame_text` + `deliver`, or for xlsx one worksheet in the --out file (required)."""
    if fmt == "xlsx":
        from fupin.core.commands import UsageError

        if not out:
            raise UsageError("--format xlsx 需要 --out 文件 / --format xlsx needs --out FILE")
        write_xlsx(out, df, sheet)
        print(out)
        return
    deliver(frame_text(df, fmt, str_lengths=str_lengths), out)
