import polars as pl
from engine_builders import household_years, members

from fupin.engine.defaults import default_params
from fupin.engine.exits import county_exit, exit_reason_label, household_exit, village_exit
from fupin.engine.identification import identify
from fupin.engine.params import override


def test_household_exit_needs_income_above_the_line_and_every_guarantee():
    hy = household_years(
        dict(household_id=1, wage_income=9000),  # 9000/2 = 4500 ≥ 4000, all secured
        dict(household_id=2, wage_income=7000),  # 3500 < 4000
        dict(household_id=3, wage_income=9000, housing_grade="D"),
        dict(household_id=4, wage_income=9000, housing_grade=None),  # never graded
        dict(household_id=5, wage_income=9000),
    )
    m = members(
        *[dict(household_id=h, id_number=f"{h}a") for h in (1, 2, 3, 4)],
        *[dict(household_id=h, id_number=f"{h}b", relation="spouse") for h in (1, 2, 3, 4)],
    )
    out = household_exit(identify(hy, m, default_params()))
    got = {r["household_id"]: (r["exit_eligible"], r["exit_reasons"]) for r in out.to_dicts()}
    assert got == {
        1: (True, []),
        2: (False, ["income_below_line"]),
        3: (False, ["housing_unsafe"]),
        4: (False, ["housing_unknown"]),
        # nobody left in the household: income and the member-based guarantees are unknown
        5: (False, ["income_unknown", "education_unknown", "medical_unknown"]),
    }
    assert exit_reason_label("housing_unknown", "en") == "housing safety not known (not graded)"


def test_village_exit_incidence_against_the_regional_threshold():
    hh = pl.DataFrame(
        {
            "village": ["330106001201", "330106001201", "520526001201", "330106001202", "330106001203"],
            "year": [2019] * 5,
            "status": ["poor", "exited_policy", "returned", "poor", "poor"],
            "size": [3, 4, 5, 5, 2],
        }
    )
    pop = pl.DataFrame(
        {
            "region_code": ["330106001201", "520526001201", "330106001202", "330106000000"],
            "year": [2019] * 4,
            "rural_population": [200, 200, 200, 9999],
        }
    )
    out = village_exit(hh, pop, default_params(), year=2019)
    rows = {r["village"]: r for r in out.to_dicts()}
    assert set(rows) == {"330106001201", "330106001202", "330106001203", "520526001201"}
    a = rows["330106001201"]  # 3 / 200 = 1.5% < 2%
    assert (
        a["poor_persons"],
        a["registered_persons"],
        a["incidence_pct"],
        a["incidence_threshold"],
        a["exit"],
    ) == (3, 7, 1.5, 2.0, True)
    b = rows["520526001201"]  # west: 5 / 200 = 2.5% < 3%
    assert (b["incidence_pct"], b["incidence_threshold"], b["exit"], b["reasons"]) == (2.5, 3.0, True, [])
    c = rows["330106001202"]  # central: 2.5% ≥ 2%
    assert (c["incidence_pct"], c["exit"], c["reasons"]) == (2.5, False, ["above_threshold"])
    d = rows["330106001203"]  # no denominator
    assert (d["incidence_pct"], d["incidence_passed"], d["exit"], d["reasons"]) == (
        None,
        False,
        False,
        ["no_denominator"],
    )


def _county_inputs(**over):
    base = dict(
        county="330106000000",
        year=2019,
        rural_population=100_000,
        remaining_poor=1000,
        missed_found=300,
        missed_sample_population=20_000,
        wrong_exit_found=15,
        exit_sample=1000,
        survey_approving=930,
        survey_households=1000,
    )
    return {**base, **over}


def test_county_exit_three_rates_and_approval_by_hand():
    inputs = pl.DataFrame(
        [
            _county_inputs(),
            _county_inputs(
                county="520526000000", remaining_poor=2500
            ),  # west: (2500+300+15)/100000 = 2.815% < 3%
            _county_inputs(county="330108000000", survey_approving=890),  # approval 89% < 90%
        ]
    )
    out = {r["county"]: r for r in county_exit(inputs, default_params()).to_dicts()}
    a = out["330106000000"]
    # (1000 + 300 + 15) / 100000 = 1.315%; 15/1000 = 1.5%; 300/20000 = 1.5%; 930/1000 = 93%
    assert (a["comprehensive_incidence_pct"], a["comprehensive_incidence_threshold"]) == (1.315, 2.0)
    assert (a["wrong_exit_pct"], a["missed_pct"], a["approval_pct"], a["approval_threshold"]) == (
        1.5,
        1.5,
        93.0,
        90.0,
    )
    assert a["exit"] is True and a["reasons"] == []
    b = out["520526000000"]
    assert (b["comprehensive_incidence_pct"], b["comprehensive_incidence_threshold"], b["exit"]) == (
        2.815,
        3.0,
        True,
    )
    c = out["330108000000"]
    assert (c["approval_pct"], c["approval_passed"], c["exit"]) == (89.0, False, False)
    assert c["reasons"] == [{"indicator": "approval", "reason": "above_threshold"}]


