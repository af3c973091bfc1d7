"""The one validation path of the registry: workbook rows, form posts and API bodies all come here.

Input is two all-string frames keyed by the workbook keys (`columns.py`) plus `_row` (the row number the
person sees: the Excel row, or 1 for a form). Every check is a vectorised Polars expression over the
whole input; the result carries the typed frames and *every* problem (sheet, row, field, value, rule,
Chinese and English message), not just the first. Pure Polars: no Django import, so the caller loads
what is needed from the store into a `Context` first (`selectors.load_context`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from fupin import codes
from fupin.engine.cleaning import cleaned_name, non_ascii, prepare
from fupin.engine.idnumber import ID_MESSAGES, parse_ids
from fupin.registry.columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    OPTIONAL_MEMBER_COLUMNS,
    Column,
)

EXCEL_EPOCH = date(1899, 12, 30)
PROBLEM_SCHEMA = {
    "sheet": pl.String,
    "row": pl.Int64,
    "household_no": pl.String,
    "field": pl.String,
    "column": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
}
_COLUMNS = {c.key: c for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS)}


@dataclass
class Context:
    """What validation needs to know about the store, loaded by the caller for the input at hand."""

    villages: set[str] = field(default_factory=set)  # village codes inside the user's scope
    out_of_scope_villages: set[str] = field(default_factory=set)  # known villages outside it
    existing_households: set[str] = field(default_factory=set)  # household_no in scope
    out_of_scope_households: set[str] = field(default_factory=set)  # household_no outside the scope
    # id_number, household_no of stored members whose ID appears in the input; in_scope: that household is
    # in the user's region (the number of a household elsewhere is never shown)
    existing_members: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"id_number": pl.String, "household_no": pl.String, "in_scope": pl.Boolean}
        )
    )
    # household_no, id_number of the stored heads of the households in the input
    existing_heads: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"household_no": pl.String, "id_number": pl.String})
    )
    today: date = field(default_factory=date.today)


@dataclass
class Validated:
    households: pl.DataFrame
    members: pl.DataFrame
    problems: pl.DataFrame
    rejected: set[str]

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "error")

    @property
    def ok(self) -> bool:
        return self.errors.is_empty()


# ---------------------------------------------------------------- cleaning -------------------------------


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


_TEXT_KEYS = frozenset(
    c.key for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS) if c.kind == "text"
)


def clean(key: str) -> pl.Expr:
    """The cleaned value (blank → null). For non-text columns inner spaces are gone too: only its nullness
    and, for text, its value are read through here."""
    return pl.col(cleaned_name(key, _TEXT_KEYS))


def compact(key: str) -> pl.Expr:
    c = pl.col(cleaned_name(key, _TEXT_KEYS))
    return c.str.replace_all(r"\s+", "") if key in _TEXT_KEYS else c


def _code_lookup(codelist: codes.CodeList) -> dict[str, str]:
    return {_nfkc(k): v for k, v in codelist.lookup().items()}


def code_expr(key: str, codelist: codes.CodeList) -> pl.Expr:
    m = _code_lookup(codelist)
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


# ---------------------------------------------------------------- problems -------------------------------


class Problems:
    """Collects problem frames; each check adds the rows where its condition holds."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []

    def add(
        self,
        df: pl.DataFrame,
        cond: pl.Expr,
        *,
        sheet: str,
        key: str,
        rule: str,
        zh: pl.Expr | str,
        en: pl.Expr | str,
        severity: str = "error",
        value: pl.Expr | None = None,
    ) -> None:
        col = _COLUMNS.get(key)
        hit = df.filter(cond.fill_null(False))
        if hit.is_empty():
            return
        value_expr = (
            value
            if value is not None
            else (pl.col(key).cast(pl.String) if key in df.columns else pl.lit(None, pl.String))
        )
        self.frames.append(
            hit.select(
                pl.lit(sheet).alias("sheet"),
                pl.col("_row").cast(pl.Int64).alias("row"),
                pl.col("household_no").cast(pl.String).alias("household_no")
                if "household_no" in hit.columns
                else pl.lit(None, pl.String).alias("household_no"),
                pl.lit(key).alias("field"),
                pl.lit(col.zh if col else key).alias("column"),
                value_expr.alias("value"),
                pl.lit(rule).alias("rule"),
                pl.lit(severity).alias("severity"),
                (pl.lit(zh) if isinstance(zh, str) else zh).alias("message_zh"),
                (pl.lit(en) if isinstance(en, str) else en).alias("message_en"),
            )
        )

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=PROBLEM_SCHEMA)
        return (
            pl.concat(self.frames)
            .cast(PROBLEM_SCHEMA)
            .sort("sheet", "row", "field", descending=[True, False, False])
        )


