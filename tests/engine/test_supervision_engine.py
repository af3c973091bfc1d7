"""engine/supervision.py: the 挂牌督战 rules over whole frames, thresholds from parameters; 四个不摘 checks."""

from datetime import date

import polars as pl

from fupin.engine import coverage
from fupin.engine import supervision as sup
from fupin.engine.params import make_params, override
from fupin.engine.schema import HOUSEHOLD_YEARS, POPULATION

COUNTY = "520526000000"
V1, V2, V3 = "520526001201", "520526001202", "520526002201"
AS_OF = date(2024, 6, 30)


def _params(*extra):
    return (
        override(make_params(sup.PARAM_DEFAULTS), list(extra)) if extra else make_params(sup.PARAM_DEFAULTS)
    )


def _regions():
    return pl.DataFrame(
        {
            "code": [COUNTY, V1, V2, V3],
            "name": ["县", "一村", "二村", "三村"],
            "level": [3, 5, 5, 5],
            "poverty_status": ["poor_county", "poor_village", "poor_village", "non_poor_village"],
            "exit_year": [2020, None, 2020, None],
        },
        schema={
            "code": pl.String,
            "name": pl.String,
            "level": pl.Int64,
            "poverty_status": pl.String,
            "exit_year": pl.Int64,
        },
    )


def _hy():
    # V1: 2 poor households of 4 persons; V2: 1 exited; V3: 1 poor of 2 persons
    return pl.DataFrame(
        [
            (1, V1, 2024, "poor", 4),
            (2, V1, 2024, "poor", 4),
            (3, V2, 2024, "exited_stable", 3),
            (4, V3, 2024, "poor", 2),
        ],
        schema=HOUSEHOLD_YEARS,
        orient="row",
    )


def _pop():
    return pl.DataFrame(
        [(V1, 2024, 40), (V2, 2024, 100), (V3, 2024, 100), (COUNTY, 2024, 240)],
        schema=POPULATION,
        orient="row",
    )


def _cases(*rows):
    return pl.DataFrame(list(rows), schema={"village": pl.String, "deadline": pl.Date}, orient="row")


def _coverage(households, assignments=(), measures=()):
    hh = pl.DataFrame(
        [(hid, f"H{hid}", v, 2024, st, "illness", "") for hid, v, st in households],
        schema=coverage.SCHEMAS["households"],
        orient="row",
    )
    asg = pl.DataFrame(list(assignments), schema=coverage.SCHEMAS["assignments"], orient="row")
    ms = pl.DataFrame(list(measures), schema=coverage.SCHEMAS["measures"], orient="row")
    return {"households": hh, "assignments": asg, "measures": ms}


def _propose(params=None, cases=None, cov=None):
    return sup.propose(
        _regions(),
        _hy(),
        _pop(),
        cases if cases is not None else _cases(),
        cov if cov is not None else {},
        params if params is not None else _params(),
        year=2024,
        as_of=AS_OF,
    )


def test_unexited_poor_village_with_poor_people_is_listed_for_remaining_poor_and_incidence():
    df = _propose()
    v1 = df.filter(pl.col("region_code") == V1).row(0, named=True)
    # 8 poor persons of 40: 20% > 10%
    assert v1["poor_persons"] == 8 and v1["incidence_pct"] == 20.0
    assert v1["reasons"] == ["remaining_poor", "high_incidence"]
    # V2 exited in 2020 and has no poor, V3 is not a poor village (2% incidence), the county left in 2020
    # and its incidence (10/240 = 4.17%) is below 10%: none is listed
    assert df["region_code"].to_list() == [V1]


def test_thresholds_are_parameters_of_the_region():
    # a county override of 3%: the county (4.17%) is now listed for its incidence, V3 (2%) still not
    df = _propose(params=_params((sup.INCIDENCE_PCT, COUNTY, 2014, None, 3.0, "county")))
    assert df.filter(pl.col("region_code") == COUNTY)["reasons"].to_list() == [["high_incidence"]]
    assert V3 not in df["region_code"].to_list()


