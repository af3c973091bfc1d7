"""Region levels of the 12-digit division codes: the one home of the level table.

省 110000000000, 市 110100000000, 县 110101000000, 乡 110101001000, 村 110101001001: a region of a level is
written by its first 2, 4, 6, 9 or 12 digits (its *prefix*, shared by its whole subtree), padded with zeros
to 12.
"""

from __future__ import annotations

import polars as pl

CODE_LENGTH = 12
PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5
LEVEL_PREFIX_LEN = {PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}
PREFIX_LENGTHS = tuple(LEVEL_PREFIX_LEN.values())  # (2, 4, 6, 9, 12)
# The lengths a typed code may have, for messages: "2、4、6、9 或 12 位数字" / "2, 4, 6, 9 or 12 digits".
PREFIX_LENGTHS_ZH = "、".join(map(str, PREFIX_LENGTHS[:-1])) + f" 或 {PREFIX_LENGTHS[-1]} 位数字"
PREFIX_LENGTHS_EN = ", ".join(map(str, PREFIX_LENGTHS[:-1])) + f" or {PREFIX_LENGTHS[-1]} digits"


def ancestors(prefix: str) -> list[str]:
    """The 12-digit codes of the regions above the region written by `prefix`, the province first
    ('520526001' → ['520000000000', '520500000000', '520526000000']; '' → [])."""
    return [prefix[:n].ljust(CODE_LENGTH, "0") for n in PREFIX_LENGTHS if n < len(prefix)]


def level_of(code12: str) -> int:
    """The level of a 12-digit code: the last non-zero part says it."""
    if code12[9:] != "000":
        return VILLAGE
    if code12[6:9] != "000":
        return TOWNSHIP
    if code12[4:6] != "00":
        return COUNTY
    if code12[2:4] != "00":
        return CITY
    return PROVINCE


def prefix_of(code12: str) -> str:
    """The prefix a 12-digit code shares with its subtree ('520526001000' → '520526001')."""
    return code12[: LEVEL_PREFIX_LEN[level_of(code12)]]


def parent_of(code12: str) -> str | None:
    level = level_of(code12)
    if level == PROVINCE:
        return None
    return code12[: LEVEL_PREFIX_LEN[level - 1]].ljust(12, "0")


def prefix_expr(code: pl.Expr) -> pl.Expr:
    """The prefix a 12-digit region code shares with its subtree (2/4/6/9/12 digits), vectorised: `prefix_of` over a column."""
    return (
        pl.when(code.str.slice(9, 3) != "000")
        .then(code)
        .when(code.str.slice(6, 3) != "000")
        .then(code.str.slice(0, 9))
        .when(code.str.slice(4, 2) != "00")
        .then(code.str.slice(0, 6))
        .when(code.str.slice(2, 2) != "00")
        .then(code.str.slice(0, 4))
        .otherwise(code.str.slice(0, 2))
    )
