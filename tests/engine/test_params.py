import polars as pl
import pytest

from fupin.engine.defaults import default_params
from fupin.engine.params import Resolved, make_params, override, resolve
from fupin.engine.schema import WESTERN_PROVINCES

GUIZHOU_VILLAGE = "520526001201"  # 贵州 威宁 (west)
ZHEJIANG_VILLAGE = "330106001201"  # 浙江 杭州 西湖区 (central/east)


def test_poverty_line_series_by_year():
    p = default_params()
    years = pl.Series([2010, 2013, 2015, 2017, 2019, 2020, 2024])
    out = resolve(p, "poverty_line", years, pl.Series([ZHEJIANG_VILLAGE] * 7))
    assert out.to_list() == [2300, 2736, 2855, 2952, 3218, 4000, 4000]
    # years before the series have no line: null, not a guess
    assert resolve(p, "poverty_line", 2009, pl.Series([ZHEJIANG_VILLAGE])).to_list() == [None]


def test_low_confidence_values_are_marked_in_their_source():
    p = default_params()
    src = p.filter((pl.col("name") == "poverty_line") & (pl.col("year_from") == 2017))["source"][0]
    assert "LOW" in src
    assert p["source"].str.len_chars().min() > 5  # every default says where it comes from


def test_western_provinces_get_three_percent_for_village_and_county_exit():
    p = default_params()
    codes = pl.Series([w + "0102001201" for w in WESTERN_PROVINCES] + [ZHEJIANG_VILLAGE, "110101001001"])
    village = resolve(p, "village_exit_incidence_pct", 2019, codes).to_list()
    county = resolve(p, "county_comprehensive_incidence_pct", 2019, codes).to_list()
    assert len(WESTERN_PROVINCES) == 12
    assert village == [3.0] * 12 + [2.0, 2.0]
    assert county == [3.0] * 12 + [2.0, 2.0]
    other = resolve(p, "county_wrong_exit_pct", 2019, codes).to_list()
    assert other == [2.0] * 14


def test_monitoring_line_national_fallback_is_6000():
    p = default_params()
    assert resolve(
        p, "monitoring_line", pl.Series([2021, 2024]), pl.Series([GUIZHOU_VILLAGE] * 2)
    ).to_list() == [6000, 6000]


def test_parameter_overridden_for_one_province_only():
    p = override(default_params(), [("monitoring_line", "530000000000", 2023, 2023, 8050, "云南 2023")])
    codes = pl.Series(["530102001201", GUIZHOU_VILLAGE, "530000000000"])
    assert resolve(p, "monitoring_line", 2023, codes).to_list() == [8050, 6000, 8050]
    # outside the override's years the national value applies again
    assert resolve(p, "monitoring_line", 2024, codes).to_list() == [6000, 6000, 6000]


def test_most_specific_region_wins_county_over_city_over_province():
    p = make_params(
        [
            ("line", "", 2020, None, 100, "national"),
            ("line", "520000000000", 2020, None, 200, "province"),
            ("line", "520500000000", 2020, None, 300, "city"),
            ("line", "520526000000", 2020, None, 400, "county"),
        ]
    )
    codes = pl.Series(["520526001201", "520527001201", "520102001201", "330106001201", "520526000000"])
    assert resolve(p, "line", 2021, codes).to_list() == [400, 300, 200, 100, 400]


def test_later_row_of_the_same_region_wins_and_year_to_is_inclusive():
    p = make_params(
        [
            ("x", "", 2014, None, 1, "old"),
            ("x", "", 2018, 2019, 2, "window"),
            ("x", "", 2020, None, 3, "new"),
        ]
    )
    out = resolve(p, "x", pl.Series([2017, 2018, 2019, 2020]), pl.Series([""] * 4)).to_list()
    assert out == [1, 2, 2, 3]


def test_resolved_gives_a_literal_when_uniform_and_a_column_when_it_varies():
    p = override(default_params(), [("poverty_line", "520000000000", 2020, 2020, 4200, "贵州")])
    pairs = pl.DataFrame({"village": [GUIZHOU_VILLAGE, ZHEJIANG_VILLAGE], "year": [2020, 2020]})
    R = Resolved(p, ["poverty_line", "income_pc_max"], pairs)
    assert R.value("income_pc_max") == 100_000
    assert R.varying == ["poverty_line"]
    with pytest.raises(ValueError):
        R.value("poverty_line")
    frame = R.attach(pairs).with_columns(R["poverty_line"].alias("line"))
    assert frame["line"].to_list() == [4200, 4000]
    with pytest.raises(KeyError):
        R["unknown_parameter"]
