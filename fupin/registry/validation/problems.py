"""Problems found by the checks: one row each (sheet, row, field, value, rule, severity, Chinese and English
message), collected check by check and shown with the value as it was typed."""

from __future__ import annotations

import polars as pl

from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_MEMBER_COLUMNS

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
COLUMNS = {c.key: c for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS)}


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
        col = COLUMNS.get(key)
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


def rejected_households(problems: pl.DataFrame) -> set[str]:
    """The households with at least one error."""
    return set(problems.filter(pl.col("severity") == "error")["household_no"].drop_nulls().to_list())


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
        keys = [c for c in lf.collect_schema().names() if c in COLUMNS]
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


def problem_lines(problems: pl.DataFrame, lang: str = "zh") -> list[str]:
    """Human-readable lines: 'sheet 第N行 column「value」: message'."""
    lines = []
    for r in problems.iter_rows(named=True):
        value = "" if r["value"] is None else f"「{r['value']}」"
        if lang.startswith("en"):
            col = COLUMNS[r["field"]].label_en if r["field"] in COLUMNS else r["field"]
            lines.append(f"{r['sheet']} row {r['row']} {col}{value}: {r['message_en']}")
        else:
            lines.append(f"{r['sheet']} 第{r['row']}行 {r['column']}{value}：{r['message_zh']}")
    return lines