def test_overdue_cases_count_only_past_their_deadline_and_roll_up_to_the_county():
    cases = _cases((V3, date(2024, 6, 1)), (V3, date(2024, 7, 1)))
    df = _propose(cases=cases)
    v3 = df.filter(pl.col("region_code") == V3).row(0, named=True)
    assert v3["overdue_cases"] == 1 and v3["reasons"] == ["overdue_cases"]
    assert df.filter(pl.col("region_code") == COUNTY)["overdue_cases"].to_list() == [1]
    # with 2 required, one overdue case lists nothing
    df2 = _propose(cases=cases, params=_params((sup.OVERDUE_MIN, "", 2014, None, 2.0, "x")))
    assert V3 not in df2["region_code"].to_list()


def test_poor_households_without_cadre_or_matched_measure_are_uncovered():
    cov = _coverage(
        [(4, V3, "poor"), (3, V2, "exited_stable")],
        assignments=[(4, 9, date(2024, 1, 1), None)],
    )
    df = _propose(cov=cov)
    # household 4 has a cadre but no measure: uncovered; the exited household does not count
    assert df.filter(pl.col("region_code") == V3)["uncovered"].to_list() == [1]
    assert df.filter(pl.col("region_code") == V3)["reasons"].to_list() == [["uncovered"]]


def test_keep_all_returns_unflagged_regions_with_no_reasons():
    df = sup.propose(
        _regions(), _hy(), _pop(), _cases(), {}, _params(), year=2024, as_of=AS_OF, keep_all=True
    )
    assert df.filter(pl.col("region_code") == V2)["reasons"].to_list() == [[]]


def _exits():
    return pl.DataFrame(
        [
            (1, "H1", V1, 2024, "exited_stable", 2019),  # within 5 years, no cadre
            (2, "H2", V1, 2024, "exited_policy", 2018),  # 6 years ago: outside the buffer
            (3, "H3", V2, 2024, "exited_stable", 2022),  # has a cadre, a measure stopped in 2023
            (4, "H4", V2, 2024, "returned", 2021),  # returned to poverty: not an exited household
        ],
        schema={
            "household_id": pl.Int64,
            "household_no": pl.String,
            "village": pl.String,
            "year": pl.Int64,
            "status": pl.String,
            "exit_year": pl.Int64,
        },
        orient="row",
    )


def test_keep_checks_find_exited_households_without_cadre_or_with_a_stopped_measure():
    cov = _coverage(
        [], assignments=[(3, 7, date(2023, 1, 1), None), (1, 7, date(2020, 1, 1), date(2023, 12, 31))]
    )
    cov["teams"] = pl.DataFrame(
        [(1, V2, date(2021, 1, 1), None)], schema=coverage.SCHEMAS["teams"], orient="row"
    )
    stopped = pl.DataFrame(
        [(3, 2023, "industry"), (3, 2021, "education")],
        schema={"household_id": pl.Int64, "year": pl.Int64, "measure_code": pl.String},
        orient="row",
    )
    df = sup.keep_checks(_exits(), stopped, _regions(), cov, _params(), year=2024, as_of=AS_OF)
    got = {(r["check_id"], r["subject"], r["value"]) for r in df.iter_rows(named=True)}
    # H1's assignment ended in 2023; H3's 2021 stop came before its exit; V2 (out 2020) has a team
    assert got == {("KEEP-H1", "H1", None), ("KEEP-H2", "H3", "industry")}
    # a buffer of 3 years leaves H1 (2019) out; V2 without its team is then out of the buffer too
    short = _params((sup.BUFFER_YEARS, "", 2014, None, 3.0, "x"))
    cov.pop("teams")
    df3 = sup.keep_checks(_exits(), stopped, _regions(), cov, short, year=2024, as_of=AS_OF)
    assert set(df3["check_id"]) == {"KEEP-H2"}
    df5 = sup.keep_checks(_exits(), stopped, _regions(), cov, _params(), year=2024, as_of=AS_OF)
    assert ("KEEP-V1", V2) in {(r["check_id"], r["region_code"]) for r in df5.iter_rows(named=True)}