def _ensure_columns(df: pl.DataFrame, columns: tuple[Column, ...]) -> pl.DataFrame:
    missing = [pl.lit(None, pl.String).alias(c.key) for c in columns if c.key not in df.columns]
    if "_row" not in df.columns:
        missing.append(pl.int_range(2, df.height + 2, dtype=pl.Int64).alias("_row"))
    return df.with_columns(missing) if missing else df


def _typed_expr(c: Column) -> pl.Expr:
    raw = clean(c.key)
    if c.kind == "text":
        return raw.str.replace_all(r"\s+", " ")
    if c.kind == "code":
        return code_expr(c.key, c.codelist)
    if c.kind == "codes":
        m = _code_lookup(c.codelist)
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


def _check_typed(
    df: pl.DataFrame, columns: tuple[Column, ...], sheet: str, p: Problems
) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """Parse every column by its kind (once, into `_t_<key>`); report required-but-blank and unparseable
    values. Returns the frame and the expressions selecting the typed columns under their keys."""
    columns = tuple(c for c in columns if c.kind not in ("id", "region"))  # dedicated checks elsewhere
    df = df.with_columns([_typed_expr(c).alias(f"_t_{c.key}") for c in columns])
    typed: list[pl.Expr] = []
    for c in columns:
        raw, e = clean(c.key), pl.col(f"_t_{c.key}")
        if c.required:
            p.add(
                df,
                raw.is_null(),
                sheet=sheet,
                key=c.key,
                rule="required",
                zh=f"{c.zh}不能为空",
                en=f"{c.label_en} is required",
            )
        if c.kind == "code":
            p.add(
                df,
                raw.is_not_null() & e.is_null(),
                sheet=sheet,
                key=c.key,
                rule="code.unknown",
                zh=f"{c.zh}不在代码表中（可选：{'、'.join(x.zh for x in c.codelist)}）",
                en=f"{c.label_en} is not in the code list ({', '.join(x.en for x in c.codelist)})",
            )
        elif c.kind == "codes":
            p.add(
                df,
                raw.is_not_null() & e.list.eval(pl.element().is_null()).list.any(),
                sheet=sheet,
                key=c.key,
                rule="code.unknown",
                zh=f"{c.zh}含有不在代码表中的值",
                en=f"{c.label_en} has a value that is not in the code list",
            )
            e = e.list.drop_nulls().list.unique(maintain_order=True).list.join(",")
        elif c.kind == "amount":
            p.add(
                df,
                raw.is_not_null() & e.is_null(),
                sheet=sheet,
                key=c.key,
                rule="number.invalid",
                zh=f"{c.zh}不是有效金额",
                en=f"{c.label_en} is not a valid amount",
            )
            p.add(
                df,
                e < 0,
                sheet=sheet,
                key=c.key,
                rule="number.negative",
                zh=f"{c.zh}不能为负数",
                en=f"{c.label_en} cannot be negative",
            )
            p.add(
                df,
                e >= 1e9,
                sheet=sheet,
                key=c.key,
                rule="number.too_large",
                zh=f"{c.zh}超出合理范围",
                en=f"{c.label_en} is implausibly large",
            )
        elif c.kind in ("int", "year"):
            p.add(
                df,
                raw.is_not_null() & e.is_null(),
                sheet=sheet,
                key=c.key,
                rule="number.invalid",
                zh=f"{c.zh}应为整数",
                en=f"{c.label_en} must be a whole number",
            )
            if c.kind == "year":
                p.add(
                    df,
                    (e < 1949) | (e > date.today().year + 1),
                    sheet=sheet,
                    key=c.key,
                    rule="year.range",
                    zh=f"{c.zh}应在1949年至今之间",
                    en=f"{c.label_en} must be between 1949 and now",
                )
        elif c.kind == "date":
            p.add(
                df,
                raw.is_not_null() & e.is_null(),
                sheet=sheet,
                key=c.key,
                rule="date.invalid",
                zh=f"{c.zh}不是有效日期",
                en=f"{c.label_en} is not a valid date",
            )
        elif c.kind == "phone":
            valid = e.str.contains(r"^(1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")
            p.add(
                df,
                raw.is_not_null() & ~valid,
                sheet=sheet,
                key=c.key,
                rule="phone.invalid",
                zh="联系电话应为11位手机号或带区号的固定电话",
                en="the phone number must be an 11-digit mobile number or a landline with its area code",
            )
            e = pl.when(valid).then(e)
        typed.append(e.alias(c.key))
    return df, typed


