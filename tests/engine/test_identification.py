from datetime import date

import polars as pl
import pytest
from engine_builders import household_years, members

from fupin.engine.defaults import default_params
from fupin.engine.identification import REASONS, identify, reason_label, reasons_text
from fupin.engine.params import override


def _one(df: pl.DataFrame, household_id: int) -> dict:
    return df.filter(pl.col("household_id") == household_id).to_dicts()[0]


def test_per_capita_income_and_income_test_by_hand():
    hy = household_years(
        dict(
            household_id=1,
            wage_income=6000,
            business_income=3000,
            property_income=500,
            transfer_income=1500,
            business_cost=2000,
        ),  # net 9000, 3 members → 3000 < 4000
        dict(household_id=2, wage_income=12000, business_income=1000),  # net 13000 / 2 = 6500 ≥ 4000
    )
    m = members(
        dict(household_id=1),
        dict(household_id=1, relation="spouse", id_number="x1"),
        dict(household_id=1, relation="son", id_number="x2"),
        dict(household_id=2),
        dict(household_id=2, relation="spouse", id_number="x3"),
    )
    out = identify(hy, m, default_params())
    assert out["household_id"].to_list() == [1, 2]  # the input order is kept
    one, two = _one(out, 1), _one(out, 2)
    assert (one["members"], one["net_income_calc"], one["net_income_pc"], one["poverty_line"]) == (
        3,
        9000,
        3000,
        4000,
    )
    assert one["income_poor"] is True and one["poor"] is True
    assert one["reasons"] == ["income_below_line", "guarantees_met"]
    assert (two["net_income_pc"], two["income_poor"], two["poor"]) == (6500, False, False)
    assert two["reasons"] == ["income_above_line", "guarantees_met"]


def test_negative_net_income_is_kept_and_flagged():
    hy = household_years(dict(household_id=1, business_income=1000, business_cost=5000))
    out = identify(
        hy,
        members(dict(household_id=1), dict(household_id=1, relation="spouse", id_number="x")),
        default_params(),
    )
    row = out.to_dicts()[0]
    assert (row["net_income_calc"], row["net_income_pc"]) == (-4000, -2000)
    assert row["poor"] is True
    assert row["reasons"] == ["income_below_line", "negative_income", "guarantees_met"]


def test_household_with_zero_members_left_has_null_income_and_outcome():
    hy = household_years(dict(household_id=1, wage_income=5000), dict(household_id=2, wage_income=9000))
    m = members(
        dict(household_id=1, death_date=date(2019, 6, 1)),  # died the year before
        dict(household_id=2),
    )
    out = identify(hy, m, default_params())
    row = _one(out, 1)
    assert (row["members"], row["net_income_calc"], row["net_income_pc"]) == (0, 5000, None)
    assert row["income_poor"] is None and row["poor"] is None
    assert row["reasons"] == ["no_members"]
    assert _one(out, 2)["members"] == 1


def test_member_who_died_during_the_year_counts_in_that_year_only():
    hy = household_years(
        dict(household_id=1, year=2020, wage_income=9000), dict(household_id=1, year=2021, wage_income=9000)
    )
    m = members(
        dict(household_id=1),
        dict(household_id=1, relation="spouse", id_number="x", death_date=date(2020, 7, 15)),
    )
    out = identify(hy, m, default_params()).sort("year")
    assert out["members"].to_list() == [2, 1]
    assert out["net_income_pc"].to_list() == [4500, 9000]
    # the other reading, on request: only those alive at the end of the year
    alive_at_end = identify(hy, m, default_params(), count_death_year=False).sort("year")
    assert alive_at_end["members"].to_list() == [1, 1]


