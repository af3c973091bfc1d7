"""Anti-"数字脱贫" rules (engine/integrity.py): each rule on a small hand-built frame, the finding written out."""

import re
from datetime import date

import polars as pl
from engine_builders import household_years, members

from fupin.engine import integrity
from fupin.engine.defaults import default_params
from fupin.engine.integrity import EXIT_RECORDS, MEASURES, PAYMENTS, RULES, run
from fupin.engine.params import override
from fupin.engine.quality import FINDINGS

VILLAGE = "330106001201"
OTHER_VILLAGE = "330106001202"


def worker(household_id: int, member_id_number: str, **over) -> dict:
    return dict(
        household_id=household_id,
        id_number=member_id_number,
        work_status="in_province",
        work_months=10,
        **over,
    )


def homebody(household_id: int, member_id_number: str, **over) -> dict:
    return dict(household_id=household_id, id_number=member_id_number, **over)


def exit_pair(household_id: int, *, prev: dict | None = None, now: dict | None = None) -> list[dict]:
    """A household poor in 2019 that exited in 2020 (two members), incomes given per year."""
    base = dict(household_id=household_id, village=VILLAGE, size=2)
    return [
        {**base, "year": 2019, "status": "poor", "wage_income": 6000.0, **(prev or {})},
        {
            **base,
            "year": 2020,
            "status": "exited_policy",
            "household_type": "exited",
            "exit_year": 2020,
            "wage_income": 12000.0,
            **(now or {}),
        },
    ]


def two_members(household_id: int, **over) -> list[dict]:
    return [
        worker(household_id, f"1101051980010{household_id:04d}1"[:18], relation="head", sex="1"),
        homebody(household_id, f"1101051982020{household_id:04d}2"[:18], relation="spouse", sex="2"),
    ]


def measure(household_id: int, year: int, status: str = "done") -> dict:
    return {"household_id": household_id, "year": year, "status": status}


def frames(hy_rows, member_rows, *, measures=(), exits=(), payments=()):
    return dict(
        household_years=household_years(*hy_rows),
        members=members(*member_rows),
        measures=pl.DataFrame(list(measures), schema=MEASURES),
        exits=pl.DataFrame(list(exits), schema=EXIT_RECORDS),
        payments=pl.DataFrame(list(payments), schema=PAYMENTS),
    )


def found(params=None, **kw) -> pl.DataFrame:
    return run(
        kw["household_years"],
        kw["members"],
        params if params is not None else default_params(),
        year=2020,
        measures=kw["measures"],
        exits=kw["exits"],
        payments=kw["payments"],
    )


def rows(df: pl.DataFrame) -> set[tuple]:
    return set(df.select("rule_id", "household_id", "member_id", "value").iter_rows())


def test_rules_are_a_family_of_quality_rules():
    assert [r.id for r in RULES] == ["DQ-K1", "DQ-K2", "DQ-K3", "DQ-K4", "DQ-K5a", "DQ-K5b"]
    for r in RULES:
        assert re.fullmatch(r"DQ-K\d+[a-z]?", r.id)
        assert re.search(r"[\u4e00-\u9fff]", r.message_zh)
        assert r.params or r.id == "DQ-K5b", r.id  # every threshold is a parameter
    names = set(default_params()["name"])
    assert set(integrity.PARAMS) <= names
    assert set(integrity.PARAM_DEFINITIONS) == set(integrity.PARAMS) - {"poverty_line"}


def test_clean_exit_with_a_measure_gives_nothing():
    f = frames(exit_pair(1), two_members(1), measures=[measure(1, 2020)])
    out = found(**f)
    assert out.schema == pl.Schema(FINDINGS)
    assert out.is_empty()


def test_exit_just_above_the_line():
    # 2 members, 8,600 net → 4,300 per person: the 2020 line is 4,000, 4,300 < 4,400 (10% above)
    f = frames(exit_pair(1, now={"wage_income": 8600.0}), two_members(1), measures=[measure(1, 2020)])
    assert rows(found(**f)) == {("DQ-K1", 1, None, "4300 / 4000")}


