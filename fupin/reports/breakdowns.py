"""The statistics page's breakdowns: households and current members counted by the code of a code list
(main cause, household type, poverty type; health, labour ability, education), with the code's label in the
active language and the poor among them."""

from __future__ import annotations

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin import codes
from fupin.engine import identification
from fupin.engine.schema import POOR_STATUSES


def _labels(col: str, codelist: codes.CodeList) -> pl.Expr:
    lang = get_language() or "zh-hans"
    mapping = {c.code: codelist.label(c.code, lang) for c in codelist}
    mapping[""] = _("(not given)")
    return pl.col(col).replace_strict(mapping, default=pl.col(col), return_dtype=pl.String).alias("label")


def household_breakdown(hy: pl.DataFrame, col: str, codelist: codes.CodeList) -> pl.DataFrame:
    poor = pl.col("status").is_in(POOR_STATUSES)
    return (
        hy.with_columns(pl.col(col).fill_null(""))
        .group_by(col)
        .agg(
            pl.len().cast(pl.Int64).alias("households"),
            pl.col("size").sum().cast(pl.Int64).alias("persons"),
            poor.sum().cast(pl.Int64).alias("poor_households"),
            (pl.col("size") * poor).sum().cast(pl.Int64).alias("poor_persons"),
        )
        .with_columns(_labels(col, codelist))
        .sort(["households", col], descending=[True, False])
    )


BREAKDOWN_COLUMNS = ("health", "labour", "education")


def current_members(members: pl.DataFrame, hy: pl.DataFrame, year: int) -> pl.DataFrame:
    """The current members in `year` (identification's definition), the columns they are broken down by,
    with their household's status. Only those columns are carried: a province has 10 M members."""
    my = (
        identification.member_years(identification.prepare_members(members), [year])
        .filter(pl.col("current"))
        .select("household_id", *BREAKDOWN_COLUMNS)
    )
    return my.join(hy.lazy().select("household_id", "status"), on="household_id", how="inner").collect()


def member_breakdown(current: pl.DataFrame, col: str, codelist: codes.CodeList) -> pl.DataFrame:
    poor = pl.col("status").is_in(POOR_STATUSES)
    return (
        current.with_columns(pl.col(col).fill_null(""))
        .group_by(col)
        .agg(pl.len().cast(pl.Int64).alias("persons"), poor.sum().cast(pl.Int64).alias("poor_persons"))
        .with_columns(_labels(col, codelist))
        .sort(["persons", col], descending=[True, False])
    )
