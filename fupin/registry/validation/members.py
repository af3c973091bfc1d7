"""Row checks of 成员 rows: each person alone, against their ID number and against the store (`Context`),
chunk by chunk on a large import."""

from __future__ import annotations

from functools import partial

import polars as pl

from fupin import codes
from fupin.engine.cleaning import prepare
from fupin.engine.idnumber import ID_MESSAGES, parse_ids
from fupin.registry.columns import MEMBER_COLUMNS, MEMBER_SHEET, OPTIONAL_MEMBER_COLUMNS
from fupin.registry.validation.cells import TEXT_KEYS, clean, ensure_columns, with_household_no
from fupin.registry.validation.context import Context
from fupin.registry.validation.problems import Problems
from fupin.registry.validation.typed import check_typed

MEMBER_KEYS_SCHEMA = {
    "_row": pl.Int64,
    "household_no": pl.String,
    "id_number": pl.String,
    "relation": pl.String,
    "_hh_in_store": pl.Boolean,
    "_hh_out_of_scope": pl.Boolean,
}
YES_NO_KEYS = ("medical_insurance", "pension_insurance", "dibao", "tekun")


def check_members(raw: pl.DataFrame, ctx: Context, p: Problems) -> pl.DataFrame:
    """Row checks of 成员 rows (including what the store says of each person and household); returns the
    typed rows."""
    keys = MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS
    mm = with_household_no(ensure_columns(raw, keys))
    mm = prepare(mm, [c.key for c in keys], text=TEXT_KEYS)
    mm, typed = check_typed(mm, keys, MEMBER_SHEET, p)
    mm = _check_id_number(mm, ctx, p)
    out = mm.select(
        pl.col("_row"),
        pl.when(pl.col("_id_problem").is_null()).then(pl.col("_id18")).alias("id_number"),
        pl.when(pl.col("_id_problem").is_null()).then(pl.col("_cert")).alias("disability_cert"),
        pl.col("_id_birth").alias("_id_birth"),
        pl.col("_id_sex"),
        *typed,
    )
    out = _check_against_id(out, p)
    _check_person(out, p)
    _check_stored(out, ctx, p)
    yes_no = {"1": True, "0": False}
    return out.with_columns(
        [pl.col(k).replace_strict(yes_no, default=None, return_dtype=pl.Boolean) for k in YES_NO_KEYS]
    ).drop("_id_birth", "_id_sex")


def _check_id_number(mm: pl.DataFrame, ctx: Context, p: Problems) -> pl.DataFrame:
    """The ID number: given and valid (`parse_ids`: shape, birth date, check character). Returns the rows
    with the parse's columns (`_id18`, `_cert`, `_id_birth`, `_id_sex`, `_id_problem`)."""
    add = partial(p.add, sheet=MEMBER_SHEET, key="id_number")
    add(
        mm,
        clean("id_number").is_null(),
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
        add(mm, pl.col("_id_problem") == rule, rule=rule, zh=zh_e, en=en_e)
    return mm


def _check_against_id(out: pl.DataFrame, p: Problems) -> pl.DataFrame:
    """Sex and date of birth as typed must agree with a valid ID number; where blank (or, for the sex,
    unknown) they are taken from it."""
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
    return out.with_columns(
        pl.when(pl.col("sex").is_in(["1", "2", "9"]))
        .then(pl.col("sex"))
        .when(valid_id)
        .then(pl.col("_id_sex"))
        .alias("sex"),
        pl.when(valid_id).then(pl.col("_id_birth")).otherwise(pl.col("birth_date")).alias("birth_date"),
    )


def _check_person(out: pl.DataFrame, p: Problems) -> None:
    """The person's own fields together: the relation fits the sex, months worked, the name's length."""
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


def _check_stored(out: pl.DataFrame, ctx: Context, p: Problems) -> None:
    """What the store says: the person is not a member of another household; the household is not
    outside the user's region."""
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
