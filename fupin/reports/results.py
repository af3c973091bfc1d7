"""Reading a stored run's result for people: filters, and the columns shown on the page and in Excel.

`display_frame` turns the engine's result (codes, booleans, reason lists) into text in the active language
with Polars expressions over the whole frame; the page shows one page of it, the export all of it.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from fupin import codes
from fupin.engine.exits import EXIT_REASONS, INDICATORS
from fupin.engine.identification import REASONS
from fupin.engine.schema import ensure_columns

INDICATOR_LABELS = {
    "comprehensive_incidence": gettext_lazy("Comprehensive poverty incidence"),
    "wrong_exit": gettext_lazy("Wrong-exit rate"),
    "missed": gettext_lazy("Missed-poor rate"),
    "approval": gettext_lazy("Public approval"),
}


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _yes_no(col: str, yes: str, no: str) -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit(yes)).when(~pl.col(col)).then(pl.lit(no)).otherwise(pl.lit("—"))


def _reasons(col: str, table: dict[str, tuple[str, str]]) -> pl.Expr:
    i = 1 if _en() else 0
    mapping = {k: v[i] for k, v in table.items()}
    sep = "; " if i else "；"
    return pl.col(col).list.eval(pl.element().replace_strict(mapping, default=pl.element())).list.join(sep)


def _reason(col: str) -> pl.Expr:
    i = 1 if _en() else 0
    return pl.col(col).replace_strict(
        {k: v[i] for k, v in EXIT_REASONS.items()}, default=pl.col(col), return_dtype=pl.String
    )


def _status() -> pl.Expr:
    lang = "en" if _en() else "zh"
    mapping = {c.code: codes.HOUSEHOLD_STATUS.label(c.code, lang) for c in codes.HOUSEHOLD_STATUS}
    return pl.col("status").replace_strict(mapping, default=pl.col("status"), return_dtype=pl.String)


def columns(kind: str) -> list[tuple[str, pl.Expr]]:
    """(label, expression) of every shown column of a run's result."""
    if kind == "identify":
        return [
            (_("Household number"), pl.col("household_no")),
            (_("Head of household"), pl.col("head_name")),
            (_("Village"), pl.col("village_name")),
            (_("Household status"), _status()),
            (_("Current members"), pl.col("members")),
            (_("Per-capita net income"), pl.col("net_income_pc").round(2)),
            (_("Poverty line"), pl.col("poverty_line")),
            (_("Poor"), _yes_no("poor", _("Yes"), _("No"))),
            (_("Reasons"), _reasons("reasons", REASONS)),
        ]
    if kind == "exit_household":
        return [
            (_("Household number"), pl.col("household_no")),
            (_("Head of household"), pl.col("head_name")),
            (_("Village"), pl.col("village_name")),
            (_("Household status"), _status()),
            (_("Current members"), pl.col("members")),
            (_("Per-capita net income"), pl.col("net_income_pc").round(2)),
            (_("Poverty line"), pl.col("poverty_line")),
            (_("May exit"), _yes_no("exit_eligible", _("Yes"), _("No"))),
            (_("What blocks exit"), _reasons("exit_reasons", EXIT_REASONS)),
        ]
    if kind == "exit_village":
        return [
            (_("Code"), pl.col("village")),
            (_("Village"), pl.col("village_name")),
            (_("Poor persons"), pl.col("poor_persons")),
            (_("Registered persons"), pl.col("registered_persons")),
            (_("Rural population"), pl.col("rural_population")),
            (_("Incidence (%)"), pl.col("incidence_pct")),
            (_("Threshold (%)"), pl.col("incidence_threshold")),
            (_("Result"), _yes_no("exit", _("Passed"), _("Not passed"))),
            (_("Reasons"), _reasons("reasons", EXIT_REASONS)),
        ]
    out = [(_("Code"), pl.col("county")), (_("County"), pl.col("county_name"))]
    for i in INDICATORS:
        name = str(INDICATOR_LABELS[i])
        cmp = "≥" if i == "approval" else "<"
        out += [
            (f"{name} (%)", pl.col(f"{i}_pct")),
            (f"{name}: {_('threshold')} ({cmp} %)", pl.col(f"{i}_threshold")),
            (
                f"{name}: {_('result')}",
                pl.when(pl.col(f"{i}_passed"))
                .then(pl.lit(_("Passed")))
                .otherwise(
                    pl.lit(_("Not passed"))
                    + pl.when(pl.col(f"{i}_reason").is_not_null())
                    .then(pl.lit(" (") + _reason(f"{i}_reason") + pl.lit(")"))
                    .otherwise(pl.lit(""))
                ),
            ),
        ]
    out.append((_("Overall"), _yes_no("exit", _("Passed"), _("Not passed"))))
    out.append((_("Source of the sample figures"), _figures_source()))
    return out


def _figures_source() -> pl.Expr:
    """Where a county's 错退, 漏评 and 认可度 figures came from: a closed evaluation (with its number), the
    figures typed in for the county, or nowhere."""
    source = pl.col("figures_source")
    return (
        pl.when(source == "evaluation")
        .then(pl.lit(_("Evaluation")) + pl.lit(" #") + pl.col("evaluation_id").cast(pl.String))
        .when(source == "county_input")
        .then(pl.lit(_("County exit figures")))
        .otherwise(pl.lit("—"))
    )


def display_frame(df: pl.DataFrame, kind: str) -> pl.DataFrame:
    cols = columns(kind)
    if kind == "exit_county":  # runs stored before the figures named their source
        df = ensure_columns(df, {"figures_source": pl.String, "evaluation_id": pl.Int64})
    return df.select([expr.alias(f"c{i}") for i, (_label, expr) in enumerate(cols)]).rename(
        {f"c{i}": label for i, (label, _e) in enumerate(cols)}
    )


OUTCOMES = {  # kind → (filter value → expression)
    "identify": {
        "poor": pl.col("poor") == True,  # noqa: E712
        "not_poor": pl.col("poor") == False,  # noqa: E712
        "unknown": pl.col("poor").is_null(),
    },
    "exit_household": {"eligible": pl.col("exit_eligible"), "not_eligible": ~pl.col("exit_eligible")},
    "exit_village": {"passed": pl.col("exit"), "failed": ~pl.col("exit")},
    "exit_county": {"passed": pl.col("exit"), "failed": ~pl.col("exit")},
}


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    labels = {
        "poor": _("Poor"),
        "not_poor": _("Not poor"),
        "unknown": _("Cannot be judged"),
        "eligible": _("May exit"),
        "not_eligible": _("May not exit"),
        "passed": _("Passed"),
        "failed": _("Not passed"),
    }
    return [(k, labels[k]) for k in OUTCOMES[kind]]


def reason_choices(kind: str) -> list[tuple[str, str]]:
    i = 1 if _en() else 0
    if kind == "identify":
        return [(k, v[i]) for k, v in REASONS.items()]
    if kind in ("exit_household", "exit_village"):
        return [(k, v[i]) for k, v in EXIT_REASONS.items()]
    return []


def reason_column(kind: str) -> str | None:
    return {"identify": "reasons", "exit_household": "exit_reasons", "exit_village": "reasons"}.get(kind)


def filtered(
    df: pl.DataFrame, kind: str, *, outcome: str | None = None, reason: str | None = None
) -> pl.DataFrame:
    if outcome in OUTCOMES[kind]:
        df = df.filter(OUTCOMES[kind][outcome])
    col = reason_column(kind)
    if reason and col and reason in dict(reason_choices(kind)):
        df = df.filter(pl.col(col).list.contains(reason))
    return df
