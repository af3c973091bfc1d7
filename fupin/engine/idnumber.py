"""Resident ID numbers (居民身份证号码, GB 11643-1999): the one home of their rules (domain.md §11 DQ-A1–A3).

An 18-character number is 6 digits of the issuing region, 8 of the birth date (YYYYMMDD), 3 of sequence
(the last of them odd for a man, even for a woman) and one check character: "10X98765432"[Σ wᵢ·dᵢ mod 11]
over the first 17 digits with the weights below (ISO 7064 MOD 11-2). Digits are ASCII, the check X is upper
case: input is cleaned (NFKC, spaces removed, upper case) before it is checked, never inside the check.

Three forms of the same rule, for three sizes of input:
- one value: `clean`, `check_char`, `is_valid` (a payment's payee);
- a Polars expression over a column: `check_char_expr`, `birth_date_expr`, `sex_expr`, put together by
  `parse_ids` with the problem it finds (ID_MESSAGES, zh/en) — the registry's validation path and the
  department lists, a few thousand rows at a time;
- `parse_id_numbers`: numpy over whole columns of millions of stored numbers (the data-quality rules).
"""

from __future__ import annotations

import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import polars as pl

from fupin.engine.cleaning import cleaned_name

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Lengths a stored number may have (DQ-A1): 18 (15 = first generation, to upgrade), 20 or 22 = a
# disability certificate (残疾人证): the 18-character ID, 残疾类别 1–7 and 残疾等级 1–4.
LENGTHS = (15, 18, 20, 22)
DISABILITY_CATEGORIES = "1234567"
DISABILITY_GRADES = "1234"
# The shapes as regular expressions ([0-9], not \d: \d also matches other scripts' digits).
ID15_PATTERN = r"^[0-9]{15}$"
ID18_PATTERN = r"^[0-9]{17}[0-9X]$"
CERTIFICATE_PATTERN = r"^[0-9]{17}[0-9X][0-9]{2}([0-9]{2})?$"

_ID18 = re.compile(ID18_PATTERN)


def clean(value: str) -> str:
    """A typed number as it is checked and stored: full-width → ASCII (NFKC), spaces removed, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def check_char(first17: str) -> str:
    """The check character the first 17 digits require."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid(value: str) -> bool:
    """18 characters: 17 ASCII digits and the right check character (the value already `clean`ed)."""
    return bool(_ID18.match(value)) and check_char(value[:17]) == value[17]


def check_char_expr(first17: pl.Expr) -> pl.Expr:
    """The check character the first 17 characters require; null where one of them is not a digit."""
    digits = [first17.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(len(WEIGHTS))]
    total = pl.sum_horizontal([d * w for d, w in zip(digits, WEIGHTS, strict=True)], ignore_nulls=False)
    return (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)


def birth_date_expr(first17: pl.Expr) -> pl.Expr:
    """The birth date written in the number (characters 7–14); null where it is not a date."""
    return first17.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)