def test_just_above_is_a_regional_parameter():
    f = frames(exit_pair(1, now={"wage_income": 8600.0}), two_members(1), measures=[measure(1, 2020)])
    narrow = override(default_params(), [("integrity_just_above_pct", "330106000000", 2014, None, 5, "t")])
    assert found(narrow, **f).is_empty()  # 4,300 ≥ 4,200 (5% above)
    other = override(default_params(), [("integrity_just_above_pct", "330107000000", 2014, None, 5, "t")])
    assert set(found(other, **f)["rule_id"]) == {"DQ-K1"}


def test_exit_without_a_measure_in_the_window():
    # a measure of 2018 is outside the two years 2019–2020; a stopped one of 2020 is no assistance
    f = frames(exit_pair(1), two_members(1), measures=[measure(1, 2018), measure(1, 2020, "stopped")])
    assert rows(found(**f)) == {("DQ-K2", 1, None, "2019–2020")}
    f = frames(exit_pair(1), two_members(1), measures=[measure(1, 2019)])
    assert found(**f).is_empty()


def test_a_household_that_did_not_exit_needs_no_measure():
    hy = [
        dict(household_id=1, year=2019, status="poor", size=2, wage_income=6000.0),
        dict(household_id=1, year=2020, status="poor", size=2, wage_income=7000.0),
    ]
    assert found(**frames(hy, two_members(1))).is_empty()


def test_income_jump_without_a_source():
    # wages 6,000 → 20,000 but nobody works: a rise of 7,000 per person, all of it with no source
    nobody_works = [
        homebody(1, "110105198001010011", relation="head", sex="1"),
        homebody(1, "110105198202020022"),
    ]
    hy = exit_pair(1, now={"wage_income": 20000.0})
    out = found(**frames(hy, nobody_works, measures=[measure(1, 2020)]))
    assert rows(out) == {("DQ-K3", 1, None, "3000 → 10000")}


def test_income_jump_with_a_worker_is_traced():
    hy = exit_pair(1, now={"wage_income": 20000.0})
    assert found(**frames(hy, two_members(1), measures=[measure(1, 2020)])).is_empty()


def test_small_or_relative_rises_are_no_jump():
    nobody_works = [
        homebody(1, "110105198001010011", relation="head", sex="1"),
        homebody(1, "110105198202020022"),
    ]
    # +1,000 per person on 3,000 is only 33%: below the 50% jump
    hy = exit_pair(1, now={"wage_income": 8000.0})
    assert "DQ-K3" not in set(found(**frames(hy, nobody_works, measures=[measure(1, 2020)]))["rule_id"])


def test_year_end_batch_of_exits_in_one_village():
    hy, people, measures, exits = [], [], [], []
    for h in range(1, 6):  # five exits recorded in the last days of 2020 in one village
        hy += exit_pair(h)
        people += two_members(h)
        measures.append(measure(h, 2020))
        exits.append({"household_id": h, "year": 2020, "recorded_on": date(2020, 12, 20 + h)})
    out = found(**frames(hy, people, measures=measures, exits=exits))
    assert rows(out) == {("DQ-K4", h, None, f"2020-12-{20 + h} ×5") for h in range(1, 6)}
    # one recorded in November leaves four: no batch
    exits[0] = {"household_id": 1, "year": 2020, "recorded_on": date(2020, 11, 20)}
    assert found(**frames(hy, people, measures=measures, exits=exits)).is_empty()


def test_batch_counts_per_village_and_the_minimum_is_a_parameter():
    hy, people, measures, exits = [], [], [], []
    for h in range(1, 4):
        village = VILLAGE if h < 3 else OTHER_VILLAGE
        hy += [{**r, "village": village} for r in exit_pair(h)]
        people += two_members(h)
        measures.append(measure(h, 2020))
        exits.append({"household_id": h, "year": 2020, "recorded_on": date(2020, 12, 30)})
    params = override(default_params(), [("integrity_batch_min", "", 2014, None, 2, "t")])
    out = found(params, **frames(hy, people, measures=measures, exits=exits))
    assert rows(out) == {("DQ-K4", 1, None, "2020-12-30 ×2"), ("DQ-K4", 2, None, "2020-12-30 ×2")}


