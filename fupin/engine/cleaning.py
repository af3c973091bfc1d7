"""Cells as people type them, cleaned once per column for every later check to read.

A workbook, a form or a department's list brings full-width digits and letters, ideographic spaces and
blank cells. `prepare` adds one cleaned spelling of each column: free text as `_c_<key>` (inner spaces
kept), every other column (codes, numbers, IDs, dates) as `_k_<key>` (inner spaces removed).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl


def cleaned_name(key: str, text: Collection[str] = ()) -> str:
    """The column `prepare` writes the cleaned spelling of `key` to: `_c_<key>` for free text (a key in
    `text`), else `_k_<key>`."""
    return f"_c_{key}" if key in text else f"_k_{key}"


def prepare(df: pl.DataFrame, keys: list[str], *, text: Collection[str] = ()) -> pl.DataFrame:
    """Add the cleaned spelling of each column once, for every later check to read: full-width → ASCII
    (NFKC), ideographic and stray spaces trimmed, blank → null; free text (the keys in `text`) as
    `_c_<key>`, every other column (codes, numbers, IDs, dates) as `_k_<key>` with its inner spaces removed
    too. One copy per column keeps the memory of a large import down."""
    wide = non_ascii(df, keys)  # NFKC leaves ASCII as it is: skip the columns that hold nothing else
    df = df.with_columns(
        (pl.col(k).cast(pl.String).str.normalize("NFKC") if k in wide else pl.col(k).cast(pl.String))
        .str.strip_chars()
        .alias(cleaned_name(k, text))
        for k in keys
    )
    exprs = []
    for k in keys:  # blank → null (and the compact spelling) in a second pass over the stripped text
        c = pl.col(cleaned_name(k, text))
        exprs.append(
            pl.when(c != "")
            .then(c if k in text else c.str.replace_all(r"\s+", ""))
            .alias(cleaned_name(k, text))
        )
    return df.with_columns(exprs)


def non_ascii(df: pl.DataFrame, keys: list[str]) -> set[str]:
    """The columns of `keys` holding any character outside ASCII."""
    if not keys or df.is_empty():
        return set()
    found = df.select(pl.col(k).cast(pl.String).str.contains(r"[^\x00-\x7F]").any() for k in keys).row(0)
    return {k for k, hit in zip(keys, found, strict=True) if hit}