def test_membership_periods_count_who_was_in_the_household_at_year_end():
    extra = {"start_date": pl.Date, "end_date": pl.Date}
    hy = household_years(dict(household_id=1, wage_income=12000), extra=None)
    m = members(
        dict(household_id=1, start_date=date(2014, 1, 1), end_date=None),
        dict(
            household_id=1,
            id_number="a",
            relation="daughter",
            start_date=date(2014, 1, 1),
            end_date=date(2020, 5, 1),
        ),  # married out during 2020
        dict(
            household_id=1,
            id_number="b",
            relation="daughter_in_law",
            start_date=date(2020, 3, 1),
            end_date=None,
        ),  # married in during 2020
        dict(household_id=1, id_number="c", relation="son", start_date=date(2021, 2, 1), end_date=None),
        extra=extra,
    )
    out = identify(hy, m, default_params())
    assert out["members"].to_list() == [2]
    assert out["net_income_pc"].to_list() == [6000]


def test_each_guarantee_is_its_own_indicator():
    hy = household_years(
        dict(household_id=1, wage_income=90000),
        dict(household_id=2, wage_income=90000, housing_grade="C"),
        dict(household_id=3, wage_income=90000, water_safe=False),
        dict(household_id=4, wage_income=90000),
        dict(household_id=5, wage_income=90000, housing_grade=None, water_safe=None),
        dict(household_id=6, wage_income=90000),
    )
    m = members(
        dict(household_id=1),
        dict(
            household_id=1, id_number="c1", relation="son", birth_date=date(2010, 3, 1), school="not_student"
        ),  # 10, out of school
        dict(household_id=2),
        dict(household_id=3),
        dict(household_id=4, medical_insurance=False),
        dict(household_id=5, medical_insurance=None),
        dict(household_id=6),
        dict(
            household_id=6,
            id_number="c2",
            relation="son",
            birth_date=date(2008, 1, 1),
            school="not_student",
            health="disabled",
        ),  # excused for health
    )
    out = identify(hy, m, default_params())
    cols = ["education_deprived", "medical_deprived", "housing_deprived", "water_deprived", "poor"]
    got = {r["household_id"]: [r[c] for c in cols] for r in out.to_dicts()}
    assert got == {
        1: [True, False, False, False, True],
        2: [False, False, True, False, True],
        3: [False, False, False, True, True],
        4: [False, True, False, False, True],
        5: [False, None, None, None, False],  # not known: no indicator, not made poor by it
        6: [False, False, False, False, False],
    }
    assert _one(out, 1)["reasons"] == ["income_above_line", "education_unmet"]
    assert _one(out, 4)["reasons"] == ["income_above_line", "medical_unmet"]
    assert _one(out, 5)["reasons"] == ["income_above_line"]  # not known: neither unmet nor met
    assert _one(out, 6)["reasons"] == ["income_above_line", "guarantees_met"]


def test_child_age_band_follows_the_parameters():
    hy = household_years(dict(household_id=1, wage_income=90000))
    m = members(
        dict(household_id=1),
        dict(
            household_id=1, id_number="c", relation="son", birth_date=date(2004, 3, 1), school="not_student"
        ),
    )  # 16 in 2020
    assert identify(hy, m, default_params())["education_deprived"].to_list() == [False]
    p = override(default_params(), [("age_compulsory_to", "", 2020, None, 17, "test")])
    assert identify(hy, m, p)["education_deprived"].to_list() == [True]


def test_exclusion_screens_when_the_data_has_them():
    extra = {"has_car": pl.Boolean, "public_payroll": pl.Boolean}
    hy = household_years(
        dict(household_id=1, wage_income=1000, has_car=True, public_payroll=None),
        dict(household_id=2, wage_income=1000, has_car=False, public_payroll=None),
        dict(household_id=3, wage_income=1000, has_car=None, public_payroll=True),
        extra=extra,
    )
    m = members(dict(household_id=1), dict(household_id=2), dict(household_id=3))
    out = identify(hy, m, default_params())
    assert out["excluded"].to_list() == [True, False, True]
    assert out["poor"].to_list() == [False, True, False]
    assert _one(out, 1)["reasons"] == ["income_below_line", "guarantees_met", "excluded_car"]
    assert _one(out, 3)["reasons"] == ["income_below_line", "guarantees_met", "excluded_payroll"]
    # absent columns mean "not known": nothing is excluded
    plain = identify(hy.drop("has_car", "public_payroll"), m, default_params())
    assert plain["excluded"].to_list() == [False, False, False]
    assert "has_car" not in plain.columns


