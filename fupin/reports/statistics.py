"""The statistics page's tables (domain.md §8): counts by sub-region, breakdowns, income growth, FGT.

Everything is computed from the registry frames of the selected region subtree with Polars group-bys
(no per-household Python). Each is a `sheets.Table`, its columns labelled in the active language, so the
page and the Excel export (`workbook`) show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin import codes
from fupin.accounts import scope
from fupin.core import cluster
from fupin.engine import headline as engine_headline
from fupin.engine import identification, partitioned, schema
from fupin.engine import stats as engine_stats
from fupin.engine.poverty_measures import fgt
from fupin.engine.schema import POOR_STATUSES
from fupin.policy.services import params_frame
from fupin.regions.codes import LEVEL_NAMES, VILLAGE, level_of
from fupin.regions.models import Region
from fupin.registry.selectors import registry_frames
from fupin.reports import kept, selectors
from fupin.reports.breakdowns import current_members, household_breakdown, member_breakdown
from fupin.reports.services import code_prefix
from fupin.reports.sheets import Table
from fupin.reports.sheets import workbook as workbook  # the pages import it from here

# `fupin stats` and the stats API carry the monitoring groups of the headline table (三个一万人) too; the
# remaining poor are its poor_households and poor_persons.
MONITORED_COLUMNS = [c for c in engine_headline.HEADLINE_COUNTS if not c.startswith("poor_")]
LEVEL_KEYS = {1: "province", 2: "city", 3: "county", 4: "township", 5: "village"}
LEVELS = {"province": 1, "city": 2, "county": 3, "township": 4, "village": 5}


def _lang() -> str:
    return get_language() or "zh-hans"


def _count_columns() -> list[tuple[str, str]]:
    return [
        ("households", _("Households")),
        ("persons", _("Persons")),
        ("poor_households", _("Poor households")),
        ("poor_persons", _("Poor persons")),
    ]


def exit_columns() -> list[tuple[str, str]]:
    """The columns of the exits by year (statistics, overview, headline)."""
    return [
        ("year", _("Exit year")),
        ("exited_households", _("Households out of poverty")),
        ("exited_persons", _("Persons out of poverty")),
        ("villages_out", _("Villages delisted")),
        ("counties_out", _("Counties removed from the list")),
    ]


@dataclass
class Reads:
    """What several tables of one page read from the store, each read once (a province's household-years
    are millions of rows: the page used to read them three times)."""

    prefix: str
    year: int

    @cached_property
    def household_years(self) -> pl.DataFrame:
        # the years before too: a monitored household's size and village are those of its latest year
        return selectors.household_years_to(self.prefix, self.year)

    @cached_property
    def population(self) -> pl.DataFrame:
        return selectors.populations(self.prefix, self.year)

    @cached_property
    def cases(self) -> pl.DataFrame:
        return selectors.monitoring_cases(self.prefix)


def region_stats(
    user,
    *,
    year: int,
    region: str | None = None,
    by: str | None = None,
    reads: Reads | None = None,
    dask: str | None = None,
) -> pl.DataFrame:
    """The statistics table for `region` (default: the user's region), its sub-regions at level `by`, or
    with `by="all"` the region and every region below it that has households or a denominator: counts,
    incidence and the headline's monitored households and persons by type (MONITORED_COLUMNS). `reads`:
    what the caller has already read for the same region and year.

    `dask`: a Dask scheduler address (None: FUPIN_DASK_SCHEDULER; '' or unset: this process); the counts
    are then made per village on the workers, partitioned by county, and added up here."""
    where = scope.resolve(user, region)  # OutOfScope outside the user's subtree, BadRegionCode if malformed
    code, prefix = where.code, where.prefix
    whole_tree = by == "all"
    level = (level_of(code) if code else 1) if whole_tree or not by else LEVELS[by]

    if reads is None or (reads.prefix, reads.year) != (prefix, year):
        reads = Reads(prefix, year)
    with cluster.client_for(dask) as client:
        hy = reads.household_years
        regions = selectors.regions_at(prefix, level, and_below=whole_tree)
        population = reads.population
        cases = reads.cases
        if client is None:
            villages = engine_stats.village_counts(hy, year)
            groups = engine_headline.village_groups(hy, cases, years=[year])
        else:
            parts = partitioned.scatter(client, hy, by_household={"cases": cases})
            villages = partitioned.village_counts(parts, year)
            groups = partitioned.village_groups(parts, [year])
    monitored = engine_headline.headline_from_villages(
        groups, regions, years=[year], level=None if whole_tree else level
    ).select("region_code", *MONITORED_COLUMNS)
    if whole_tree:  # every level from the region down, in one pass over the registry
        out = engine_stats.tree_from_villages(villages, regions, population, year=year).join(
            monitored, on="region_code", how="left"
        )
        return out.filter(
            (pl.col("households") > 0)
            | pl.col("rural_population").is_not_null()
            | (pl.col("region_code") == (code or ""))
        )
    out = engine_stats.counts_from_villages(villages, regions, population, year=year, level=level).join(
        monitored, on="region_code", how="left"
    )
    if not code or level > level_of(code):
        out = out.filter((pl.col("households") > 0) | pl.col("rural_population").is_not_null())
    return out


def income_by_year(prefix: str, year_from: int, year_to: int) -> tuple[pl.DataFrame, float | None]:
    """Per year: mean per-capita net income (Σ net income / Σ persons) of all and of poor households,
    year-on-year growth (%), and the compound annual growth rate (%) from `year_from` to `year_to`."""
    cols = selectors.INCOME_COLUMNS
    hy = selectors.household_incomes(prefix, year_from, year_to)
    if hy.height == 0:
        hy = pl.DataFrame(
            schema={c: schema.HOUSEHOLD_YEAR_FRAME[c] for c in ["year", "status", "size", *cols]}
        )
    net, size = identification.net_income_expr(), pl.col("size").cast(pl.Float64)
    has = pl.col("size") > 0
    poor = has & pl.col("status").is_in(POOR_STATUSES)
    df = (
        hy.group_by("year")
        .agg(
            pl.len().cast(pl.Int64).alias("households"),
            pl.col("size").sum().cast(pl.Int64).alias("persons"),
            (net.filter(has).sum() / size.filter(has).sum()).round(2).alias("mean_income_pc"),
            (net.filter(poor).sum() / size.filter(poor).sum()).round(2).alias("poor_mean_income_pc"),
        )
        .sort("year")
    )
    years = pl.DataFrame({"year": list(range(year_from, year_to + 1))}, schema={"year": pl.Int64})
    df = years.join(df, on="year", how="left").with_columns(
        pl.col("households").fill_null(0), pl.col("persons").fill_null(0)
    )
    prev = pl.col("mean_income_pc").shift(1)
    df = df.with_columns(
        pl.when(prev > 0).then(((pl.col("mean_income_pc") / prev - 1) * 100).round(2)).alias("growth_pct")
    )
    first, last = df["mean_income_pc"][0], df["mean_income_pc"][-1]
    n = year_to - year_from
    cagr = round(((last / first) ** (1 / n) - 1) * 100, 2) if n > 0 and first and last and first > 0 else None
    return df, cagr


def crumbs(user, region: Region | None) -> list[dict]:
    """The way down to `region`, starting where the user's scope starts."""
    out = [] if user is not None and user.region_id else [{"code": "", "name": _("All regions")}]
    if region is None:
        return out
    for r in [*region.ancestors(), region]:
        if scope.contains(user, r.code):
            out.append({"code": r.code, "name": r.name})
    return out


def statistics(
    user, *, year: int, region: str | None = None, year_from: int | None = None, year_to: int | None = None
) -> dict:
    """Everything the statistics page shows for `region` (default the user's) in `year`."""
    code = scope.resolve(user, region).code
    prefix = code_prefix(code)
    reg = Region.objects.filter(code=code).first() if code else None
    level = level_of(code) if code else 0
    child_level = level + 1 if level < VILLAGE else None
    lang = _lang()

    reads = Reads(prefix, year)
    own, children = _own_and_children(user, code, year, child_level, reads)
    hy, members = registry_frames(prefix, [year], identifiers=False)
    params = params_frame()
    tables = [
        *_region_tables(own, children),
        *_breakdown_tables(hy, members, year, lang),
        _age_band_table(members, hy, params, year, level),
        _exits_table(reads),
    ]
    year_from = year_from or year - 1
    year_to = year_to or year
    if year_from > year_to:
        year_from, year_to = year_to, year_from
    income, cagr = _income_table(prefix, year_from, year_to)
    tables.append(income)
    identified = identification.identify(hy, members, params) if hy.height else None
    tables.append(_fgt_table(identified, code, own, children, child_level))
    lines = (
        identified["poverty_line"].drop_nulls().unique().sort().to_list() if identified is not None else []
    )

    return {
        "code": code,
        "region": reg,
        "crumbs": crumbs(user, reg),
        "level": level,
        "child_level": child_level,
        "child_level_name": LEVEL_NAMES[child_level][1 if lang.startswith("en") else 0]
        if child_level
        else "",
        "own": own.row(0, named=True) if own.height else None,
        "tables": {t.key: t for t in tables},
        "ordered_tables": tables,
        "cagr": cagr,
        "year_from": year_from,
        "year_to": year_to,
        "poverty_lines": lines,
    }


def _own_and_children(
    user, code: str, year: int, child_level: int | None, reads: Reads
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The region's own row and its sub-regions' rows (None below the village); with no region (the whole
    country) the own row is the sum of the provinces."""
    if child_level:
        children = region_stats(user, year=year, region=code or None, by=LEVEL_KEYS[child_level], reads=reads)
    else:
        children = None
    if code:
        return region_stats(user, year=year, region=code, reads=reads), children
    sums = children.select(
        pl.col(c).sum() for c in ("households", "persons", "poor_households", "poor_persons")
    )
    own = sums.with_columns(
        pl.lit("").alias("region_code"),
        pl.lit(_("All regions")).alias("region_name"),
        pl.lit(year).alias("year"),
        pl.lit(None, pl.Int64).alias("rural_population"),
        pl.lit(None, pl.Float64).alias("incidence_pct"),
    )
    return own, children


def _region_tables(own: pl.DataFrame, children: pl.DataFrame | None) -> list[Table]:
    region_cols = [
        ("region_code", _("Code")),
        ("region_name", _("Region")),
        *_count_columns(),
        ("rural_population", _("Rural population")),
        ("incidence_pct", _("Incidence (%)")),
    ]
    tables = [Table("region", _("Selected region"), region_cols, own)]
    if children is not None:
        tables.append(Table("children", _("Sub-regions"), region_cols, children))
    return tables


def _breakdown_tables(hy: pl.DataFrame, members: pl.DataFrame, year: int, lang: str) -> list[Table]:
    """Households by cause, household type and poverty type; current members by health, labour, education."""
    tables = []
    for key, col, cl, title in (
        ("cause", "main_cause", codes.CAUSE, _("By main cause of poverty")),
        ("household_type", "household_type", codes.HOUSEHOLD_TYPE, _("By household type")),
        ("poverty_type", "poverty_type", codes.POVERTY_TYPE, _("By poverty type")),
    ):
        tables.append(
            Table(
                key,
                title,
                [("label", cl.en if lang.startswith("en") else cl.zh), *_count_columns()],
                household_breakdown(hy, col, cl),
            )
        )
    current = current_members(members, hy, year)
    for key, col, cl, title in (
        ("health", "health", codes.HEALTH, _("By health")),
        ("labour", "labour", codes.LABOUR, _("By labour ability")),
        ("education", "education", codes.EDUCATION, _("By education")),
    ):
        tables.append(
            Table(
                key,
                title,
                [
                    ("label", cl.en if lang.startswith("en") else cl.zh),
                    ("persons", _("Persons")),
                    ("poor_persons", _("Poor persons")),
                ],
                member_breakdown(current, col, cl),
            )
        )
    return tables


def _age_band_table(
    members: pl.DataFrame, hy: pl.DataFrame, params: pl.DataFrame, year: int, level: int
) -> Table:
    bands = engine_stats.age_band_counts(members, hy, params, year=year, level=level or 1)
    band_labels = {
        "child": _("Children (under working age)"),
        "working_age": _("Working age"),
        "between": _("Between working age and elderly"),
        "elderly": _("Elderly"),
    }
    totals = bands.select(pl.col(b).sum() for b in engine_stats.BANDS).row(0) if bands.height else (0,) * 4
    return Table(
        "age_band",
        _("By age band"),
        [("label", _("Age band")), ("persons", _("Persons"))],
        pl.DataFrame(
            {
                "label": [band_labels[b] for b in engine_stats.BANDS],
                "persons": [int(v or 0) for v in totals],
            }
        ),
    )


def _exits_table(reads: Reads) -> Table:
    below = selectors.regions_with_status(reads.prefix)
    return Table(
        "exits",
        _("Exits by year"),
        exit_columns(),
        engine_headline.exits_by_year(reads.household_years, below),
    )


def _income_table(prefix: str, year_from: int, year_to: int) -> tuple[Table, float | None]:
    income, cagr = income_by_year(prefix, year_from, year_to)
    table = Table(
        "income",
        _("Income"),
        [
            ("year", _("Year")),
            ("households", _("Households")),
            ("persons", _("Persons")),
            ("mean_income_pc", _("Mean per-capita net income")),
            ("poor_mean_income_pc", _("Mean per-capita net income of poor households")),
            ("growth_pct", _("Year-on-year growth (%)")),
        ],
        income,
    )
    return table, cagr


def _fgt_table(
    identified: pl.DataFrame | None,
    code: str,
    own: pl.DataFrame,
    children: pl.DataFrame | None,
    child_level: int | None,
) -> Table:
    """FGT P0–P2 of the region and, below it, of each sub-region (none without households)."""
    fgt_rows = []
    if identified is not None:
        own_fgt = fgt(identified, "net_income_pc", "poverty_line", weight="members")
        fgt_rows.append(
            own_fgt.select(
                pl.lit(code).alias("region_code"),
                pl.lit(own["region_name"][0]).alias("region_name"),
                pl.col("population").cast(pl.Int64),
                pl.col("poor").cast(pl.Int64),
                *[(pl.col(p) * 100).round(4).alias(f"{p}_pct") for p in ("P0", "P1", "P2")],
            )
        )
        if child_level:
            names = children.select("region_code", "region_name")
            by = engine_stats.poverty_measures_by_region(identified, level=child_level)
            fgt_rows.append(
                names.join(by.drop("year"), on="region_code", how="inner").with_columns(
                    pl.col("population").cast(pl.Int64), pl.col("poor").cast(pl.Int64)
                )
            )
    fgt_df = (
        pl.concat(fgt_rows, how="vertical_relaxed")
        if fgt_rows
        else pl.DataFrame(
            schema={
                "region_code": pl.String,
                "region_name": pl.String,
                "population": pl.Int64,
                "poor": pl.Int64,
                "P0_pct": pl.Float64,
                "P1_pct": pl.Float64,
                "P2_pct": pl.Float64,
            }
        )
    )
    return Table(
        "fgt",
        _("Poverty measures (FGT)"),
        [
            ("region_name", _("Region")),
            ("population", _("Persons")),
            ("poor", _("Below the line")),
            ("P0_pct", _("P0 headcount (%)")),
            ("P1_pct", _("P1 gap (%)")),
            ("P2_pct", _("P2 squared gap (%)")),
        ],
        fgt_df,
    )


def _statistics_of(user, code: str, **args) -> dict:
    return statistics(user, region=code or None, **args)


def _for_user(data: dict, user) -> dict:
    """A kept page's way down, from where the reader's scope starts."""
    return {**data, "crumbs": crumbs(user, data["region"])}


# The page as kept for large regions (kept.py): args year, year_from, year_to.
STATISTICS = kept.Kind(
    "statistics",
    tables=("regions_region", "regions_regionpopulation", "policy_parameter", "monitoring_case"),
    compute=_statistics_of,
    for_user=_for_user,
)
