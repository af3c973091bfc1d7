from datetime import date

import polars as pl

from fupin.engine.headline import exits_by_year, headline_counts, monitored_by_year, poor_regions
from fupin.engine.schema import CASES, HOUSEHOLD_YEARS, MONITOR_TYPES, REGION_EXITS

V1, V2, V3 = "520526001201", "520526001202", "520526002201"  # V1, V2 in township 001, V3 in 002
T1, T2 = "520526001000", "520526002000"


def _cases(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CASES, orient="row")


def _hy(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=HOUSEHOLD_YEARS, orient="row")


CASE_ROWS = [
    # id, household, village, kind, outcome, green, opened, closed, type
    (1, 10, V1, "identification", "approved", False, date(2022, 3, 1), date(2022, 3, 20), "unstable"),
    (2, 11, V1, "identification", "approved", False, date(2022, 5, 1), date(2022, 5, 20), "edge"),
    (3, 11, V1, "elimination", "approved", False, date(2023, 6, 1), date(2023, 7, 1), ""),
    (4, 12, V2, "identification", "", True, date(2023, 2, 1), None, "sudden"),  # green channel, still open
    (5, 13, V3, "identification", "rejected", False, date(2023, 2, 1), date(2023, 3, 1), "edge"),
    (6, 14, V3, "identification", "approved", False, date(2023, 1, 1), date(2024, 1, 5), "unstable"),
    (7, 15, V3, "identification", "", False, date(2023, 9, 1), None, "edge"),  # open, not yet monitored
]
HY_ROWS = [
    # household, village, year, status, size
    (1, V1, 2023, "poor", 3),
    (2, V2, 2023, "returned", 2),
    (3, V3, 2023, "exited_policy", 5),
    (1, V1, 2022, "poor", 4),
    (10, V1, 2022, "exited_policy", 4),
    (10, V1, 2023, "exited_policy", 6),  # size of 2023 counts in 2023
    (11, V1, 2022, "not_poor", 2),
    (12, V2, 2021, "not_poor", 7),  # no row in 2023: the latest year before it gives the size
    (14, V3, 2023, "exited_stable", 3),
]


def test_monitored_at_each_years_end_follows_identifications_and_eliminations():
    out = monitored_by_year(_cases(CASE_ROWS), [2022, 2023, 2024])
    got = {(r["year"], r["household_id"]): r["monitor_type"] for r in out.iter_rows(named=True)}
    assert got == {
        (2022, 10): "unstable",
        (2022, 11): "edge",
        (2023, 10): "unstable",  # 11 eliminated in 2023
        (2023, 12): "sudden",  # green channel counts from the day it opened
        (2024, 10): "unstable",
        (2024, 12): "sudden",
        (2024, 14): "unstable",  # approved in January 2024
    }


def test_a_new_identification_after_an_elimination_monitors_again():
    rows = [
        *CASE_ROWS[:3],
        (8, 11, V1, "identification", "approved", False, date(2024, 2, 1), date(2024, 2, 20), "sudden"),
    ]
    out = monitored_by_year(_cases(rows), [2024])
    assert dict(out.select("household_id", "monitor_type").iter_rows()) == {10: "unstable", 11: "sudden"}


def test_headline_counts_by_township_and_year_by_hand():
    regions = pl.DataFrame({"code": [T1, T2], "name": ["草海镇", "幺站镇"]})
    out = headline_counts(_hy(HY_ROWS), _cases(CASE_ROWS), regions, years=[2023, 2022], level=4)
    rows = {(r["region_code"], r["year"]): r for r in out.iter_rows(named=True)}
    assert list(rows) == [(T1, 2022), (T1, 2023), (T2, 2022), (T2, 2023)]
    t1 = rows[(T1, 2023)]
    assert (t1["poor_households"], t1["poor_persons"]) == (2, 5)  # households 1 (3) and 2 (2)
    assert (t1["unstable_households"], t1["unstable_persons"]) == (1, 6)  # household 10, 2023 size
    assert (t1["edge_households"], t1["edge_persons"]) == (0, 0)  # 11 eliminated in 2023
    assert (t1["sudden_households"], t1["sudden_persons"]) == (1, 7)  # 12, size of 2021
    assert (t1["monitored_households"], t1["monitored_persons"]) == (2, 13)
    t1_2022 = rows[(T1, 2022)]
    assert (t1_2022["poor_households"], t1_2022["poor_persons"]) == (1, 4)
    assert (t1_2022["unstable_persons"], t1_2022["edge_households"], t1_2022["edge_persons"]) == (4, 1, 2)
    t2 = rows[(T2, 2023)]  # 13 rejected, 14 approved only in 2024, 15 still open: nothing monitored
    assert {k: v for k, v in t2.items() if k.endswith(("_households", "_persons"))} == {
        k: 0 for k in t2 if k.endswith(("_households", "_persons"))
    }
    assert rows[(T2, 2022)]["region_name"] == "幺站镇"


def test_headline_counts_every_level_in_one_pass():
    regions = pl.DataFrame(
        {"code": ["520526000000", T1, V1, V2], "name": ["县", "镇", "甲村", "乙村"], "level": [3, 4, 5, 5]}
    )
    out = headline_counts(_hy(HY_ROWS), _cases(CASE_ROWS), regions, years=[2023])
    got = {r["region_code"]: (r["poor_households"], r["monitored_households"]) for r in out.to_dicts()}
    assert got == {"520526000000": (2, 2), T1: (2, 2), V1: (1, 1), V2: (1, 1)}
    assert out["level"].to_list() == [3, 4, 5, 5]


def test_headline_counts_without_cases_or_households():
    regions = pl.DataFrame({"code": [T1], "name": ["草海镇"]})
    out = headline_counts(_hy([]), _cases([]), regions, years=[2023], level=4)
    assert out.height == 1
    assert all(out[f"{t}_households"][0] == 0 for t in MONITOR_TYPES)


def test_exits_by_year_of_households_villages_and_counties():
    hy = pl.DataFrame(
        {
            "household_id": [1, 1, 2, 3, 4],
            "year": [2018, 2019, 2019, 2019, 2019],
            "size": [4, 5, 3, 2, 6],
            "exit_year": [2018, 2018, 2019, None, 2017],
        }
    )
    regions = pl.DataFrame(
        [
            ("520526000000", 3, True, 2019),
            ("520527000000", 3, False, None),
            (V1, 5, True, 2017),
            (V2, 5, True, 2019),
            (V3, 5, True, None),  # poor, not out yet
        ],
        schema=REGION_EXITS,
        orient="row",
    )
    out = exits_by_year(hy, regions)
    assert out.to_dicts() == [
        {"year": 2017, "exited_households": 1, "exited_persons": 6, "villages_out": 1, "counties_out": 0},
        {"year": 2018, "exited_households": 1, "exited_persons": 5, "villages_out": 0, "counties_out": 0},
        {"year": 2019, "exited_households": 1, "exited_persons": 3, "villages_out": 1, "counties_out": 1},
    ]
    assert poor_regions(regions) == {
        "poor_villages": 3,
        "villages_out": 2,
        "poor_counties": 1,
        "counties_out": 1,
    }


def test_level_zero_folds_everything_into_one_row():
    regions = pl.DataFrame({"code": [""], "name": ["全部"]})
    out = headline_counts(_hy(HY_ROWS), _cases(CASE_ROWS), regions, years=[2023], level=0)
    assert (out["poor_households"][0], out["monitored_households"][0], out["monitored_persons"][0]) == (
        2,
        2,
        13,
    )
