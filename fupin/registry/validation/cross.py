"""Checks across rows, sheets and the store (duplicates, heads, orphans). They run once over the compact
key columns of the whole input (`household_keys`, `member_keys`, `stored_heads`), which every chunk of a
large import contributes."""

from __future__ import annotations

import polars as pl

from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
from fupin.registry.validation.context import Context
from fupin.registry.validation.problems import Problems

HEADS_SCHEMA = {"household_no": pl.String, "id_number": pl.String}
NO_HEAD = ("该户没有户主（与户主关系=户主）", "this household has no head (relation = head)")


def stored_heads(ctx: Context) -> pl.DataFrame:
    """The stored heads of the households the input names (household_no, id_number)."""
    return ctx.existing_heads.select(
        pl.col("household_no").cast(pl.String), pl.col("id_number").cast(pl.String)
    )


def cross_checks(households: pl.DataFrame, members: pl.DataFrame, heads: pl.DataFrame, p: Problems) -> None:
    """Checks across rows, sheets and the store: duplicates, heads, orphans. Inputs: `household_keys` and
    `member_keys` of the whole input, `stored_heads` of every household it names."""
    _check_household_rows(households, p)
    _check_duplicate_people(members, p)
    _check_orphans(households, members, p)
    _check_heads(households, members, heads, p)


def _check_household_rows(households: pl.DataFrame, p: Problems) -> None:
    """One row per household and year; one village per household."""
    number = pl.col("household_no")
    dup = pl.len().over("household_no", "year") > 1
    p.add(
        households,
        number.is_not_null() & pl.col("year").is_not_null() & dup,
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


def _check_duplicate_people(members: pl.DataFrame, p: Problems) -> None:
    """The same person more than once in the input (in one household or in two)."""
    dups = (
        members.filter(pl.col("id_number").is_not_null())
        .group_by("id_number")
        .agg(pl.col("_row").alias("_rows"), pl.col("household_no").alias("_hhs"))
        .filter(pl.col("_rows").list.len() > 1)
    )
    if dups.is_empty():
        return
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


def _check_orphans(households: pl.DataFrame, members: pl.DataFrame, p: Problems) -> None:
    """Members whose household is neither in the 户 sheet nor in the store."""
    number = pl.col("household_no")
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


def _check_heads(households: pl.DataFrame, members: pl.DataFrame, heads: pl.DataFrame, p: Problems) -> None:
    """Heads: exactly one per household, counting the stored heads the input does not touch."""
    counts = _head_counts(members, heads)
    new_hh = households.filter(pl.col("household_no").is_not_null() & ~pl.col("_in_store"))
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
    p.add(
        h,
        pl.col("_n").is_not_null() & (pl.col("_heads") == 0),
        sheet=HOUSEHOLD_SHEET,
        key="household_no",
        rule="household.no_head",
        zh=NO_HEAD[0],
        en=NO_HEAD[1],
    )
    headless = members.join(counts.filter(pl.col("_heads") == 0), on="household_no", how="inner")
    p.add(
        headless,
        pl.col("_hh_in_store"),
        sheet=MEMBER_SHEET,
        key="relation",
        rule="household.no_head",
        zh=NO_HEAD[0],
        en=NO_HEAD[1],
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


def _head_counts(members: pl.DataFrame, heads: pl.DataFrame) -> pl.DataFrame:
    """Per household the input names: its members in the input (`_n`) and its heads (`_heads`), those of
    the input and the stored heads it leaves alone."""
    number = pl.col("household_no")
    file_people = members.filter(number.is_not_null()).select("household_no", "id_number")
    untouched = (
        heads.unique()
        .join(file_people, on=["household_no", "id_number"], how="anti")
        .group_by("household_no")
        .agg(pl.len().alias("_stored"))
    )
    return (
        members.filter(number.is_not_null())
        .group_by("household_no")
        .agg((pl.col("relation") == "head").sum().alias("_heads"), pl.len().alias("_n"))
        .join(untouched, on="household_no", how="left")
        .with_columns((pl.col("_heads") + pl.col("_stored").fill_null(0)).alias("_heads"))
    )
