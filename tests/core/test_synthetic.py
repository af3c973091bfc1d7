"""The synthetic county: real regions, valid people, plausible households, reproducible from the seed."""

from datetime import date

import polars as pl
import pytest

from fupin import codes
from fupin.program.synthetic import synthetic_registry
from fupin.program.synthetic.households import SYNTHETIC_POVERTY_LINES
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from fupin.registry.validation import Context, validate

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def reg():
    return synthetic_registry(3000, seed=11)


def _code(col: str, codelist: codes.CodeList) -> pl.Expr:
    return pl.col(col).replace_strict(codelist.lookup(), default=None, return_dtype=pl.String)


@pytest.fixture(scope="module")
def people(reg):
    """Members with their codes, birth date (from the ID) and age on 31 December 2024."""
    birth = pl.col("id_number").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d")
    return reg.members.with_columns(
        _code("relation", codes.RELATION).alias("rel"),
        _code("sex", codes.SEX).alias("sex_code"),
        _code("labour", codes.LABOUR).alias("labour_code"),
        _code("school", codes.SCHOOL).alias("school_code"),
        _code("health", codes.HEALTH).alias("health_code"),
        birth.alias("birth"),
    ).with_columns(
        ((pl.lit(AS_OF) - pl.col("birth")).dt.total_days() // 365.2425).cast(pl.Int64).alias("age")
    )


def test_frames_have_the_workbook_columns_as_strings(reg):
    assert reg.households.columns == [c.key for c in HOUSEHOLD_COLUMNS]
    assert reg.members.columns == [c.key for c in MEMBER_COLUMNS]
    assert set(reg.households.schema.values()) == {pl.String}
    assert set(reg.members.schema.values()) == {pl.String}
    assert reg.households["household_no"].n_unique() == 3000
    assert reg.households.select(pl.len().over("household_no", "year").max()).item() == 1


def test_county_and_townships_are_real_villages_follow_the_statistics_convention(reg):
    assert reg.county_code == "520526"
    assert reg.county_name == "威宁彝族回族苗族自治县"
    assert reg.townships.height == 41
    assert "520526100000" in reg.townships["code"].to_list()  # 草海镇
    v = reg.villages
    assert v["code"].str.contains(r"^520526\d{6}$").all()
    assert (v["code"].str.slice(0, 9) + "000" == v["township_code"]).all()
    assert (v["code"].str.slice(9, 3).cast(pl.Int64) >= 201).all()
    per_town = v.group_by("township_code").len()["len"]
    assert per_town.min() >= 8 and per_town.max() <= 25
    assert v["name"].str.ends_with("村").all()
    assert v["code"].n_unique() == v.height
    assert set(reg.households["region_code"].unique()) <= set(v["code"])


def test_id_numbers_are_valid_unique_and_match_sex(people):
    ids = people["id_number"]
    assert ids.n_unique() == people.height
    assert ids.str.contains(r"^520526\d{11}[\dX]$").all()
    total = pl.sum_horizontal(
        [pl.col("id_number").str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(WEIGHTS)]
    )
    check = people.select((total % 11).replace_strict(dict(enumerate("10X98765432")), return_dtype=pl.String))
    assert (check.to_series() == ids.str.slice(17, 1)).all()
    odd = people["id_number"].str.slice(16, 1).cast(pl.Int64) % 2 == 1
    assert ((people["sex_code"] == "1") == odd).all()
    assert people["birth"].is_not_null().all()
    assert people["birth"].max() <= AS_OF
    assert people["age"].min() >= 0 and people["age"].max() <= 95


def test_one_head_per_household_spouse_of_the_other_sex(people):
    heads = people.group_by("household_no").agg((pl.col("rel") == "head").sum().alias("heads"))
    assert (heads["heads"] == 1).all() and heads.height == 3000
    couples = (
        people.filter(pl.col("rel").is_in(["head", "spouse"]))
        .group_by("household_no")
        .agg(pl.col("sex_code").n_unique().alias("sexes"), pl.len().alias("n"))
        .filter(pl.col("n") == 2)
    )
    assert couples.height > 1500
    assert (couples["sexes"] == 2).all()
    assert people.filter(pl.col("rel") == "spouse").height <= people["household_no"].n_unique()


def test_sex_matches_the_relation(people):
    male_only = people.filter(pl.col("rel").is_in(list(codes.MALE_ONLY_RELATIONS)))
    female_only = people.filter(pl.col("rel").is_in(list(codes.FEMALE_ONLY_RELATIONS)))
    assert male_only.height > 500 and female_only.height > 500
    assert (male_only["sex_code"] == "1").all()
    assert (female_only["sex_code"] == "2").all()
    assert {"之父", "之母", "之儿媳", "之孙子", "之孙女"} <= set(people["relation"])


def test_ages_are_consistent_with_the_relations(people):
    head = people.filter(pl.col("rel") == "head").select("household_no", pl.col("birth").alias("head_birth"))
    p = people.join(head, on="household_no")
    gap_years = (pl.col("birth") - pl.col("head_birth")).dt.total_days() / 365.25
    children = p.filter(pl.col("rel").is_in(["son", "daughter"]))
    assert children.select(gap_years.min()).item() >= 18
    parents = p.filter(pl.col("rel").is_in(["father", "mother"]))
    assert parents.select(gap_years.max()).item() <= -18
    grandchildren = p.filter(pl.col("rel").is_in(["grandson", "granddaughter"]))
    assert grandchildren.select(gap_years.min()).item() >= 36
    assert p.filter(pl.col("rel") == "head")["age"].min() >= 18


def test_labour_school_and_work_are_consistent_with_age(people):
    assert (people.filter(pl.col("age") < 16)["labour_code"] == "none").all()
    compulsory = people.filter(pl.col("age").is_between(7, 14))
    assert compulsory.height > 100
    in_school = compulsory["school_code"].is_in(list(codes.COMPULSORY_SCHOOL)).mean()
    assert in_school >= 0.95
    assert (people.filter((pl.col("age") < 3) | (pl.col("age") > 22))["school_code"] == "not_student").all()
    working_healthy = people.filter(
        pl.col("age").is_between(16, 59)
        & (pl.col("school_code") == "not_student")
        & (pl.col("health_code") == "healthy")
    )
    assert not working_healthy["labour_code"].is_in(["lost", "none"]).any()
    migrants = people.filter(pl.col("work_status") != "未务工")
    assert migrants.height > 300
    assert migrants["labour_code"].is_in(["ordinary", "skilled"]).all()
    months = migrants["work_months"].cast(pl.Int64)
    assert months.min() >= 1 and months.max() <= 12
    assert (people.filter(pl.col("work_status") == "未务工")["work_months"] == "").all()
    healthy = (people["health_code"] == "healthy").mean()
    assert 0.75 <= healthy <= 0.88


def test_household_sizes_and_poverty_types(reg, people):
    sizes = people.group_by("household_no").len()["len"]
    assert sizes.min() >= 1 and sizes.max() <= 7
    assert 3.3 <= sizes.mean() <= 3.8
    types = reg.households.unique("household_no")["poverty_type"].value_counts(normalize=True)
    share = dict(types.iter_rows())
    assert 0.70 <= share["一般贫困户"] <= 0.80
    assert 0.16 <= share["低保贫困户"] <= 0.24
    assert 0.03 <= share["特困供养贫困户"] <= 0.07
    # 低保/特困 flags follow the household's type.
    flags = people.join(
        reg.households.unique("household_no").select("household_no", "poverty_type"), on="household_no"
    )
    assert ((flags["dibao"] == "是") == (flags["poverty_type"] == "低保贫困户")).all()
    assert ((flags["tekun"] == "是") == (flags["poverty_type"] == "特困供养贫困户")).all()


def test_causes_are_plausible_and_consistent_with_the_members(reg, people):
    hh = reg.households.unique("household_no")
    illness = (hh["main_cause"] == "因病").mean()
    assert 0.28 <= illness <= 0.42
    ill = people.group_by("household_no").agg(
        pl.col("health_code")
        .is_in(["chronic", "serious", "serious_disabled", "chronic_disabled"])
        .any()
        .alias("ill")
    )
    by_illness = hh.filter(pl.col("main_cause") == "因病").join(ill, on="household_no")
    assert by_illness["ill"].all()
    others = hh.filter(pl.col("other_causes") != "")
    assert 0.3 <= others.height / hh.height <= 0.6
    split = others.select("main_cause", pl.col("other_causes").str.split(",").alias("o"))
    assert not split.select(pl.col("o").list.contains(pl.col("main_cause")).any()).item()
    assert split.select(pl.col("o").list.len().max()).item() <= 2
    labels = {c.zh for c in codes.CAUSE}
    assert set(split["o"].explode()) <= labels


def test_status_path_types_and_years(reg):
    h = reg.households.with_columns(
        pl.col("year").cast(pl.Int64),
        pl.col("identified_year").cast(pl.Int64),
        pl.col("exit_year").replace("", None).cast(pl.Int64).alias("exit"),
    )
    assert h["year"].min() == 2016 and h["year"].max() == 2024
    assert (h["year"] >= h["identified_year"]).all()
    assert h["identified_year"].is_between(2014, 2019).all()
    poor = h.filter(pl.col("status") == "未脱贫")
    assert poor["exit"].is_null().all() and (poor["household_type"] == "贫困户").all()
    assert poor["year"].max() <= 2019
    exited = h.filter(pl.col("status").str.starts_with("已脱贫"))
    assert (exited["household_type"] == "脱贫户").all()
    assert exited["exit"].is_between(2016, 2020).all() and (exited["year"] >= exited["exit"]).all()
    # Once out of poverty, never 未脱贫 again.
    first_exit = exited.group_by("household_no").agg(pl.col("year").min().alias("first"))
    later_poor = poor.join(first_exit, on="household_no").filter(pl.col("year") > pl.col("first"))
    assert later_poor.is_empty()
    n = h["household_no"].n_unique()
    returned = h.filter(pl.col("status") == "返贫")["household_no"].n_unique()
    removed = h.filter(pl.col("status") == "清退")["household_no"].n_unique()
    assert 0 < returned <= 0.03 * n and 0 < removed <= 0.03 * n
    stable = h.filter(pl.col("status") == "已脱贫(不再享受政策)")
    assert stable.height > 0 and (stable["year"] >= stable["exit"] + 2).all()
    assert h.filter(pl.col("year") > 2020)["housing_grade"].is_in(["A", "B"]).all()
    assert h.filter(pl.col("year") > 2020)["water_safe"].eq("是").all()
    assert h.filter(pl.col("status") == "未脱贫")["housing_grade"].is_in(["C", "D"]).any()


def test_incomes_follow_the_status_and_grow(reg, people):
    sizes = people.group_by("household_no").len().rename({"len": "size"})
    amounts = [
        "wage_income",
        "business_income",
        "property_income",
        "transfer_income",
        "business_cost",
        "out_of_pocket",
    ]
    h = reg.households.with_columns(pl.col(amounts).cast(pl.Int64), pl.col("year").cast(pl.Int64)).join(
        sizes, on="household_no"
    )
    assert (h.select(pl.col(amounts).min()).row(0)) >= (0,) * len(amounts)
    h = h.with_columns(
        (
            (
                pl.col("wage_income")
                + pl.col("business_income")
                + pl.col("property_income")
                + pl.col("transfer_income")
                - pl.col("business_cost")
            )
            / pl.col("size")
        ).alias("pcni"),
        pl.col("year").replace_strict(SYNTHETIC_POVERTY_LINES, default=None).alias("line"),
    )
    poor = h.filter(pl.col("status") == "未脱贫")
    assert (poor["pcni"] < poor["line"]).mean() >= 0.9
    assert poor["pcni"].median() == pytest.approx(2400, rel=0.2)
    exited = h.filter(pl.col("status").str.starts_with("已脱贫") & (pl.col("year") <= 2020))
    assert (exited["pcni"] > exited["line"]).mean() >= 0.97
    y2024 = h.filter((pl.col("year") == 2024) & pl.col("status").str.starts_with("已脱贫"))
    assert 8000 <= y2024["pcni"].median() <= 15000
    late = h.filter(pl.col("year") >= 2021)
    under = (late["pcni"] < 6000).mean()
    assert 0 < under < 0.06
    # Business income always comes with its costs; wages only where someone works away.
    assert (h["business_cost"] > 0).all() and (h["business_cost"] < h["business_income"]).all()
    workers = people.group_by("household_no").agg((pl.col("work_status") != "未务工").any().alias("w"))
    hw = h.join(workers, on="household_no")
    assert ((hw["wage_income"] > 0) == hw["w"]).all()
    ill_oop = h.filter(pl.col("main_cause") == "因病")["out_of_pocket"]
    assert (ill_oop > 0).all() and ill_oop.mean() > 3 * h.filter(pl.col("main_cause") != "因病")[
        "out_of_pocket"
    ].mean()


def test_phone_numbers_are_valid_mobiles_for_most_heads(reg):
    phones = reg.households.unique("household_no")["phone"]
    filled = phones.filter(phones != "")
    assert filled.len() / phones.len() >= 0.85
    assert filled.str.contains(r"^1[3-9]\d{9}$").all()


def test_population_covers_villages_townships_and_the_county(reg):
    pop = reg.population
    assert pop.schema["rural_population"] == pl.Int64 and pop.schema["year"] == pl.Int64
    years = list(range(2016, 2025))
    county = pop.filter(pl.col("region_code") == "520526000000").sort("year")
    assert county["year"].to_list() == years
    villages = pop.filter(pl.col("region_code").is_in(reg.villages["code"].implode()))
    towns = pop.filter(pl.col("region_code").is_in(reg.townships["code"].implode()))
    assert villages.height == reg.villages.height * len(years)
    assert towns.height == reg.townships.height * len(years)
    assert county["rural_population"].to_list() == (
        villages.group_by("year")
        .agg(pl.col("rural_population").sum())
        .sort("year")["rural_population"]
        .to_list()
    )
    members = (
        reg.members.join(
            reg.households.unique("household_no").select("household_no", "region_code"), on="household_no"
        )
        .group_by("region_code")
        .len()
    )
    v2024 = villages.filter(pl.col("year") == 2024).join(members, on="region_code")
    assert (v2024["rural_population"] >= v2024["len"]).all()


def test_the_registry_validation_finds_no_problem(reg):
    v = validate(reg.households, reg.members, Context(villages=set(reg.villages["code"])))
    assert v.problems.is_empty(), v.problems.head(5)
    assert v.households.height == reg.households.height
    assert v.members["id_number"].is_not_null().all()


def test_same_seed_same_county_other_seed_other_county():
    a = synthetic_registry(400, seed=5)
    b = synthetic_registry(400, seed=5)
    c = synthetic_registry(400, seed=6)
    assert a.households.equals(b.households) and a.members.equals(b.members)
    assert a.villages.equals(b.villages) and a.population.equals(b.population)
    assert not a.members["id_number"].equals(c.members["id_number"])


def test_one_year_makes_one_row_per_household():
    r = synthetic_registry(2000, seed=3, one_year=2019)
    assert r.households.height == 2000
    assert r.households["household_no"].n_unique() == 2000
    assert (r.households["year"] == "2019").all()
    assert (r.households["identified_year"].cast(pl.Int64) <= 2019).all()
    assert set(r.population["year"]) == {2019}
    v = validate(r.households, r.members, Context(villages=set(r.villages["code"])))
    assert v.problems.is_empty(), v.problems.head(5)


def test_another_real_county_and_an_unknown_one():
    r = synthetic_registry(50, seed=1, county_code="522327", one_year=2018)  # 册亨县, 贵州
    assert r.county_name == "册亨县"
    assert r.members["id_number"].str.starts_with("522327").all()
    with pytest.raises(ValueError, match="no such county"):
        synthetic_registry(10, county_code="999999")


def test_large_county_is_generated_without_per_person_loops():
    import time

    start = time.process_time()
    r = synthetic_registry(100_000, seed=9, one_year=2020)
    spent = time.process_time() - start
    assert r.households.height == 100_000 and r.members.height > 300_000
    assert r.members["id_number"].n_unique() == r.members.height
    assert spent < 30  # about 2 s of CPU here; a per-person Python loop would take minutes