# ---------------------------------------------------------------- the validator --------------------------
#
# Two kinds of checks. Row checks need only the row and the store (`Context`): they run chunk by chunk on a
# large import (`check_households`, `check_members`). Cross checks compare rows with each other (duplicates,
# heads, the two sheets): they run once, over the compact key columns every chunk contributes
# (`household_keys`, `member_keys`, `cross_checks`). `validate` is both on one input, for forms and the API.

HOUSEHOLD_KEYS_SCHEMA = {
    "_row": pl.Int64,
    "household_no": pl.String,
    "year": pl.Int64,
    "region_code": pl.String,
    "_in_store": pl.Boolean,
}
MEMBER_KEYS_SCHEMA = {
    "_row": pl.Int64,
    "household_no": pl.String,
    "id_number": pl.String,
    "relation": pl.String,
    "_hh_in_store": pl.Boolean,
    "_hh_out_of_scope": pl.Boolean,
}
HEADS_SCHEMA = {"household_no": pl.String, "id_number": pl.String}


def validate(
    households_raw: pl.DataFrame, members_raw: pl.DataFrame, ctx: Context, *, year: int | None = None
) -> Validated:
    p = Problems()
    households_raw = _ensure_columns(households_raw, HOUSEHOLD_COLUMNS)  # a form's rows have no `_row` yet
    members_raw = _ensure_columns(members_raw, MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS)
    households = check_households(households_raw, ctx, p, year=year)
    members = check_members(members_raw, ctx, p)
    cross_checks(household_keys(households, ctx), member_keys(members, ctx), stored_heads(ctx), p)
    problems = with_raw_values(
        p.frame(), {HOUSEHOLD_SHEET: households_raw.lazy(), MEMBER_SHEET: members_raw.lazy()}
    )
    return Validated(
        households=households, members=members, problems=problems, rejected=rejected_households(problems)
    )


def rejected_households(problems: pl.DataFrame) -> set[str]:
    """The households with at least one error."""
    return set(problems.filter(pl.col("severity") == "error")["household_no"].drop_nulls().to_list())


def household_no_expr(column: str = "household_no", *, nfkc: bool = True) -> pl.Expr:
    """A household number as the registry keys it: NFKC (full-width → ASCII), no spaces, blank → null.
    `nfkc=False` when the column is known to be ASCII (NFKC would change nothing)."""
    number = pl.col(column).str.normalize("NFKC") if nfkc else pl.col(column)
    number = number.str.replace_all(r"\s+", "")
    return pl.when(number != "").then(number)


def _household_no(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        household_no_expr(nfkc=bool(non_ascii(df, ["household_no"]))).alias("household_no")
    )


def with_raw_values(problems: pl.DataFrame, raw: dict[str, pl.LazyFrame]) -> pl.DataFrame:
    """Show each problem with the value as it was typed, not as it was parsed. `raw`: sheet → the rows as
    read (a lazy frame, so that a spilled import reads back only the rows with a problem)."""
    if problems.is_empty():
        return problems
    frames = []
    for sheet, lf in raw.items():
        rows = problems.filter(pl.col("sheet") == sheet)["row"].unique()
        if rows.is_empty():
            continue
        keys = [c for c in lf.collect_schema().names() if c in _COLUMNS]
        frames.append(
            lf.filter(pl.col("_row").cast(pl.Int64).is_in(rows.implode()))
            .select(pl.col("_row").cast(pl.Int64).alias("row"), *[pl.col(k).cast(pl.String) for k in keys])
            .collect()
            .unpivot(index="row", variable_name="field", value_name="_raw")
            .with_columns(pl.lit(sheet).alias("sheet"))
        )
    if not frames:
        return problems
    typed = pl.concat(frames).unique(["sheet", "row", "field"], keep="first")
    return (
        problems.join(typed, on=["sheet", "row", "field"], how="left", maintain_order="left")
        .with_columns(pl.coalesce("_raw", "value").alias("value"))
        .drop("_raw")
    )


