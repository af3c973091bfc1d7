"""Masking of ID and phone numbers for roles that do not need them (pages, API and exports alike).

One rule, `Mask(head, tail)`: a value longer than head + tail keeps its first `head` and last `tail`
characters and shows a star for every character between; anything shorter (empty, a short code, a
word such as 未知) is all stars, one per character. `Mask.text` applies it to one string and
`Mask.expr` to a Polars column; tests check that the two agree for every length. The star count is
computed in signed integers and the middle is replaced character by character, so no length can make
it wrap round.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

_ANY_CHAR = r"(?s)."


@dataclass(frozen=True)
class Mask:
    head: int
    tail: int

    def text(self, value: str | None) -> str:
        """The masked string; None and "" give ""."""
        if not value:
            return ""
        n = len(value)
        if n <= self.head + self.tail:
            return "*" * n
        return value[: self.head] + "*" * (n - self.head - self.tail) + value[n - self.tail :]

    def expr(self, col: str | pl.Expr) -> pl.Expr:
        """The masked column; null stays null."""
        c = pl.col(col) if isinstance(col, str) else col
        n = c.str.len_chars().cast(pl.Int64)
        middle = c.str.slice(self.head, (n - self.head - self.tail).clip(lower_bound=0))
        kept = c.str.slice(0, self.head) + middle.str.replace_all(_ANY_CHAR, "*") + c.str.slice(n - self.tail)
        return pl.when(n > self.head + self.tail).then(kept).otherwise(c.str.replace_all(_ANY_CHAR, "*"))


ID_MASK = Mask(6, 4)  # 520526********0012
PHONE_MASK = Mask(3, 4)  # 138****8000


def mask_id(value: str | None) -> str:
    return ID_MASK.text(value)


def mask_phone(value: str | None) -> str:
    return PHONE_MASK.text(value)


def id_for(user, value: str | None) -> str:
    return (value or "") if user.can("sees_id_numbers") else mask_id(value)


def phone_for(user, value: str | None) -> str:
    return (value or "") if user.can("sees_phone_numbers") else mask_phone(value)


def mask_id_expr(col: str | pl.Expr) -> pl.Expr:
    return ID_MASK.expr(col)


def mask_phone_expr(col: str | pl.Expr) -> pl.Expr:
    return PHONE_MASK.expr(col)


def masked_frame(df: pl.DataFrame, user, id_cols=("id_number",), phone_cols=("phone",)) -> pl.DataFrame:
    """Mask the ID and phone columns of an export frame for this user's role."""
    exprs = []
    if not user.can("sees_id_numbers"):
        exprs += [mask_id_expr(pl.col(c).cast(pl.String)).alias(c) for c in id_cols if c in df.columns]
    if not user.can("sees_phone_numbers"):
        exprs += [mask_phone_expr(pl.col(c).cast(pl.String)).alias(c) for c in phone_cols if c in df.columns]
    return df.with_columns(exprs) if exprs else df


# Keys under which a stored record (a Change's before/after, an alert's evidence) holds personal numbers.
ID_KEYS = frozenset({"id_number", "disability_cert", "payee_id_number", "id_number_raw"})
PHONE_KEYS = frozenset({"phone", "cadre_phone"})


def masked_record(user, data):
    """`data` (dicts and lists nested to any depth, as stored in JSON) with every ID and phone value masked
    for a role that may not see them: a household created with its members keeps them in a nested list."""
    ids, phones = user.can("sees_id_numbers"), user.can("sees_phone_numbers")
    if ids and phones:
        return data

    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str):
            if key in ID_KEYS and not ids:
                return mask_id(value)
            if key in PHONE_KEYS and not phones:
                return mask_phone(value)
        return value

    return walk(data)
