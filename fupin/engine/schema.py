"""Column names and types of the frames the engine reads (loaded from the store by the Django side)."""

from collections.abc import Mapping
from typing import TypeVar

import polars as pl
from polars.datatypes import DataTypeClass

HOUSEHOLD_YEARS = {  # one row per household and year
    "household_id": pl.Int64,
    "village": pl.String,  # 12-digit village code
    "year": pl.Int64,
    "status": pl.String,
    "size": pl.Int64,
}
REGIONS = {"code": pl.String, "name": pl.String, "level": pl.Int64}
POPULATION = {"region_code": pl.String, "year": pl.Int64, "rural_population": pl.Int64}
# Monitoring cases (monitoring.Case), one row per case: what the headline counts (headline.py) read.
CASES = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "village": pl.String,  # Case.region_id: the household's village when the case opened
    "kind": pl.String,  # identification | elimination
    "outcome": pl.String,  # '' while open, approved | rejected | rolled_back
    "green_channel": pl.Boolean,
    "opened_on": pl.Date,
    "closed_on": pl.Date,
    "monitor_type": pl.String,  # one of MONITOR_TYPES ('' on eliminations)
}
# Regions with their poverty status (贫困村/贫困县) and exit year (出列/摘帽), for the exits by year.
REGION_EXITS = {"code": pl.String, "level": pl.Int64, "is_poor": pl.Boolean, "exit_year": pl.Int64}

# 户状态 codes that count as poor in a year (DESIGN.md: 未脱贫 or 返贫).
POOR_STATUSES = ("poor", "returned")
# 监测对象类别 (domain.md §2.3.14, §6.2): the codes of monitoring/codes.py MonitorType, in its order.
MONITOR_TYPES = ("unstable", "edge", "sudden")

# ---------------------------------------------------------------------------------------------------
# Frames of the identification, exit and data-quality engine. The names mirror the Django model fields
# (registry/models.py) so the Django side loads each with one SELECT:
#   household_years: HouseholdYear.* plus Household.village_id AS village, HouseholdYear.household_id
#   members:        Member.* with Member.id AS member_id (and, optionally, one row per Membership period
#                    with Membership.start_date / end_date / end_reason)
# Columns marked optional may be absent; the engine then treats the fact as "not known". Blank strings
# ('' from CharField blank=True) are read as null. Code columns may be String or Enum.
#
# Who reads what:
#   identification.identify / household_frame  household_years (HOUSEHOLD_YEAR_FRAME [+ EXCLUSION_COLUMNS]),
#                                                members (MEMBER_FRAME [+ MEMBERSHIP_COLUMNS]), params (PARAMS)
#   quality.run                                  the same three
#   exits.household_exit                         identify()'s output
#   exits.village_exit                           households: village, year, status, size; POPULATION; params
#   exits.county_exit                            COUNTY_EXIT_INPUT [+ households as for village_exit]; params
#   poverty_measures.fgt / alkire_foster         any frame: the income / indicator columns named in the call
#   stats.counts_by_region                       HOUSEHOLD_YEARS, REGIONS, POPULATION
#   stats.poverty_measures_by_region             identify()'s output
#   stats.age_band_counts                        MEMBER_FRAME, household_years (household_id, village, year)
#   headline.headline_counts                     HOUSEHOLD_YEARS, CASES, REGIONS
#   headline.exits_by_year                       HOUSEHOLD_YEARS + exit_year, REGION_EXITS

HOUSEHOLD_YEAR_FRAME = {
    "household_id": pl.Int64,
    "village": pl.String,  # Household.village_id, 12 digits
    "year": pl.Int64,
    "household_type": pl.String,  # codes.HOUSEHOLD_TYPE ('' = not given)
    "status": pl.String,  # codes.HOUSEHOLD_STATUS
    "poverty_type": pl.String,  # codes.POVERTY_TYPE
    "standard": pl.String,
    "main_cause": pl.String,  # codes.CAUSE
    "other_causes": pl.String,  # comma-separated cause codes
    "identified_year": pl.Int64,
    "exit_year": pl.Int64,
    "housing_grade": pl.String,  # A-D, '' = not assessed
    "water_safe": pl.Boolean,  # null = not known
    "wage_income": pl.Float64,
    "business_income": pl.Float64,
    "property_income": pl.Float64,
    "transfer_income": pl.Float64,
    "business_cost": pl.Float64,
    "out_of_pocket": pl.Float64,
    "size": pl.Int64,  # stored household size
    "net_income": pl.Float64,  # stored (derived) values, re-checked by DQ-F5
    "net_income_per_capita": pl.Float64,
}
# Exclusion screens (domain.md §3.4), optional household-year columns from department cross-checks:
# true = the screen applies, false = checked and clear, null or absent = not known.
EXCLUSION_COLUMNS = (
    "has_car",
    "has_town_house",
    "public_payroll",
    "runs_business",
    "large_machinery",
    "village_cadre",
)

