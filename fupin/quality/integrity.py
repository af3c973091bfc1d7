"""The anti-"数字脱贫" checks (防数字脱贫, engine/integrity.py) over one region subtree and year: the rules
read the registry's frames and, through quality/selectors.py, the plans' measures, the days the registry
recorded the exits and the year's household payments."""

from __future__ import annotations

import polars as pl

from fupin.engine import integrity, partitioned
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


def household_frames(prefix: str, year: int) -> dict[str, pl.DataFrame]:
    """The per-household inputs of the rules (measures, exit records), to go with each household's part
    of a partitioned run (engine/partitioned.py)."""
    return {
        "measures": selectors.integrity_measures(prefix, year),
        "exits": selectors.integrity_exits(prefix, year),
    }


def partitioned_findings(
    prefix: str, year: int, parts: partitioned.Partitions, params: pl.DataFrame
) -> pl.DataFrame:
    """`findings` over the parts of a partitioned run, scattered with `household_frames`."""
    return partitioned.integrity_findings(
        parts, params, year=year, payments=selectors.integrity_payments(prefix, year)
    )
