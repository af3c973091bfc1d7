"""Cells as the validator reads them: the cleaned spelling of a column, codes, numbers, dates and phone
numbers parsed from what people type, household numbers as the registry keys them."""

from __future__ import annotations

import unicodedata
from datetime import date

import polars as pl

from fupin import codes
from fupin.engine.cleaning import cleaned_name, non_ascii
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_MEMBER_COLUMNS, Column

EXCEL_EPOCH = date(1899, 12, 30)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


TEXT_KEYS = frozenset(
    c.key for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS) if c.kind == "text"
)


def clean(key: str) -> pl.Expr:
    """The cleaned value (blank → null). For non-text columns inner spaces are gone too: only its nullness
    and, for text, its value are read through here."""
    return pl.col(cleaned_name(key, TEXT_KEYS))


def compact(key: str) -> pl.Expr:
    c = pl.col(cleaned_name(key, TEXT_KEYS))
    return c.str.replace_all(r"\s+", "") if key in TEXT_KEYS else c


def code_lookup(codelist: codes.CodeList) -> dict[str, str]:
    return {_nfkc(k): v for k, v in codelist.lookup().items()}


def code_expr(key: str, codelist: codes.CodeList) -> pl.Expr:
    m = code_lookup(codelist)
    raw = compact(key)
    return pl.coalesce(
        raw.replace_strict(m, default=None, return_dtype=pl.String),
        raw.str.to_lowercase().replace_strict(m, default=None, return_dtype=pl.String),
    )


def number_expr(key: str) -> pl.Expr:
    """Amounts and counts as people type them: '1,200.50', '１２００', '1200元', '¥1200'."""
    return compact(key).str.replace_all(r"[,，元¥￥]", "").cast(pl.Float64, strict=False)


def int_expr(key: str) -> pl.Expr:
    n = number_expr(key)
    return pl.when(n == n.floor()).then(n).otherwise(None).cast(pl.Int64, strict=False)


def date_expr(key: str) -> pl.Expr:
    """ISO and Chinese dates, YYYYMMDD, and Excel serial day numbers."""
    raw = compact(key).str.replace(r"\.0+$", "")
    serial = pl.when(raw.str.contains(r"^\d{1,5}$")).then(raw.cast(pl.Int64, strict=False))
    text = raw.str.replace_all(r"[年月/.]", "-").str.replace_all("日", "").str.replace(r"[ T].*$", "")
    return pl.coalesce(
        pl.when(serial >= 61).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)),
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        raw.str.strptime(pl.Date, "%Y%m%d", strict=False),
    )


def phone_expr(key: str) -> pl.Expr:
    return compact(key).str.replace_all(r"[-()（）]", "").str.replace(r"^(\+?86)(1\d{10})$", "$2")


def household_no_expr(column: str = "household_no", *, nfkc: bool = True) -> pl.Expr:
    """A household number as the registry keys it: NFKC (full-width → ASCII), no spaces, blank → null.
    `nfkc=False` when the column is known to be ASCII (NFKC would change nothing)."""
    number = pl.col(column).str.normalize("NFKC") if nfkc else pl.col(column)
    number = number.str.replace_all(r"\s+", "")
    return pl.when(number != "").then(number)


def with_household_no(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with its household numbers keyed (`household_no_expr`)."""
    return df.with_columns(
        household_no_expr(nfkc=bool(non_ascii(df, ["household_no"]))).alias("household_no")
    )


def ensure_columns(df: pl.DataFrame, columns: tuple[Column, ...]) -> pl.DataFrame:
    """Every column of `columns` (absent → null) and `_row` (a form's rows have none: 2, 3, … as in Excel)."""
    missing = [pl.lit(None, pl.String).alias(c.key) for c in columns if c.key not in df.columns]
    if "_row" not in df.columns:
        missing.append(pl.int_range(2, df.height + 2, dtype=pl.Int64).alias("_row"))
    return df.with_columns(missing) if missing else df