def test_poverty_line_overridden_for_one_province_only():
    p = override(default_params(), [("poverty_line", "520000000000", 2020, 2020, 4600, "贵州省定标准")])
    hy = household_years(
        dict(household_id=1, village="520526001201", wage_income=4500),
        dict(household_id=2, village="330106001201", wage_income=4500),
    )
    out = identify(hy, members(dict(household_id=1), dict(household_id=2)), p)
    assert out["poverty_line"].to_list() == [4600, 4000]
    assert out["poor"].to_list() == [True, False]


def test_blank_strings_from_the_store_count_as_not_given():
    hy = household_years(dict(household_id=1, wage_income=90000, housing_grade=""))
    out = identify(hy, members(dict(household_id=1, school="")), default_params())
    assert out["housing_deprived"].to_list() == [None]


def test_reason_labels_in_both_languages():
    assert set(REASONS) >= {"income_below_line", "no_members", "education_unmet", "excluded_car"}
    assert reason_label("no_members") == "无在户成员，无法计算人均收入"
    assert reason_label("water_unsafe", "en") == "drinking water is not safe"
    df = pl.DataFrame(
        {"r": [["income_below_line", "water_unsafe"]]}, schema={"r": pl.List(pl.Enum(list(REASONS)))}
    )
    assert df.select(reasons_text(pl.col("r"), "en"))["r"].to_list() == [
        "per-capita net income below the poverty line; drinking water is not safe"
    ]
    assert df.select(reasons_text(pl.col("r")))["r"].to_list() == ["人均纯收入低于贫困线；饮水不安全"]


@pytest.mark.parametrize("years", [[2020], [2019, 2020]])
def test_households_without_member_rows_and_unsorted_input(years):
    rows = [dict(household_id=h, year=y, wage_income=8000) for y in years for h in (3, 1, 2)]
    hy = household_years(*rows)
    m = members(
        dict(household_id=2),
        dict(household_id=1, id_number="x"),
        dict(household_id=1, id_number="y", relation="spouse"),
    )
    out = identify(hy, m, default_params())
    assert out["household_id"].to_list() == [3, 1, 2] * len(years)
    assert out["members"].to_list() == [0, 2, 1] * len(years)


def test_age_band_overridden_for_one_province_and_narrow_key_types():
    p = override(default_params(), [("age_compulsory_to", "330000000000", 2020, None, 17, "浙江 test")])
    hy = household_years(
        dict(household_id=1, village="330106001201", wage_income=90000),
        dict(household_id=2, village="520526001201", wage_income=90000),
    )
    hy = hy.with_columns(pl.col("year").cast(pl.UInt16), pl.col("household_id").cast(pl.Int32))
    m = members(
        *[dict(household_id=h, id_number=f"{h}a") for h in (1, 2)],
        *[
            dict(
                household_id=h,
                id_number=f"{h}b",
                relation="son",
                birth_date=date(2004, 3, 1),
                school="not_student",
            )
            for h in (1, 2)
        ],
    )  # 16 at the end of 2020
    out = identify(hy, m, p)
    assert out["education_deprived"].to_list() == [True, False]
    assert out["poor"].to_list() == [True, False]


def test_no_household_records_gives_an_empty_result_with_every_column():
    import polars as pl

    from fupin.engine.defaults import default_params
    from fupin.engine.identification import identify
    from fupin.engine.schema import HOUSEHOLD_YEAR_FRAME, MEMBER_FRAME

    out = identify(
        pl.DataFrame(schema=HOUSEHOLD_YEAR_FRAME), pl.DataFrame(schema=MEMBER_FRAME), default_params()
    )
    assert out.height == 0 and {"household_id", "year", "poor"} <= set(out.columns)
