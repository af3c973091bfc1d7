"""How the commands print a frame: a table, CSV or JSON on the terminal or into --out, or an xlsx file.

A terminal table is for people: its column names and its code values show their Chinese and English
labels (`for_people`). CSV, JSON and xlsx are for scripts and keep the stable keys and codes. The code
lists of `fupin/codes.py` are labelled here; a command whose frame holds codes of an app's own list (region
levels, measure categories) passes their labels (`labels=`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from fupin.core.cli_support import UsageError
from fupin.core.exports import write_csv, write_xlsx

COLUMN_LABELS: dict[str, tuple[str, str]] = {  # key → (Chinese, English) of a table header
    "region_code": ("区划代码", "region code"),
    "region_name": ("地区", "region"),
    "level": ("层级", "level"),
    "year": ("年度", "year"),
    "households": ("户数", "households"),
    "persons": ("人数", "persons"),
    "poor_households": ("贫困户数", "poor households"),
    "poor_persons": ("贫困人口", "poor persons"),
    "rural_population": ("农业户籍人口", "rural population"),
    # the headline counts (三个一万人): the monitoring groups of reports/headline.py
    "unstable_households": ("脱贫不稳定户", "unstable households"),
    "unstable_persons": ("脱贫不稳定人口", "unstable persons"),
    "edge_households": ("边缘易致贫户", "marginal households"),
    "edge_persons": ("边缘易致贫人口", "marginal persons"),
    "sudden_households": ("突发严重困难户", "sudden-hardship households"),
    "sudden_persons": ("突发严重困难人口", "sudden-hardship persons"),
    "monitored_households": ("监测户数", "monitored households"),
    "monitored_persons": ("监测人口", "monitored persons"),
    "row": ("行", "row"),
    "incidence_pct": ("贫困发生率%", "incidence %"),
    "household_no": ("户编号", "household no."),
    "head_name": ("户主", "head"),
    "village": ("村代码", "village code"),
    "village_name": ("村", "village"),
    "status": ("户状态", "status"),
    "household_type": ("户类型", "type"),
    "main_cause": ("主要致贫原因", "main cause"),
    "members": ("人口", "members"),
    "net_income_pc": ("人均纯收入", "net income per head"),
    "poverty_line": ("贫困线", "poverty line"),
    "poor": ("贫困", "poor"),
    "reasons": ("原因", "reasons"),
    "exit_eligible": ("可退出", "may exit"),
    "exit_reasons": ("原因", "reasons"),
    "incidence_threshold": ("退出标准%", "threshold %"),
    "exit": ("退出", "exit"),
    "county": ("县代码", "county code"),
    "county_name": ("县", "county"),
    "comprehensive_incidence_pct": ("综合贫困发生率%", "comprehensive incidence %"),
    "wrong_exit_pct": ("错退率%", "wrong exits %"),
    "missed_pct": ("漏评率%", "missed %"),
    "approval_pct": ("群众认可度%", "approval %"),
    "signal_id": ("信号", "signal"),
    "label_zh": ("说明", "description (zh)"),
    "label_en": ("英文说明", "description (en)"),
    "new": ("新增", "new"),
    "check_id": ("检查", "check"),
    "rule_id": ("规则", "rule"),
    "severity": ("级别", "severity"),
    "subject": ("对象", "subject"),
    "value": ("数值", "value"),
    "message_zh": ("问题", "problem (zh)"),
    "message_en": ("英文说明", "problem (en)"),
    "count": ("条数", "count"),
    "project_id": ("项目ID", "project id"),
    "project_name": ("项目名称", "project"),
    "payment_id": ("付款ID", "payment id"),
    "household_id": ("户ID", "household id"),
    "code": ("代码", "code"),
    "name_zh": ("名称", "name (zh)"),
    "name_en": ("英文名称", "name (en)"),
    "category": ("类别", "category"),
    "kind": ("方式", "kind"),
    "active_from": ("起始年度", "from"),
    "active_to": ("截止年度", "to"),
    "causes": ("致贫原因", "causes"),
}

SEVERITY = {"error": ("错误", "error"), "suspect": ("疑点", "suspect"), "warning": ("提醒", "warning")}

Labels = dict[str, Any]  # column → a CodeList, or {code: (Chinese, English)} (a code may be an int: a level)


def _pairs(labels: Any) -> dict:
    """{code: (Chinese, English)} of a CodeList or of such a dict."""
    return labels if isinstance(labels, dict) else {c.code: (c.zh, c.en) for c in labels}


def _value_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """column → {code: (Chinese, English)} for the columns that hold a code of a code list."""
    from fupin import codes

    return {
        "status": _pairs(codes.HOUSEHOLD_STATUS),
        "household_type": _pairs(codes.HOUSEHOLD_TYPE),
        "main_cause": _pairs(codes.CAUSE),
        "causes": _pairs(codes.CAUSE),
        "severity": SEVERITY,
    }


def column_label(key: str) -> str:
    zh, en = COLUMN_LABELS.get(key, (key, ""))
    return f"{zh} / {en}" if en else zh


def for_people(df: pl.DataFrame, labels: Labels | None = None) -> pl.DataFrame:
    """The frame as a terminal shows it: code values as 'Chinese / English' labels (a comma-separated list
    of codes label by label), yes/no for true/false, and labelled column names. `labels` adds the value
    labels of more columns (`{"level": LEVEL_NAMES}` shows levels by name)."""
    values = {**_value_labels(), **{k: _pairs(v) for k, v in (labels or {}).items()}}
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.Boolean:
            exprs.append(
                pl.when(pl.col(name))
                .then(pl.lit("是 / yes"))
                .when(~pl.col(name))
                .then(pl.lit("否 / no"))
                .otherwise(None)
                .alias(name)
            )
        elif name in values and dtype.is_integer():
            exprs.append(
                pl.col(name).replace_strict(
                    {k: f"{zh} / {en}" for k, (zh, en) in values[name].items()},
                    default=pl.col(name).cast(pl.String),
                    return_dtype=pl.String,
                )
            )
        elif name in values and dtype == pl.String:
            labels = {k: f"{zh} / {en}" for k, (zh, en) in values[name].items()}
            if name == "causes":  # several codes in one cell
                exprs.append(
                    pl.col(name)
                    .str.split(",")
                    .list.eval(pl.element().replace_strict(labels, default=pl.element()))
                    .list.join("；")
                    .alias(name)
                )
            else:
                exprs.append(pl.col(name).replace_strict(labels, default=pl.col(name)).alias(name))
    out = df.with_columns(exprs) if exprs else df
    return out.rename({c: column_label(c) for c in out.columns if c in COLUMN_LABELS})


def table_text(
    df: pl.DataFrame, *, width: int = 200, str_lengths: int | None = None, labels: Labels | None = None
) -> str:
    """An aligned table of every row and column, for people (see `for_people`)."""
    options = {"fmt_str_lengths": str_lengths} if str_lengths else {}
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=width,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        **options,
    ):
        return str(for_people(df, labels))


def frame_text(
    df: pl.DataFrame,
    fmt: str,
    *,
    width: int = 200,
    str_lengths: int | None = None,
    labels: Labels | None = None,
) -> str:
    """`df` as JSON (a list of rows, stable keys), CSV (stable keys), or a table for people."""
    if fmt == "json":
        return json.dumps(df.to_dicts(), ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        return write_csv(df)
    return table_text(df, width=width, str_lengths=str_lengths, labels=labels)


def deliver(text: str, out: Path | None) -> None:
    """Into the --out file (and its path on the terminal), else on the terminal."""
    if out:
        out.write_text(text, encoding="utf-8")
        print(out)
    else:
        print(text)


def emit(
    df: pl.DataFrame,
    fmt: str,
    out: Path | None,
    *,
    sheet: str,
    str_lengths: int | None = None,
    labels: Labels | None = None,
) -> None:
    """`frame_text` + `deliver`, or for xlsx one worksheet in the --out file (required)."""
    if fmt == "xlsx":
        if not out:
            raise UsageError("--format xlsx 需要 --out 文件 / --format xlsx needs --out FILE")
        write_xlsx(out, df, sheet)
        print(out)
        return
    deliver(frame_text(df, fmt, str_lengths=str_lengths, labels=labels), out)