def check_households(
    raw: pl.DataFrame, ctx: Context, p: Problems, *, year: int | None = None
) -> pl.DataFrame:
    """Row checks of 户 rows; returns the typed rows (`_row`, region_code, the typed columns)."""
    hh = _household_no(_ensure_columns(raw, HOUSEHOLD_COLUMNS))
    if year is not None:
        hh = hh.with_columns(
            pl.when(pl.col("year").str.strip_chars().str.len_chars() > 0)
            .then(pl.col("year"))
            .otherwise(pl.lit(str(year)))
            .alias("year")
        )
    hh = prepare(hh, [c.key for c in HOUSEHOLD_COLUMNS], text=_TEXT_KEYS)
    hh, typed = _check_typed(hh, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, p)
    raw_region = compact("region_code").str.replace(r"\.0+$", "")
    region = pl.when(raw_region.str.contains(r"^\d{12}$")).then(raw_region)
    p.add(
        hh,
        raw_region.is_null(),
        sheet=HOUSEHOLD_SHEET,
        key="region_code",
        rule="required",
        zh="行政区划代码不能为空",
        en="the village code is required",
    )
    p.add(
        hh,
        raw_region.is_not_null() & region.is_null(),
        sheet=HOUSEHOLD_SHEET,
        key="region_code",
        rule="region.shape",
        zh="行政区划代码应为12位村级统计用区划代码",
        en="the region code must be a 12-digit village code",
    )
    known = region.is_in(list(ctx.villages))
    outside = region.is_in(list(ctx.out_of_scope_villages))
    p.add(
        hh,
        region.is_not_null() & outside,
        sheet=HOUSEHOLD_SHEET,
        key="region_code",
        rule="scope.region",
        zh="该村不在您的管辖范围内",
        en="this village is outside your region",
    )
    p.add(
        hh,
        region.is_not_null() & ~known & ~outside,
        sheet=HOUSEHOLD_SHEET,
        key="region_code",
        rule="region.unknown",
        zh="未知的村级区划代码，请先导入区划（fupin import regions）",
        en="unknown village code; import the region list first (fupin import regions)",
    )
    p.add(
        hh,
        pl.col("household_no").is_in(list(ctx.out_of_scope_households)),
        sheet=HOUSEHOLD_SHEET,
        key="household_no",
        rule="scope.household",
        zh="该户属于您管辖范围以外的地区",
        en="this household belongs to a region outside yours",
    )
    out = hh.select(pl.col("_row"), region.alias("region_code"), *typed)
    out = out.with_columns(
        pl.col("water_safe").replace_strict({"1": True, "0": False}, default=None, return_dtype=pl.Boolean)
    )

    p.add(
        out,
        pl.col("year") > ctx.today.year,
        sheet=HOUSEHOLD_SHEET,
        key="year",
        rule="year.future",
        zh="年度不能晚于今年",
        en="the year cannot be later than this year",
    )
    p.add(
        out,
        pl.col("exit_year") < pl.col("identified_year"),
        sheet=HOUSEHOLD_SHEET,
        key="exit_year",
        rule="household.exit_before_identified",
        zh="脱贫年度早于识别年度",
        en="the year of exit is before the year identified",
        severity="warning",
    )
    return out


