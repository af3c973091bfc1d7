"""Every column parsed by its kind, once (`_t_<key>`), with the problems of required-but-blank and
unparseable values: the checks every column gets, before the household and member checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import polars as pl

from fupin.registry.columns import Column
from fupin.registry.validation.cells import (
    clean,
    code_expr,
    code_lookup,
    compact,
    date_expr,
    int_expr,
    number_expr,
    phone_expr,
)
from fupin.registry.validation.problems import Problems

Add = Callable[..., None]  # Problems.add with the frame, sheet and column already given


def typed_expr(c: Column) -> pl.Expr:
    raw = clean(c.key)
    if c.kind == "text":
        return raw.str.replace_all(r"\s+", " ")
    if c.kind == "code":
        return code_expr(c.key, c.codelist)
    if c.kind == "codes":
        m = code_lookup(c.codelist)
        parts = compact(c.key).str.replace_all(r"[,;/、，；|]+", ",").str.strip_chars(",").str.split(",")
        return parts.list.eval(
            pl.coalesce(
                pl.element().replace_strict(m, default=None, return_dtype=pl.String),
                pl.element().str.to_lowercase().replace_strict(m, default=None, return_dtype=pl.String),
            )
        )
    if c.kind == "amount":
        return number_expr(c.key).round(2)
    if c.kind in ("int", "year"):
        return int_expr(c.key)
    if c.kind == "date":
        return date_expr(c.key)
    if c.kind == "phone":
        return phone_expr(c.key)
    raise ValueError(c.kind)


def check_typed(
    df: pl.DataFrame, columns: tuple[Column, ...], sheet: str, p: Problems
) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """Parse every column by its kind (once, into `_t_<key>`); report required-but-blank and unparseable
    values. Returns the frame and the expressions selecting the typed columns under their keys."""
    columns = tuple(c for c in columns if c.kind not in ("id", "region"))  # dedicated checks elsewhere
    df = df.with_columns([typed_expr(c).alias(f"_t_{c.key}") for c in columns])
    typed: list[pl.Expr] = []
    for c in columns:
        add = partial(p.add, df, sheet=sheet, key=c.key)
        raw, e = clean(c.key), pl.col(f"_t_{c.key}")
        if c.required:
            add(raw.is_null(), rule="required", zh=f"{c.zh}不能为空", en=f"{c.label_en} is required")
        if c.max_length is not None:  # PostgreSQL refuses a longer value on insert (a 500); SQLite kept it
            add(
                raw.str.len_chars() > c.max_length,
                rule="text.too_long",
                zh=f"{c.zh}过长（最多 {c.max_length} 个字符）",
                en=f"{c.label_en} is too long (at most {c.max_length} characters)",
            )
        check = _CHECKS.get(c.kind)
        if check is not None:
            e = check(c, raw, e, add)
        typed.append(e.alias(c.key))
    return df, typed


# Each check of a kind reports its problems and returns the typed value as it is kept.


def _code(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    add(
        raw.is_not_null() & e.is_null(),
        rule="code.unknown",
        zh=f"{c.zh}不在代码表中（可选：{'、'.join(x.zh for x in c.codelist)}）",
        en=f"{c.label_en} is not in the code list ({', '.join(x.en for x in c.codelist)})",
    )
    return e


def _codes(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    add(
        raw.is_not_null() & e.list.eval(pl.element().is_null()).list.any(),
        rule="code.unknown",
        zh=f"{c.zh}含有不在代码表中的值",
        en=f"{c.label_en} has a value that is not in the code list",
    )
    return e.list.drop_nulls().list.unique(maintain_order=True).list.join(",")


def _amount(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    add(
        raw.is_not_null() & e.is_null(),
        rule="number.invalid",
        zh=f"{c.zh}不是有效金额",
        en=f"{c.label_en} is not a valid amount",
    )
    add(e < 0, rule="number.negative", zh=f"{c.zh}不能为负数", en=f"{c.label_en} cannot be negative")
    add(e >= 1e9, rule="number.too_large", zh=f"{c.zh}超出合理范围", en=f"{c.label_en} is implausibly large")
    return e


def _whole_number(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    add(
        raw.is_not_null() & e.is_null(),
        rule="number.invalid",
        zh=f"{c.zh}应为整数",
        en=f"{c.label_en} must be a whole number",
    )
    if c.kind == "year":
        add(
            (e < 1949) | (e > date.today().year + 1),
            rule="year.range",
            zh=f"{c.zh}应在1949年至今之间",
            en=f"{c.label_en} must be between 1949 and now",
        )
    return e


def _date(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    add(
        raw.is_not_null() & e.is_null(),
        rule="date.invalid",
        zh=f"{c.zh}不是有效日期",
        en=f"{c.label_en} is not a valid date",
    )
    return e


def _phone(c: Column, raw: pl.Expr, e: pl.Expr, add: Add) -> pl.Expr:
    valid = e.str.contains(r"^(1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")
    add(
        raw.is_not_null() & ~valid,
        rule="phone.invalid",
        zh="联系电话应为11位手机号或带区号的固定电话",
        en="the phone number must be an 11-digit mobile number or a landline with its area code",
    )
    return pl.when(valid).then(e)


_CHECKS: dict[str, Callable[[Column, pl.Expr, pl.Expr, Add], pl.Expr]] = {
    "code": _code,
    "codes": _codes,
    "amount": _amount,
    "int": _whole_number,
    "year": _whole_number,
    "date": _date,
    "phone": _phone,
}
