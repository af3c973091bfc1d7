"""The anti-"数字脱贫" checks (防数字脱贫, engine/integrity.py) over one region subtree and year: the rules
read the registry's frames and, through quality/selectors.py, the plans' measures, the days the registry
recorded the exits and the year's household payments."""

from __future__ import annotations

import polars as pl

from fupin.engine import integrity
from fupin.quality import selectors

FAMILY = integrity.FAMILY
RULE_IDS = integrity.RULE_IDS


def findings(
    prefix: str, year: int, household_years: pl.DataFrame, members: pl.DataFrame, params: pl.DataFrame
) -> pl.DataFrame:
    """The integrity findings of the subtree in `year` (quality FINDINGS schema); `household_years` holds
    the records of `year − 1` and `year`."""
    return integrity.run(
        household_years,
        members,
        params,
        year=year,
        measures=selectors.integrity_measures(prefix, year),
        exits=selectors.integrity_exits(prefix, year),
        payments=selectors.integrity_payments(prefix, year),
    )