def check_members(raw: pl.DataFrame, ctx: Context, p: Problems) -> pl.DataFrame:
    """Row checks of 成员 rows (including what the store says of each person and household); returns the
    typed rows."""
    mm = _household_no(_ensure_columns(raw, MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS))
    mm = prepare(mm, [c.key for c in MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS], text=_TEXT_KEYS)
    mm, typed = _check_typed(mm, MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS, MEMBER_SHEET, p)
    id_raw = clean("id_number")
    p.add(
        mm,
        id_raw.is_null(),
        sheet=MEMBER_SHEET,
        key="id_number",
        rule="required",
        zh="证件号码不能为空",
        en="the ID number is required",
    )
    mm = parse_ids(mm, "id_number", ctx.today)
    for rule, (zh, en) in ID_MESSAGES.items():
        if rule == "id.checksum":
            zh_e = pl.format(zh + "（应为{}）", pl.col("_id_expected"))
            en_e = pl.format(en + " (expected {})", pl.col("_id_expected"))
        else:
            zh_e, en_e = zh, en
        p.add(
            mm,
            pl.col("_id_problem") == rule,
            sheet=MEMBER_SHEET,
            key="id_number",
            rule=rule,
            zh=zh_e,
            en=en_e,
        )

    out = mm.select(
        pl.col("_row"),
        pl.when(pl.col("_id_problem").is_null()).then(pl.col("_id18")).alias("id_number"),
        pl.when(pl.col("_id_problem").is_null()).then(pl.col("_cert")).alias("disability_cert"),
        pl.col("_id_birth").alias("_id_birth"),
        pl.col("_id_sex"),
        *typed,
    )
    valid_id = pl.col("id_number").is_not_null()
    sex_name = pl.col("_id_sex").replace_strict({"1": "男", "2": "女"}, default="")
    sex_en = pl.col("_id_sex").replace_strict({"1": "male", "2": "female"}, default="")
    p.add(
        out,
        valid_id & pl.col("sex").is_in(["1", "2"]) & (pl.col("sex") != pl.col("_id_sex")),
        sheet=MEMBER_SHEET,
        key="sex",
        rule="sex.id_mismatch",
        zh=pl.format("性别与证件号码不符（证件号码表明为{}）", sex_name),
        en=pl.format("the sex contradicts the ID number (which says {})", sex_en),
    )
    p.add(
        out,
        valid_id & pl.col("birth_date").is_not_null() & (pl.col("birth_date") != pl.col("_id_birth")),
        sheet=MEMBER_SHEET,
        key="birth_date",
        rule="birth.id_mismatch",
        zh=pl.format("出生日期与证件号码不符（证件号码为{}）", pl.col("_id_birth").cast(pl.String)),
        en=pl.format(
            "the date of birth contradicts the ID number (which says {})", pl.col("_id_birth").cast(pl.String)
        ),
    )
    out = out.with_columns(
        pl.when(pl.col("sex").is_in(["1", "2", "9"]))
        .then(pl.col("sex"))
        .when(valid_id)
        .then(pl.col("_id_sex"))
        .alias("sex"),
        pl.when(valid_id).then(pl.col("_id_birth")).otherwise(pl.col("birth_date")).alias("birth_date"),
    )
    rel = pl.col("relation")
    p.add(
        out,
        rel.is_in(list(codes.MALE_ONLY_RELATIONS)) & (pl.col("sex") == "2"),
        sheet=MEMBER_SHEET,
        key="relation",
        rule="relation.sex",
        zh="与户主关系要求男性，但此人为女性",
        en="the relation to the head is for a man, but this person is a woman",
    )
    p.add(
        out,
        rel.is_in(list(codes.FEMALE_ONLY_RELATIONS)) & (pl.col("sex") == "1"),
        sheet=MEMBER_SHEET,
        key="relation",
        rule="relation.sex",
        zh="与户主关系要求女性，但此人为男性",
        en="the relation to the head is for a woman, but this person is a man",
    )
    p.add(
        out,
        (pl.col("work_months") < 0) | (pl.col("work_months") > 12),
        sheet=MEMBER_SHEET,
        key="work_months",
        rule="work_months.range",
        zh="务工时间应在0到12个月之间",
        en="months worked away must be between 0 and 12",
    )
    p.add(
        out,
        pl.col("name").str.len_chars() > 50,
        sheet=MEMBER_SHEET,
        key="name",
        rule="name.too_long",
        zh="姓名过长",
        en="the name is too long",
    )

    # Already a member of another household in the store: a move is a membership change, not an import.
    existing = ctx.existing_members.select(
        pl.col("id_number").cast(pl.String),
        pl.col("household_no").cast(pl.String).alias("_stored_hh"),
        pl.col("in_scope").cast(pl.Boolean).alias("_stored_in_scope"),
    )
    m = out.join(existing, on="id_number", how="inner")
    elsewhere = pl.col("_stored_hh") != pl.col("household_no")
    p.add(
        m,
        elsewhere & pl.col("_stored_in_scope"),
        sheet=MEMBER_SHEET,
        key="id_number",
        rule="member.other_household",
        zh=pl.format("此人已是户 {} 的成员；一人同时只能属于一户，迁移请办理成员变动", pl.col("_stored_hh")),
        en=pl.format(
            "this person is already a member of household {}; a person belongs to one household "
            "at a time — record a membership change instead",
            pl.col("_stored_hh"),
        ),
    )
    p.add(
        m,
        elsewhere & ~pl.col("_stored_in_scope"),
        sheet=MEMBER_SHEET,
        key="id_number",
        rule="member.other_household",
        zh="此人已登记在您管辖范围以外地区的一户中；一人同时只能属于一户，请原所在地办理迁出后再登记",
        en="this person is registered in a household outside your region; a person belongs to one household "
        "at a time — the other region must record the move out first",
    )
    p.add(
        out,
        pl.col("household_no").is_in(list(ctx.out_of_scope_households)),
        sheet=MEMBER_SHEET,
        key="household_no",
        rule="scope.household",
        zh="该户属于您管辖范围以外的地区",
        en="this household belongs to a region outside yours",
    )

    yes_no = {"1": True, "0": False}
    return out.with_columns(
        [
            pl.col(k).replace_strict(yes_no, default=None, return_dtype=pl.Boolean)
            for k in ("medical_insurance", "pension_insurance", "dibao", "tekun")
        ]
    ).drop("_id_birth", "_id_sex")