def sex_expr(first17: pl.Expr) -> pl.Expr:
    """'1' (male) where the 17th digit is odd, else '2' (female)."""
    return (
        pl.when(first17.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
        .then(pl.lit("1"))
        .otherwise(pl.lit("2"))
    )


# ---------------------------------------------------------------- a frame (the validation path) -------


def parse_ids(df: pl.DataFrame, key: str, today: date) -> pl.DataFrame:
    """Add the parsed ID columns: `_id18`, `_cert`, `_id_birth`, `_id_sex`, `_id_expected`, `_id_problem`
    (a rule of ID_MESSAGES, null when the number is right or blank), from the compact spelling of column
    `key` that `cleaning.prepare` added (`_k_<key>`).

    15-digit (first-generation) numbers are upgraded to 18 digits, which is unambiguous. 20/22-digit
    disability-certificate numbers (残疾人证) are the 18-digit ID plus category and grade. The region part is
    not checked: it is where the ID was issued, which may not have existed at birth (ECOSYSTEM.md trap 1).
    Built in stages so each intermediate column is computed once.
    """
    s = pl.col("_id_s")
    n = pl.col("_id_n")
    first17 = pl.col("_id_17")
    df = df.with_columns(pl.col(cleaned_name(key)).str.to_uppercase().alias("_id_s"))
    df = df.with_columns(
        s.str.contains(r"^\d+(\.\d+)?E\+?\d+$").alias("_id_sci"), s.str.replace(r"\.0+$", "").alias("_id_s")
    )
    df = df.with_columns(s.str.len_chars().alias("_id_n"))
    df = df.with_columns(
        pl.when(n == 15)
        .then(s.str.slice(0, 6) + "19" + s.str.slice(6, 9))
        .otherwise(s.str.slice(0, 17))
        .alias("_id_17")
    )
    df = df.with_columns(
        check_char_expr(first17).alias("_id_expected"),
        birth_date_expr(first17).alias("_id_birth"),
    )
    shape_ok = (
        s.str.contains(ID15_PATTERN) | s.str.contains(ID18_PATTERN) | s.str.contains(CERTIFICATE_PATTERN)
    )
    birth, expected = pl.col("_id_birth"), pl.col("_id_expected")
    cert_ok = (n < 20) | (
        s.str.slice(18, 1).is_in(list(DISABILITY_CATEGORIES))
        & s.str.slice(19, 1).is_in(list(DISABILITY_GRADES))
    )
    wrong = (n >= 18) & (s.str.slice(17, 1) != expected)
    problem = (
        pl.when(s.is_null())
        .then(None)
        .when(pl.col("_id_sci"))
        .then(pl.lit("id.as_number"))
        .when(~shape_ok)
        .then(pl.lit("id.shape"))
        .when(birth.is_null() | (birth < date(1900, 1, 1)))
        .then(pl.lit("id.birth_date"))
        .when(birth > pl.lit(today))
        .then(pl.lit("id.future"))
        .when(wrong & (n == 18) & s.str.ends_with("000"))
        .then(pl.lit("id.as_number"))
        .when(wrong)
        .then(pl.lit("id.checksum"))
        .when(~cert_ok)
        .then(pl.lit("id.disability_suffix"))
    )
    return df.with_columns(
        pl.when(n == 15).then(first17 + expected).otherwise(s.str.slice(0, 18)).alias("_id18"),
        pl.when(n >= 20).then(s).alias("_cert"),
        sex_expr(first17).alias("_id_sex"),
        problem.alias("_id_problem"),
    ).drop("_id_s", "_id_sci", "_id_n", "_id_17")


ID_MESSAGES: dict[str, tuple[str, str]] = {
    "id.as_number": (
        "证件号码被 Excel 当作数字保存，末几位已丢失；请把该列设为文本格式后重新录入",
        "the ID number was stored as a number by Excel and its last digits are lost; format the "
        "column as text and type the number again",
    ),
    "id.shape": (
        "证件号码应为18位（最后一位可为X）或15位；残疾人证号为20或22位",
        "an ID number has 18 characters (the last may be X) or 15 digits; a disability certificate "
        "number has 20 or 22",
    ),
    "id.birth_date": (
        "证件号码中的出生日期不是有效日期",
        "the birth date inside the ID number is not a real date",
    ),
    "id.future": ("证件号码中的出生日期晚于今天", "the birth date inside the ID number is in the future"),
    "id.checksum": ("证件号码校验位错误", "the ID number's check digit is wrong"),
    "id.disability_suffix": (
        "残疾人证号末位应为残疾类别(1-7)和等级(1-4)",
        "a disability certificate number ends with the category (1-7) and grade (1-4)",
    ),
}


# ---------------------------------------------------------------- whole columns (numpy) ---------------


def _chunk_table(weights: tuple[int, ...]) -> np.ndarray:
    """Σ w_i·d_i for every number with len(weights) digits (the ID check sum of one chunk of digits)."""
    k = len(weights)
    v = np.arange(10**k, dtype=np.int64)
    out = np.zeros(10**k, dtype=np.int64)
    for i, w in enumerate(weights):
        out += (v // 10 ** (k - 1 - i)) % 10 * w
    return out.astype(np.int16)


# the 17 digits as chunks of 4, 4, 4, 5 digits: four table look-ups instead of 17 divisions
_CHUNKS = ((0, 4), (4, 8), (8, 12), (12, 17))
_TABLES = [_chunk_table(WEIGHTS[a:b]) for a, b in _CHUNKS]


def parse_id_numbers(ids: pl.Series, *, chunk: int = 1_000_000) -> pl.DataFrame:
    """Columns parsed from 18-character ID numbers, vectorised (numpy over whole slices of the column, no
    per-row Python; slices of `chunk` rows bound the temporaries): _id_len, _id_ok (18 characters that
    parse: 17 digits + digit or X), _id_last (last digit, 10 for X), _id_check (the check digit the first 17
    digits require), _id_birth (YYYYMMDD), _id_month, _id_day, _id_birth_days (days since 1970-01-01),
    _id_male (odd 17th digit)."""
    slices = [ids.slice(i, chunk) for i in range(0, max(len(ids), 1), chunk)]
    if len(slices) == 1:
        return _parse_id_slice(slices[0])
    # numpy and Polars release the GIL in these whole-column operations: slices run on all cores
    with ThreadPoolExecutor(max_workers=min(len(slices), os.cpu_count() or 1)) as pool:
        parts = list(pool.map(_parse_id_slice, slices))
    return pl.concat(parts, rechunk=False)


def _parse_id_slice(ids: pl.Series) -> pl.DataFrame:
    length = ids.str.len_bytes()
    n18 = ids.cast(pl.Int64, strict=False)  # fast path: 18 digits (null for X endings and junk)
    valid = (n18.is_not_null() & (length == 18) & (n18 >= 0)).fill_null(False).to_numpy().copy()
    n17 = n18.fill_null(0).to_numpy().copy()
    del n18
    last = (n17 % 10).astype(np.int8)
    n17 //= 10
    x_rows = (ids.str.ends_with("X") & (length == 18)).arg_true()
    if len(x_rows):  # the 1 in 11 ending in X: parse their first 17 characters only
        nx = ids.gather(x_rows).str.head(17).cast(pl.Int64, strict=False)
        ok = (nx.is_not_null() & (nx >= 0)).fill_null(False).to_numpy()
        rows = x_rows.to_numpy()[ok]
        n17[rows] = nx.fill_null(0).to_numpy()[ok]
        last[rows] = 10
        valid[rows] = True
    # Polars reads a sign ("+3301…", "-000…") as part of an integer. A signed number has at most 16 digits
    # before the check place, so only the few rows below 10**16 need their first character read.
    low = (valid & (n17 < 10**16)).nonzero()[0]
    if len(low):
        signed = ~ids.gather(low).str.contains(r"^[0-9]").to_numpy()
        valid[low[signed]] = False
    n17[~valid] = 0
    last[~valid] = 0
    total = np.zeros(len(n17), dtype=np.int16)
    for (a, b), table in zip(_CHUNKS, _TABLES, strict=True):
        total += table[(n17 // 10 ** (17 - b)) % 10 ** (b - a)]
    check = ((12 - total % 11) % 11).astype(np.int8)
    birth = ((n17 // 1000) % 100_000_000).astype(np.int32)
    male = (n17 % 2) == 1
    del n17, total
    month, day = ((birth // 100) % 100).astype(np.int8), (birth % 100).astype(np.int8)
    return pl.DataFrame(
        {
            "_id_len": length,
            "_id_ok": valid,
            "_id_last": last,
            "_id_check": check,
            "_id_birth": birth,
            "_id_month": month,
            "_id_day": day,
            "_id_birth_days": _days_from_civil(birth // 10000, month, day),
            "_id_male": male,
        }
    )


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), so the ID's birth date
    compares with a Date column's physical value without decomposing the Date column."""
    y = y.astype(np.int32) - (m <= 2)
    m = m.astype(np.int32)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d.astype(np.int32) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: np.ndarray = (era * 146097 + doe - 719468).astype(np.int32)  # (numpy types np.where as Any)
    return days