MEMBER_FRAME = {
    "member_id": pl.Int64,  # Member.id
    "household_id": pl.Int64,  # Member.household_id (or Membership.household_id)
    "id_number": pl.String,
    "disability_cert": pl.String,
    "name": pl.String,
    "sex": pl.String,  # '1' male, '2' female, '9' not stated
    "birth_date": pl.Date,
    "relation": pl.String,  # codes.RELATION
    "health": pl.String,  # codes.HEALTH
    "labour": pl.String,  # codes.LABOUR
    "education": pl.String,
    "school": pl.String,  # codes.SCHOOL
    "work_status": pl.String,  # codes.WORK
    "work_months": pl.Int64,
    "medical_insurance": pl.Boolean,
    "pension_insurance": pl.Boolean,
    "dibao": pl.Boolean,
    "tekun": pl.Boolean,
    "death_date": pl.Date,
}
# Optional member columns: a Membership period. Without them a member belongs to household_id in every year.
MEMBERSHIP_COLUMNS = {"start_date": pl.Date, "end_date": pl.Date}

PARAMS = {  # policy parameters (params.py)
    "name": pl.String,
    "region_code": pl.String,
    "year_from": pl.Int64,
    "year_to": pl.Int64,
    "value": pl.Float64,
    "source": pl.String,
}

# Evaluation-sample inputs of county exit (exits.py), one row per county and year.
COUNTY_EXIT_INPUT = {
    "county": pl.String,  # 12-digit county code
    "year": pl.Int64,
    "rural_population": pl.Int64,  # 乡村总人口
    "remaining_poor": pl.Int64,  # 剩余建档立卡贫困人口
    "missed_found": pl.Int64,  # 漏评人口 found by the survey (调查核实的漏评人口)
    "missed_sample_population": pl.Int64,  # 抽查村未建档立卡农村人口
    "wrong_exit_found": pl.Int64,  # 抽样错退人口
    "exit_sample": pl.Int64,  # 抽样脱贫人口
    "survey_approving": pl.Int64,  # 调查户中认可户数
    "survey_households": pl.Int64,  # 调查总户数
}

# Code sets used by the rules (definitions, not thresholds).
ILL_HEALTH = ("chronic", "serious", "serious_disabled", "chronic_disabled")
DISABLED_HEALTH = ("disabled", "serious_disabled", "chronic_disabled")
# Health codes that excuse a school-age child from compulsory schooling (§3.2: unable for health reasons).
SCHOOL_EXCUSED_HEALTH = ("serious", "disabled", "serious_disabled", "chronic_disabled")
NO_LABOUR = ("lost", "none")
WEAK_OR_NO_LABOUR = ("weak", "lost", "none")
ABLE_LABOUR = ("ordinary", "skilled")
UNSAFE_HOUSING = ("C", "D")
REGISTERED_POOR_STATUSES = ("poor", "returned", "exit_pending")
EXITED_STATUSES = ("exited_policy", "exited_stable")
WORKING_AWAY = ("in_township", "in_county", "in_province", "out_province", "other")
STUDENT_SCHOOL = (
    "preschool",
    "primary",
    "grade7",
    "grade8",
    "grade9",
    "senior1",
    "senior2",
    "senior3",
    "vocational1",
    "vocational2",
    "vocational3",
    "higher_voc1",
    "higher_voc2",
    "higher_voc3",
    "college",
)
SENIOR_OR_ABOVE_SCHOOL = (
    "senior1",
    "senior2",
    "senior3",
    "vocational1",
    "vocational2",
    "vocational3",
    "higher_voc1",
    "higher_voc2",
    "higher_voc3",
    "college",
)
PRIMARY_OR_BELOW_SCHOOL = ("preschool", "primary")
# 西部 12 provinces (3% thresholds for village and county exit): 2-digit province prefixes.
WESTERN_PROVINCES = ("15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")


# A frame's columns: name → Polars type, a class (pl.String) or an instance (pl.Decimal(14, 2)).
FrameSchema = Mapping[str, pl.DataType | DataTypeClass]
# A function that takes either kind of frame returns the same kind.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def ensure_columns(df: Frame, schema: FrameSchema) -> Frame:
    """Add any missing column of `schema` as nulls of its type (works on DataFrame and LazyFrame)."""
    names = df.collect_schema().names() if isinstance(df, pl.LazyFrame) else df.columns
    missing = [pl.lit(None, dtype=t).alias(k) for k, t in schema.items() if k not in names]
    return df.with_columns(missing) if missing else df
