from datetime import date

import pytest
from engine_builders import household_years, members

from fupin.engine.defaults import default_params
from fupin.engine.identification import identify
from fupin.engine.params import override
from fupin.engine.stats import age_band_counts, poverty_measures_by_region


def _registry():
    hy = household_years(
        dict(household_id=1, village="330106001201", wage_income=6000),  # 2 members → 3000 < 4000
        dict(household_id=2, village="330106001202", wage_income=10000),  # 2 members → 5000
        dict(household_id=3, village="520526001201", wage_income=2000),  # 1 member → 2000
    )
    m = members(
        dict(household_id=1, birth_date=date(1950, 1, 1)),
        dict(household_id=1, id_number="a", birth_date=date(2010, 1, 1), relation="son", school="primary"),
        dict(household_id=2, id_number="b", birth_date=date(1990, 1, 1)),
        dict(household_id=2, id_number="c", birth_date=date(1961, 6, 1), relation="spouse"),
        dict(household_id=3, id_number="d", birth_date=date(1980, 1, 1)),
    )
    return hy, m


def test_fgt_by_county_per_person():
    hy, m = _registry()
    out = poverty_measures_by_region(identify(hy, m, default_params()), level=3).to_dicts()
    assert [r["region_code"] for r in out] == ["330106000000", "520526000000"]
    zj, gz = out
    assert (zj["population"], zj["poor"], zj["P0_pct"]) == (4, 2, 50.0)
    assert zj["P1_pct"] == pytest.approx(0.25 * 2 / 4 * 100)
    assert (gz["P0_pct"], gz["P1_pct"], gz["P2_pct"]) == (100.0, 50.0, 25.0)


def test_age_bands_follow_the_parameters_of_each_region():
    hy, m = _registry()
    out = age_band_counts(m, hy, default_params(), year=2020, level=3).to_dicts()
    assert out == [
        {"region_code": "330106000000", "child": 1, "working_age": 2, "between": 0, "elderly": 1},
        {"region_code": "520526000000", "child": 0, "working_age": 1, "between": 0, "elderly": 0},
    ]
    p = override(
        default_params(),
        [
            ("age_working_to", "330000000000", 2020, None, 64, "test"),
            ("age_elderly_from", "330000000000", 2020, None, 75, "test"),
        ],
    )
    zj, gz = age_band_counts(m, hy, p, year=2020, level=3).to_dicts()
    # in 浙江 only, the 70-year-old now falls between working age (to 64) and elderly (from 75)
    assert (zj["child"], zj["working_age"], zj["between"], zj["elderly"]) == (1, 2, 1, 0)
    assert gz["working_age"] == 1
