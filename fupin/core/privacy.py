"""Masking of ID and phone numbers for roles that do not need them (pages, API and exports alike)."""

from __future__ import annotations

import polars as pl


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def id_for(user, value: str | None) -> str:
    return (value or "") if user.can("sees_id_numbers") else mask_id(value)


def phone_for(user, value: str | None) -> str:
    return (value or "") if user.can("sees_phone_numbers") else mask_phone(value)


def mask_id_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return c.str.slice(0, 6) + pl.lit("*").repeat_by(c.str.len_chars() - 10).list.join("") + c.str.slice(-4)


def mask_phone_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return c.str.slice(0, 3) + pl.lit("*").repeat_by(c.str.len_chars() - 7).list.join("") + c.str.slice(-4)


def masked_frame(df: pl.DataFrame, user, id_cols=("id_number",), phone_cols=("phone",)) -> pl.DataFrame:
    """Mask the ID and phone columns of an export frame for this user's role."""
    exprs = []
    if not user.can("sees_id_numbers"):
        exprs += [mask_id_expr(c).alias(c) for c in id_cols if c in df.columns]
    if not user.can("sees_phone_numbers"):
        exprs += [mask_phone_expr(c).alias(c) for c in phone_cols if c in df.columns]
    return df.with_columns(exprs) if exprs else df