def test_payment_after_death():
    people = two_members(1)
    people[1]["death_date"] = date(2020, 3, 1)
    pay = [
        {"payment_id": 1, "id_number": people[1]["id_number"], "amount": 500.0, "paid_on": date(2020, 2, 1)},
        {"payment_id": 2, "id_number": people[1]["id_number"], "amount": 500.0, "paid_on": date(2020, 6, 1)},
    ]
    out = found(**frames(exit_pair(1), people, measures=[measure(1, 2020)], payments=pay))
    assert rows(out) == {("DQ-K5a", 1, 2, "2020-06-01 †2020-03-01")}
    # the day of death itself is not after it
    pay = [{"payment_id": 1, "id_number": people[1]["id_number"], "amount": 5.0, "paid_on": date(2020, 3, 1)}]
    assert found(**frames(exit_pair(1), people, measures=[measure(1, 2020)], payments=pay)).is_empty()


def test_payment_to_a_person_no_longer_in_a_household():
    people = two_members(1)
    people[1] |= {"start_date": None, "end_date": date(2020, 4, 30)}
    people[0] |= {"start_date": None, "end_date": None}
    hy = exit_pair(1)
    f = frames(hy, [], measures=[measure(1, 2020)])
    f["members"] = members(*people, extra={"start_date": pl.Date, "end_date": pl.Date})
    f["payments"] = pl.DataFrame(
        [
            {
                "payment_id": 1,
                "id_number": people[1]["id_number"],
                "amount": 9.0,
                "paid_on": date(2020, 4, 1),
            },
            {
                "payment_id": 2,
                "id_number": people[1]["id_number"],
                "amount": 9.0,
                "paid_on": date(2020, 7, 1),
            },
            {
                "payment_id": 3,
                "id_number": people[1]["id_number"],
                "amount": 9.0,
                "paid_on": date(2020, 8, 1),
            },
            {
                "payment_id": 4,
                "id_number": people[0]["id_number"],
                "amount": 9.0,
                "paid_on": date(2020, 8, 1),
            },
            {"payment_id": 5, "id_number": "000000000000000000", "amount": 9.0, "paid_on": date(2020, 8, 1)},
        ],
        schema=PAYMENTS,
    )
    assert rows(found(**f)) == {("DQ-K5b", 1, 2, "2020-08-01 ×2")}


def test_payments_of_another_year_are_not_read():
    people = two_members(1)
    people[1]["death_date"] = date(2019, 3, 1)
    pay = [{"payment_id": 1, "id_number": people[1]["id_number"], "amount": 5.0, "paid_on": date(2019, 6, 1)}]
    assert found(**frames(exit_pair(1), people, measures=[measure(1, 2020)], payments=pay)).is_empty()


def test_a_payment_to_an_id_number_two_people_hold_goes_to_the_same_one_whatever_the_row_order():
    """Two people registered with one ID number (two counties' registries merged): the payment is filed
    under one of them, the same one whichever order the membership rows come in — a run over parts of
    the registry gathers them in another order than the store's."""
    periods = pl.DataFrame(
        {
            "member_id": [5, 9, 7],
            "household_id": [1, 2, 3],
            "id_number": ["X", "X", "Y"],
            "death_date": [None, date(2020, 1, 10), None],
            "start_date": [None, None, None],
            "end_date": [None, None, None],
        },
        schema=integrity.PERIODS,
    )
    payments = pl.DataFrame(
        {
            "payment_id": [1, 2],
            "id_number": ["X", "Y"],
            "amount": [100.0, 50.0],
            "paid_on": [date(2020, 6, 1)] * 2,
        },
        schema=PAYMENTS,
    )
    one = integrity.payees(payments, periods, 2020).sort("member_id")
    for order in ([2, 1, 0], [1, 0, 2], [0, 2, 1]):
        assert integrity.payees(payments, periods[order], 2020).sort("member_id").equals(one), order
    assert one["member_id"].to_list() == [7, 9]  # ties go to the higher member id