def test_county_without_denominator_is_null_not_passed_with_a_reason():
    inputs = pl.DataFrame(
        [_county_inputs(rural_population=None, exit_sample=0)],
        schema_overrides={"rural_population": pl.Int64},
    )
    row = county_exit(inputs, default_params()).to_dicts()[0]
    assert row["comprehensive_incidence_pct"] is None and row["comprehensive_incidence_passed"] is False
    assert row["wrong_exit_pct"] is None and row["wrong_exit_passed"] is False
    assert row["missed_passed"] is True and row["approval_passed"] is True
    assert row["exit"] is False
    assert row["reasons"] == [
        {"indicator": "comprehensive_incidence", "reason": "no_denominator"},
        {"indicator": "wrong_exit", "reason": "no_sample"},
    ]


def test_county_remaining_poor_from_the_registry_and_threshold_override_for_one_province():
    inputs = pl.DataFrame(
        [
            _county_inputs(remaining_poor=None, missed_found=0, wrong_exit_found=0),
            _county_inputs(county="520526000000", remaining_poor=None, missed_found=0, wrong_exit_found=0),
        ],
        schema_overrides={"remaining_poor": pl.Int64},
    )
    hh = pl.DataFrame(
        {
            "village": ["330106001201", "330106002201", "520526001201"],
            "year": [2019] * 3,
            "status": ["poor", "returned", "poor"],
            "size": [900, 700, 1800],
        }
    )
    p = override(
        default_params(), [("county_comprehensive_incidence_pct", "330000000000", 2019, 2019, 1.5, "浙江")]
    )
    out = {r["county"]: r for r in county_exit(inputs, p, households=hh).to_dicts()}
    assert out["330106000000"]["comprehensive_incidence_pct"] == 1.6  # 1600 / 100000
    assert out["330106000000"]["comprehensive_incidence_threshold"] == 1.5
    assert out["330106000000"]["exit"] is False
    assert out["520526000000"]["comprehensive_incidence_pct"] == 1.8
    assert out["520526000000"]["comprehensive_incidence_threshold"] == 3.0
    assert out["520526000000"]["exit"] is True


def test_county_inputs_from_row_level_samples():
    from fupin.engine.exits import county_inputs_from_samples

    pop = pl.DataFrame(
        {
            "county": ["330106000000", "520526000000"],
            "year": [2019, 2019],
            "rural_population": [100_000, 80_000],
            "remaining_poor": [1000, 1200],
        }
    )
    exits = pl.DataFrame(
        {"county": ["330106000000"] * 50, "year": [2019] * 50, "wrongly_exited": [True] + [False] * 49}
    )
    missed = pl.DataFrame(
        {"county": ["330106000000"] * 200, "year": [2019] * 200, "missed": [True] * 2 + [False] * 198}
    )
    survey = pl.DataFrame(
        {
            "county": ["330106000000"] * 10 + ["520526000000"] * 10,
            "year": [2019] * 20,
            "approves": [True] * 9 + [False] + [True] * 10,
        }
    )
    inputs = county_inputs_from_samples(
        population=pop, exit_sample=exits, missed_sample=missed, survey=survey
    )
    out = {r["county"]: r for r in county_exit(inputs, default_params()).to_dicts()}
    zj = out["330106000000"]
    assert (zj["wrong_exit_pct"], zj["missed_pct"], zj["approval_pct"]) == (2.0, 1.0, 90.0)
    assert zj["comprehensive_incidence_pct"] == 1.003  # (1000 + 2 + 1) / 100000
    assert (zj["wrong_exit_passed"], zj["missed_passed"], zj["approval_passed"], zj["exit"]) == (
        False,
        True,
        True,
        False,
    )
    gz = out["520526000000"]  # no exit or missed sample: those indicators cannot pass
    assert (gz["wrong_exit_pct"], gz["missed_pct"], gz["approval_pct"], gz["exit"]) == (
        None,
        None,
        100.0,
        False,
    )
    assert [r["indicator"] for r in gz["reasons"]] == ["wrong_exit", "missed"]