def household_keys(households: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """What the cross checks need of typed 户 rows (and whether each household is already stored)."""
    return households.select(
        "_row",
        "household_no",
        "year",
        "region_code",
        pl.col("household_no").is_in(list(ctx.existing_households)).alias("_in_store"),
    ).cast(HOUSEHOLD_KEYS_SCHEMA)


def member_keys(members: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """What the cross checks need of typed 成员 rows (and what the store says of their household)."""
    return members.select(
        "_row",
        "household_no",
        "id_number",
        "relation",
        pl.col("household_no").is_in(list(ctx.existing_households)).alias("_hh_in_store"),
        pl.col("household_no").is_in(list(ctx.out_of_scope_households)).alias("_hh_out_of_scope"),
    ).cast(MEMBER_KEYS_SCHEMA)


def stored_heads(ctx: Context) -> pl.DataFrame:
    """The stored heads of the households the input names (household_no, id_number)."""
    return ctx.existing_heads.select(
        pl.col("household_no").cast(pl.String), pl.col("id_number").cast(pl.String)
    )


def cross_checks(households: pl.DataFrame, members: pl.DataFrame, heads: pl.DataFrame, p: Problems) -> None:
    """Checks across rows, sheets and the store: duplicates, heads, orphans. Inputs: `household_keys` and
    `member_keys` of the whole input, `stored_heads` of every household it names."""
    year, number = pl.col("year"), pl.col("household_no")
    dup = pl.len().over("household_no", "year") > 1
    p.add(
        households,
        number.is_not_null() & year.is_not_null() & dup,
        sheet=HOUSEHOLD_SHEET,
        key="year",
        rule="household.duplicate_year",
        zh="同一户同一年度出现多行",
        en="the same household appears more than once for this year",
    )
    conflict = pl.col("region_code").n_unique().over("household_no") > 1
    p.add(
        households,
        number.is_not_null() & conflict,
        sheet=HOUSEHOLD_SHEET,
        key="region_code",
        rule="household.region_conflict",
        zh="同一户在不同行中的行政区划代码不一致",
        en="the same household has different village codes on different rows",
    )

    # The same person more than once in the input (in one household or in two).
    dups = (
        members.filter(pl.col("id_number").is_not_null())
        .group_by("id_number")
        .agg(pl.col("_row").alias("_rows"), pl.col("household_no").alias("_hhs"))
        .filter(pl.col("_rows").list.len() > 1)
    )
    if not dups.is_empty():
        m = members.join(dups, on="id_number", how="inner").with_columns(
            pl.col("_rows").list.sort().list.eval(pl.element().cast(pl.String)).alias("_rows_s"),
            pl.col("_hhs").list.unique(maintain_order=True).alias("_hhs_s"),
        )
        p.add(
            m,
            pl.lit(True),
            sheet=MEMBER_SHEET,
            key="id_number",
            rule="member.duplicate",
            zh=pl.format(
                "同一人在表中出现多次（第{}行，户编号 {}）",
                pl.col("_rows_s").list.join("、"),
                pl.col("_hhs_s").list.join("、"),
            ),
            en=pl.format(
                "the same person appears more than once (rows {}, households {})",
                pl.col("_rows_s").list.join(", "),
                pl.col("_hhs_s").list.join(", "),
            ),
        )

    # Members whose household is neither in the 户 sheet nor in the store.
    in_file = number.is_in(households["household_no"].drop_nulls().unique().implode())
    p.add(
        members,
        number.is_not_null() & ~in_file & ~pl.col("_hh_in_store") & ~pl.col("_hh_out_of_scope"),
        sheet=MEMBER_SHEET,
        key="household_no",
        rule="member.no_household",
        zh="户编号在“户”表中不存在",
        en="the household number is not in the household sheet",
    )

    # Heads: exactly one per household, counting the stored heads the input does not touch.
    file_people = members.filter(number.is_not_null()).select("household_no", "id_number")
    untouched = (
        heads.unique()
        .join(file_people, on=["household_no", "id_number"], how="anti")
        .group_by("household_no")
        .agg(pl.len().alias("_stored"))
    )
    counts = (
        members.filter(number.is_not_null())
        .group_by("household_no")
        .agg((pl.col("relation") == "head").sum().alias("_heads"), pl.len().alias("_n"))
        .join(untouched, on="household_no", how="left")
        .with_columns((pl.col("_heads") + pl.col("_stored").fill_null(0)).alias("_heads"))
    )
    new_hh = households.filter(number.is_not_null() & ~pl.col("_in_store"))
    h = new_hh.join(counts, on="household_no", how="left")
    p.add(
        h,
        pl.col("_n").is_null(),
        sheet=HOUSEHOLD_SHEET,
        key="household_no",
        rule="household.no_members",
        zh="该户在“成员”表中没有成员",
        en="this household has no members in the member sheet",
    )
    no_head_zh, no_head_en = "该户没有户主（与户主关系=户主）", "this household has no head (relation = head)"
    p.add(
        h,
        pl.col("_n").is_not_null() & (pl.col("_heads") == 0),
        sheet=HOUSEHOLD_SHEET,
        key="household_no",
        rule="household.no_head",
        zh=no_head_zh,
        en=no_head_en,
    )
    headless = members.join(counts.filter(pl.col("_heads") == 0), on="household_no", how="inner")
    p.add(
        headless,
        pl.col("_hh_in_store"),
        sheet=MEMBER_SHEET,
        key="relation",
        rule="household.no_head",
        zh=no_head_zh,
        en=no_head_en,
    )
    many = members.join(counts.filter(pl.col("_heads") > 1), on="household_no", how="inner")
    p.add(
        many,
        pl.col("relation") == "head",
        sheet=MEMBER_SHEET,
        key="relation",
        rule="household.many_heads",
        zh=pl.format("该户有{}位户主，只能有一位", pl.col("_heads")),
        en=pl.format("this household has {} heads; it must have exactly one", pl.col("_heads")),
    )


def problem_lines(problems: pl.DataFrame, lang: str = "zh") -> list[str]:
    """Human-readable lines: 'sheet 第N行 column「value」: message'."""
    lines = []
    for r in problems.iter_rows(named=True):
        value = "" if r["value"] is None else f"「{r['value']}」"
        if lang.startswith("en"):
            col = _COLUMNS[r["field"]].label_en if r["field"] in _COLUMNS else r["field"]
            lines.append(f"{r['sheet']} row {r['row']} {col}{value}: {r['message_en']}")
        else:
            lines.append(f"{r['sheet']} 第{r['row']}行 {r['column']}{value}：{r['message_zh']}")
    return lines
