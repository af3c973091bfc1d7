import re
from datetime import date

import polars as pl
import pytest
from engine_builders import household_years, members

from fupin.engine.defaults import default_params
from fupin.engine.params import override
from fupin.engine.quality import FINDINGS, RULES, parse_id_numbers, run, summary
from fupin.engine.synthetic_frames import registry

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    """GB 11643-1999 check digit, written plainly (independent of the engine's table look-ups)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


HEAD_ID = make_id("33010619700510001")  # male (17th digit odd), born 1970-05-10
SPOUSE_ID = make_id("33010619720303002")  # female
CHILD_ID = make_id("33010620100901003")  # male, born 2010-09-01


def clean_household(**hy_over):
    return household_years(
        {
            **dict(
                household_id=1,
                household_type="exited",
                status="exited_policy",
                exit_year=2018,
                wage_income=20000,
                business_income=3000,
                business_cost=500,
                size=3,
                net_income=22500,
                net_income_per_capita=7500,
            ),
            **hy_over,
        }
    )


def clean_members(**over):
    rows = [
        dict(
            household_id=1,
            id_number=HEAD_ID,
            sex="1",
            birth_date=date(1970, 5, 10),
            relation="head",
            work_status="in_province",
            work_months=10,
        ),
        dict(
            household_id=1,
            id_number=SPOUSE_ID,
            name="李四",
            sex="2",
            birth_date=date(1972, 3, 3),
            relation="spouse",
        ),
        dict(
            household_id=1,
            id_number=CHILD_ID,
            name="张小明",
            sex="1",
            birth_date=date(2010, 9, 1),
            relation="son",
            labour="none",
            education="preschool",
            school="primary",
            pension_insurance=None,
        ),
    ]
    for key, value in over.items():  # "m1_sex" → member 1's sex
        i, field = key.split("_", 1)
        rows[int(i[1:]) - 1][field] = value
    return members(*rows)


def fired(hy, m, params=None) -> set[str]:
    return set(run(hy, m, params if params is not None else default_params())["rule_id"].to_list())


def test_catalogue_is_data_with_at_least_forty_rules():
    assert len(RULES) >= 40
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert re.fullmatch(r"DQ-[A-J]\d+[a-z]?", r.id), r.id
        assert r.scope in {"member", "household", "household_year"}
        assert r.severity in {"error", "suspect"}
        assert re.search(r"[\u4e00-\u9fff]", r.message_zh), r.id
        assert r.message_en.isascii() or "–" in r.message_en or "≤" in r.message_en, r.id


def test_clean_household_has_no_findings():
    assert fired(clean_household(), clean_members()) == set()


@pytest.mark.parametrize(
    ("member_change", "expected"),
    [
        (dict(m1_id_number=HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")), {"DQ-A3b"}),
        (dict(m1_id_number=HEAD_ID[:17]), {"DQ-A1"}),
        (dict(m1_id_number="330106700510001"), {"DQ-A2"}),
        (dict(m1_id_number="3301061970051000AB"), {"DQ-A3a"}),
        (dict(m1_id_number=make_id("33010619701310001")), {"DQ-A3c"}),  # month 13: no date to compare
        (dict(m1_birth_date=date(1970, 5, 11)), {"DQ-A3d"}),
        (dict(m3_sex="2", m3_relation="daughter"), {"DQ-A3e"}),
        (dict(m3_relation="daughter"), {"DQ-C1b"}),
        (dict(m3_labour="ordinary"), {"DQ-C4"}),
        (dict(m3_school="senior1"), {"DQ-C3a"}),
        (dict(m3_school=None), {"DQ-B1c"}),
        (dict(m2_labour="lost"), {"DQ-C5"}),
        (dict(m2_labour=None), {"DQ-B1d"}),
        (dict(m2_health=None), {"DQ-B1a"}),
        (dict(m2_health="disabled"), {"DQ-B2b"}),
        (dict(m2_health="disabled", m2_disability_cert=SPOUSE_ID + "42"), set()),
        (dict(m2_health="disabled", m2_disability_cert=SPOUSE_ID + "82"), {"DQ-A4"}),
        (dict(m2_medical_insurance=None), {"DQ-B1e"}),
        (dict(m2_pension_insurance=None), {"DQ-B1f"}),
        (dict(m2_name="李"), {"DQ-B1g"}),
        (dict(m1_work_months=13), {"DQ-G1a"}),
        (dict(m1_work_months=0), {"DQ-G1b"}),
        (dict(m2_work_months=5), {"DQ-G1c"}),
        (dict(m1_labour="weak"), {"DQ-G2"}),
        (dict(m3_work_status="in_county", m3_work_months=3), {"DQ-C6", "DQ-G2"}),
        (dict(m2_dibao=True, m2_tekun=True), {"DQ-A6c", "DQ-E1b"}),
        (dict(m2_dibao=True), {"DQ-E1b"}),
        (dict(m1_relation="other"), {"DQ-B2a"}),
        (dict(m2_relation="head"), {"DQ-B2c"}),
        (dict(m1_sex="2", m1_id_number=make_id("33010619700510002")), {"DQ-C2"}),
        (dict(m2_death_date=date(2018, 4, 1)), {"DQ-A6a", "DQ-F5c"}),
        (dict(m2_death_date=date(1960, 4, 1)), {"DQ-A6a", "DQ-A6b", "DQ-F5c"}),
        (
            dict(m3_birth_date=date(2021, 1, 1), m3_id_number=make_id("33010620210101003")),
            {"DQ-A3f", "DQ-F5c"},
        ),
    ],
)
def test_member_and_household_rules_fire_on_their_own_fault(member_change, expected):
    assert fired(clean_household(), clean_members(**member_change)) == expected


@pytest.mark.parametrize(
    ("hy_change", "expected"),
    [
        (dict(net_income=22400), {"DQ-F5a"}),
        (dict(net_income_per_capita=7000), {"DQ-F5b"}),
        (dict(size=4, net_income_per_capita=5625), {"DQ-F5c"}),
        (dict(main_cause="illness"), {"DQ-D1a"}),
        (dict(main_cause="disability"), {"DQ-D1c"}),
        (dict(other_causes="no_skill,no_capital"), {"DQ-D2"}),
        (dict(household_type="ordinary"), {"DQ-D5"}),
        (dict(housing_grade="D"), {"DQ-D7c"}),
        (dict(housing_grade=None), {"DQ-B1j"}),
        (dict(water_safe=False), {"DQ-D7d"}),
        (dict(water_safe=None), {"DQ-B1k"}),
        (dict(exit_year=None), {"DQ-D8"}),
        (dict(exit_year=2014), {"DQ-D9"}),
        (dict(identified_year=2021), {"DQ-D10", "DQ-D9"}),
        (dict(status="poor", household_type="poor", exit_year=None, main_cause=None), {"DQ-B1i"}),
        (
            dict(
                poverty_type="dibao", transfer_income=500, net_income=23000, net_income_per_capita=23000 / 3
            ),
            {"DQ-E1a"},
        ),
        (
            dict(
                poverty_type="tekun", transfer_income=500, net_income=23000, net_income_per_capita=23000 / 3
            ),
            {"DQ-E2"},
        ),
        (dict(poverty_type="dibao"), {"DQ-E1a", "DQ-E3"}),
        (dict(business_cost=0, net_income=23000, net_income_per_capita=23000 / 3), {"DQ-F1"}),
        (
            dict(wage_income=0, business_income=0, business_cost=0, net_income=0, net_income_per_capita=0),
            {"DQ-F2a", "DQ-F3b", "DQ-D7a"},
        ),
        (dict(wage_income=400000, net_income=402500, net_income_per_capita=402500 / 3), {"DQ-F2b", "DQ-F3c"}),
        (dict(wage_income=-100, net_income=2400, net_income_per_capita=800), {"DQ-F6", "DQ-D7a"}),
    ],
)
def test_household_year_rules_fire_on_their_own_fault(hy_change, expected):
    assert fired(clean_household(**hy_change), clean_members()) == expected


def test_exited_income_below_the_line_uses_the_regional_parameter():
    hy = clean_household(
        wage_income=5000, business_income=0, business_cost=0, net_income=5000, net_income_per_capita=5000 / 3
    )
    assert fired(hy, clean_members()) == {"DQ-D7a"}  # 1,667 < 4,000
    low = override(default_params(), [("poverty_line", "330000000000", 2020, 2020, 1500, "test")])
    assert fired(hy, clean_members(), low) == set()
    elsewhere = override(default_params(), [("poverty_line", "520000000000", 2020, 2020, 1500, "test")])
    assert fired(hy, clean_members(), elsewhere) == {"DQ-D7a"}


def test_work_months_bound_is_a_parameter():
    m = clean_members(m1_work_months=13)
    p = override(default_params(), [("work_months_max", "330106000000", 2010, None, 13, "test county")])
    assert fired(clean_household(), m) == {"DQ-G1a"}
    assert fired(clean_household(), m, p) == set()


def test_shell_household_without_members():
    hy = pl.concat([clean_household(), household_years(dict(household_id=2, status="poor", size=0))])
    out = run(hy, clean_members(), default_params())
    assert set(out.filter(pl.col("household_id") == 2)["rule_id"]) == {"DQ-J1", "DQ-F2a"}


@pytest.mark.filterwarnings("error")
def test_members_without_any_household_year_give_no_findings_without_a_null_year():
    # no household-year: there is no latest year to evaluate the members in (it was None, compared as null)
    out = run(clean_household().head(0), clean_members(), default_params())
    assert out.height == 0 and out.schema == pl.Schema(FINDINGS)


def test_findings_frame_columns_and_values():
    out = run(clean_household(net_income=22400), clean_members(m1_work_months=13), default_params())
    assert out.schema == pl.Schema(FINDINGS)
    rows = {r["rule_id"]: r for r in out.to_dicts()}
    assert rows["DQ-F5a"] == {
        "rule_id": "DQ-F5a",
        "scope": "household_year",
        "household_id": 1,
        "member_id": None,
        "year": 2020,
        "severity": "error",
        "message_zh": "家庭纯收入与各项收入合计不符",
        "message_en": "net income differs from its components",
        "value": "22400.0",
    }
    g = rows["DQ-G1a"]
    assert (g["scope"], g["household_id"], g["member_id"], g["year"], g["value"]) == (
        "member",
        1,
        1,
        2020,
        "13",
    )
    counts = summary(out)
    assert counts.height == len(RULES)
    assert counts.filter(pl.col("count") > 0)["rule_id"].sort().to_list() == ["DQ-F5a", "DQ-G1a"]


def test_id_parsing_matches_the_plain_check_digit():
    ids = [make_id(f"5205262000010{i:04d}") for i in range(200)]
    parsed = parse_id_numbers(pl.Series(ids), chunk=64)
    expected = [10 if s[17] == "X" else int(s[17]) for s in ids]
    assert parsed["_id_check"].to_list() == expected
    assert parsed["_id_ok"].all()
    assert parsed["_id_birth"].to_list() == [int(s[6:14]) for s in ids]


def test_synthetic_registry_runs_in_one_pass_with_few_findings():
    hy, m = registry(2000, seed=3)
    out = run(hy, m, default_params(), year=2020)
    assert out.height > 0
    assert out.height < hy.height  # mostly clean data
    assert out["scope"].unique().sort().to_list() == ["household", "household_year", "member"]


def test_member_rules_give_the_same_findings_in_slices():
    hy, m = registry(1500, seed=5)
    whole = run(hy, m, default_params(), year=2020).sort("rule_id", "member_id", "household_id")
    sliced = run(hy, m, default_params(), year=2020, member_chunk=777).sort(
        "rule_id", "member_id", "household_id"
    )
    assert whole.filter(pl.col("scope") == "member").height > 0
    assert sliced.equals(whole)


def test_member_rule_parameter_overridden_for_one_county_only():
    hy = pl.concat([clean_household(), clean_household(household_id=2, village="520526001201")])
    m1 = clean_members(m1_work_months=13)
    m2 = clean_members(m1_work_months=13).with_columns(
        pl.lit(2, pl.Int64).alias("household_id"),
        (pl.col("member_id") + 10).alias("member_id"),
        (pl.col("id_number").str.slice(0, 17) + "9").alias("id_number"),
    )
    p = override(default_params(), [("work_months_max", "330106000000", 2010, None, 13, "test county")])
    out = run(hy, pl.concat([m1, m2]), p)
    g1a = out.filter(pl.col("rule_id") == "DQ-G1a")
    assert g1a["household_id"].to_list() == [2]
    assert g1a["member_id"].to_list() == [11]


def test_id_with_a_sign_is_not_parsed_as_digits():
    # Polars reads "+3301…" and "-000…" as integers; an ID number is 18 digits (or 17 and X), no sign
    ids = ["+" + HEAD_ID[:17], "-" + "0" * 17, "+" + HEAD_ID[:16] + "X", HEAD_ID, "0" * 18]
    assert parse_id_numbers(pl.Series(ids))["_id_ok"].to_list() == [False, False, False, True, True]


def test_a_member_with_several_periods_is_checked_once_in_the_latest_household():
    """Membership periods: a person who moved counts where the latest period is (one finding, there)."""
    from fupin.engine.schema import MEMBERSHIP_COLUMNS

    bad_id = SPOUSE_ID[:17]  # 17 digits: DQ-A1
    periods = [  # the spouse's periods, deliberately out of order
        (1, date(2023, 6, 1), None),
        (2, None, date(2019, 3, 1)),
        (3, date(2019, 3, 1), date(2023, 6, 1)),
    ]
    rows = clean_members(m2_id_number=bad_id).to_dicts()
    head, spouse, child = rows
    people = [
        {**head, "start_date": None, "end_date": None},
        *[
            {**spouse, "household_id": hh, "start_date": start, "end_date": end, "relation": "spouse"}
            for hh, start, end in periods
        ],
        {**child, "start_date": None, "end_date": None},
    ]
    m = members(*people, extra=MEMBERSHIP_COLUMNS)
    hy = pl.concat([clean_household(), clean_household(household_id=2), clean_household(household_id=3)])
    found = run(hy, m, default_params()).filter(pl.col("rule_id") == "DQ-A1")
    assert found.select("household_id", "member_id").rows() == [(1, 2)]


def test_member_who_moved_is_judged_once_in_their_latest_household_whatever_the_slices():
    """A person who moved has a membership row in each household; the member rules read the latest one.
    The rows of one person are not next to each other (the store orders them by household), so slices
    of the member frame must not each keep their own "latest" row."""
    hy = pl.concat([clean_household(), clean_household(household_id=2, village="520526001201")])
    moved = dict(
        id_number=make_id("52052619800101005"),
        sex="1",
        birth_date=date(1980, 1, 1),
        relation="son",
        work_status="in_province",
        work_months=13,  # DQ-G1a: more months away than a year has
    )
    extra = {"start_date": pl.Date, "end_date": pl.Date}
    m = members(
        dict(household_id=1, member_id=1, id_number=HEAD_ID, sex="1", birth_date=date(1970, 5, 10)),
        dict(household_id=1, member_id=7, **moved, end_date=date(2019, 3, 1)),
        dict(household_id=2, member_id=2, id_number=SPOUSE_ID, birth_date=date(1972, 3, 3)),
        dict(household_id=2, member_id=7, **moved, start_date=date(2019, 3, 1)),
        extra=extra,
    ).with_columns(pl.col("member_id").cast(pl.Int64))
    for chunk in (1, 2, 3, 10):
        out = run(hy, m, default_params(), year=2020, member_chunk=chunk)
        g1a = out.filter(pl.col("rule_id") == "DQ-G1a")
        assert g1a.select("household_id", "member_id").rows() == [(2, 7)], chunk
