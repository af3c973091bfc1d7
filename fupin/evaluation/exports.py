"""The evaluation workbook: the rates with their intervals, the strata, and (for those who record visits) the
sampled households with their visits in the layout the visit import reads back — the same file goes out to
the enumerators and comes back filled in."""

from __future__ import annotations

import io

import polars as pl
from django.utils.translation import get_language

from fupin.core.exports import workbook, write_sheet
from fupin.evaluation import selectors
from fupin.evaluation.codes import Indicator, Stratum
from fupin.evaluation.models import Evaluation
from fupin.evaluation.services import FIELD_LABELS

VISIT_FIELDS = ("visited_on", "income_pc", "food", "clothing", "education", "medical", "housing", "water")


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _label(zh: str, en: str) -> str:
    return en if _en() else zh


def rates_table(evaluation: Evaluation) -> pl.DataFrame:
    lang = "en" if _en() else "zh"
    r = selectors.rates(evaluation)
    return r.select(
        pl.col("indicator")
        .replace_strict({c.code: Indicator.label(c.code, lang) for c in Indicator})
        .alias(_label("指标", "Indicator")),
        pl.col("numerator").alias(_label("分子", "Numerator")),
        pl.col("denominator").alias(_label("分母", "Denominator")),
        pl.col("unit")
        .replace_strict({"persons": _label("人", "persons"), "households": _label("户", "households")})
        .alias(_label("单位", "Unit")),
        pl.col("visited").alias(_label("核查户数", "Households visited")),
        pl.col("population").alias(_label("抽样总体", "Population sampled from")),
        pl.col("pct").alias(_label("比率(%)", "Rate (%)")),
        pl.col("ci_low").alias(_label("置信区间下限(%)", "Interval from (%)")),
        pl.col("ci_high").alias(_label("置信区间上限(%)", "Interval to (%)")),
        pl.col("confidence").alias(_label("置信水平(%)", "Confidence (%)")),
    )


def sample_table(user, evaluation: Evaluation) -> pl.DataFrame:
    """The sampled households with their visits, headed as the visit import reads them."""
    lang = "en" if _en() else "zh"
    yes, no = _label("是", "yes"), _label("否", "no")

    def answer(v):
        return None if v is None else (yes if v else no)

    rows = []
    for s in selectors.sample_for(user, evaluation):
        v = getattr(s, "visit", None)
        rows.append(
            {
                "household_no": s.household.household_no,
                "head": s.household.head_name,
                "village": s.village,
                "stratum": Stratum.label(s.stratum, lang),
                "size": s.size,
                "visited_on": v.visited_on.isoformat() if v else None,
                "income_pc": float(v.income_pc) if v else None,
                **{g: answer(getattr(v, g)) if v else None for g in VISIT_FIELDS[2:]},
                "approves": answer(v.approves) if v else None,
                "note": v.note if v else None,
            }
        )
    schema = {
        "household_no": pl.String,
        "head": pl.String,
        "village": pl.String,
        "stratum": pl.String,
        "size": pl.Int64,
        "visited_on": pl.String,
        "income_pc": pl.Float64,
        **{g: pl.String for g in VISIT_FIELDS[2:]},
        "approves": pl.String,
        "note": pl.String,
    }
    df = pl.DataFrame(rows, schema=schema)
    i = 1 if _en() else 0
    names = {
        "household_no": _label("户编号", "household number"),
        "head": _label("户主", "head of household"),
        "village": _label("村", "village"),
        "stratum": _label("抽样层", "stratum"),
        "size": _label("人数", "persons"),
        **{k: FIELD_LABELS[k][i] for k in (*VISIT_FIELDS, "approves", "note")},
    }
    return df.rename(names)


def workbook_bytes(user, evaluation: Evaluation) -> tuple[bytes, int]:
    """The evaluation as an xlsx workbook (safe cells) and the number of household rows in it."""
    out = io.BytesIO()
    rows = 0
    with workbook(out) as wb:
        write_sheet(wb, rates_table(evaluation), _label("指标", "Rates"), autofit=True)
        if selectors.can_see_sample(user):
            sample = sample_table(user, evaluation)
            rows = sample.height
            write_sheet(wb, sample, _label("抽样户", "Sample"), autofit=True)
    return out.getvalue(), rows
