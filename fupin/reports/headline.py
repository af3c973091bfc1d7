"""三个一万人 — the headline table (domain.md §8.3): remaining poor, 脱贫不稳定户, 边缘易致贫户 and 突发严重困难户
(households and persons) for a region and its child regions, by year; the exits by year of households,
villages (出列) and counties (摘帽). Reads only, always inside the user's region subtree.

The store is read into frames with one SELECT each (the registry's household-years up to the year, the
monitoring cases, the regions) and counted by the engine (engine/headline.py) in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.accounts import scope
from fupin.engine import headline as engine
from fupin.monitoring.codes import MonitorType
from fupin.regions.codes import LEVEL_NAMES, POVERTY_STATUS, VILLAGE, level_of
from fupin.regions.models import Region
from fupin.reports import selectors
from fupin.reports.services import ReportInputError

MAX_YEARS = 20


def group_labels() -> dict[str, str]:
    """The four groups' names in the active language (the monitoring types' labels come from MonitorType)."""
    lang = get_language() or "zh"
    return {"poor": _("Remaining poor"), **{t: MonitorType.label(t, lang) for t in MonitorType.values}}


def columns() -> list[tuple[str, str]]:
    """(column, label) of the counts, as the page, the workbook and the CLI show them."""
    labels = group_labels()
    out = []
    for g in engine.GROUPS:
        out += [
            (f"{g}_households", f"{labels[g]} · {_('households')}"),
            (f"{g}_persons", f"{labels[g]} · {_('persons')}"),
        ]
    return out


# --- the table -------------------------------------------------------------------------------------------


@dataclass
class Headline:
    code: str  # '' = everywhere
    region: Region | None
    year: int
    years: list[int]
    child_level: int | None
    own: pl.DataFrame  # the region itself, one row per year of `years`
    children: pl.DataFrame  # each child region in `year`, with its poverty status and exit year
    exits: pl.DataFrame  # exits by year of households, villages and counties in the subtree
    poor_regions: dict[str, int]


def _check(year: int, years: int) -> tuple[int, int]:
    if not 1949 <= int(year) <= 2100:
        raise ReportInputError("year", "年度超出范围（1949–2100）", "the year is out of range (1949–2100)")
    if not 1 <= int(years) <= MAX_YEARS:
        raise ReportInputError(
            "years",
            f"年数应为 1–{MAX_YEARS}",
            f"the number of years must be 1–{MAX_YEARS}",
            code="reports.years",
        )
    return int(year), int(years)


def headline(user, *, year: int, region: str | None = None, years: int = 1) -> Headline:
    """The headline counts of `region` (default the user's; '' everywhere for a nationwide user) for the
    `years` years up to `year`, and of its child regions in `year`. OutOfScope outside the user's subtree
    (404); BadRegionCode for a malformed code, ReportInputError for a bad year or number of years (422)."""
    year, years = _check(year, years)
    where = scope.resolve(user, region)
    code, prefix = where.code, where.prefix
    reg = Region.objects.filter(code=code).first() if code else None
    level = level_of(code) if code else 0
    child_level = level + 1 if level < VILLAGE else None
    wanted = list(range(year - years + 1, year + 1))

    hy, cs = selectors.household_years_to(prefix, year), selectors.monitoring_cases(prefix)
    if code:
        own_regions = selectors.regions_with_status(prefix, codes=[code])
        if own_regions.height == 0:
            own_regions = pl.DataFrame({"code": [code], "name": [code]})
    else:
        own_regions = pl.DataFrame({"code": [""], "name": [_("All regions")]})
    # everywhere (level 0): every household counts for the one row ''
    own = engine.headline_counts(hy, cs, own_regions.select("code", "name"), years=wanted, level=level)
    if child_level:
        kids = selectors.regions_with_status(prefix, level=child_level)
        children = engine.headline_counts(
            hy, cs, kids.select("code", "name"), years=[year], level=child_level
        )
        lang = get_language() or "zh"
        children = children.join(
            kids.select(
                pl.col("code").alias("region_code"),
                "poverty_status",
                pl.col("poverty_status")
                .replace_strict(
                    {c.code: POVERTY_STATUS.label(c.code, lang) for c in POVERTY_STATUS}, default=""
                )
                .alias("poverty_status_label"),
                "exit_year",
            ),
            on="region_code",
            how="left",
        )
    else:
        children = pl.DataFrame()
    below = selectors.regions_with_status(prefix)
    return Headline(
        code=code,
        region=reg,
        year=year,
        years=wanted,
        child_level=child_level,
        own=own,
        children=children,
        exits=engine.exits_by_year(hy, below),
        poor_regions=engine.poor_regions(below),
    )


def child_level_name(h: Headline) -> str:
    if not h.child_level:
        return ""
    return LEVEL_NAMES[h.child_level][1 if (get_language() or "zh").startswith("en") else 0]


def flat(h: Headline) -> pl.DataFrame:
    """One frame for the CLI and the workbook: the region's rows (each year), then its children's (the year)."""
    counts = list(engine.HEADLINE_COUNTS)
    own = h.own.select(pl.lit("region").alias("row"), "region_code", "region_name", "year", *counts)
    if h.children.height == 0:
        return own
    kids = h.children.select(pl.lit("child").alias("row"), "region_code", "region_name", "year", *counts)
    return pl.concat([own, kids])
