"""Small hand-built engine frames: a household-year or member row with defaults, overridden per test."""

from datetime import date

import polars as pl

from fupin.engine.schema import HOUSEHOLD_YEAR_FRAME, MEMBER_FRAME

HY_DEFAULTS = dict(
    village="330106001201",
    year=2020,
    household_type="poor",
    status="poor",
    poverty_type="general",
    standard="national",
    main_cause="no_capital",
    other_causes="",
    identified_year=2015,
    exit_year=None,
    housing_grade="A",
    water_safe=True,
    wage_income=0.0,
    business_income=0.0,
    property_income=0.0,
    transfer_income=0.0,
    business_cost=0.0,
    out_of_pocket=0.0,
    size=None,
    net_income=None,
    net_income_per_capita=None,
)
MEMBER_DEFAULTS = dict(
    id_number="11010519491231002X",
    disability_cert="",
    name="张三",
    sex="2",
    birth_date=date(1949, 12, 31),
    relation="head",
    health="healthy",
    labour="ordinary",
    education="primary",
    school="not_student",
    work_status="none",
    work_months=0,
    medical_insurance=True,
    pension_insurance=True,
    dibao=False,
    tekun=False,
    death_date=None,
)


def household_years(*rows: dict, extra: dict | None = None) -> pl.DataFrame:
    schema = {**HOUSEHOLD_YEAR_FRAME, **(extra or {})}
    return pl.DataFrame([{**HY_DEFAULTS, **r} for r in rows], schema=schema)


def members(*rows: dict, extra: dict | None = None) -> pl.DataFrame:
    schema = {**MEMBER_FRAME, **(extra or {})}
    out = []
    for i, r in enumerate(rows, start=1):
        out.append({**MEMBER_DEFAULTS, "member_id": i, **r})
    return pl.DataFrame(out, schema=schema)
