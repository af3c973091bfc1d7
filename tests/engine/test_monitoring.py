"""The monitoring engine: registry signals, department matching, risk elimination."""

from datetime import date

import polars as pl
from engine_builders import household_years, members

from fupin.engine import departments
from fupin.engine import monitoring as mon
from fupin.engine.defaults import default_params
from fupin.engine.params import make_params, override

PARAMS = override(default_params(), mon.PARAM_DEFAULTS)


def _id(body17: str) -> str:
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(a) * b for a, b in zip(body17, w, strict=True)) % 11]


def _signals(hy, mm, year=2024, params=PARAMS):
    out = mon.registry_batch(hy, mm, params, year)
    return {(r["household_id"], r["signal_id"]): r for r in out.iter_rows(named=True)}


def test_income_below_line_and_fall_with_evidence():
    hy = household_years(
        dict(household_id=1, year=2023, wage_income=20000.0),
        dict(household_id=1, year=2024, wage_income=10000.0),  # 2 members: 5,000 pc < 6,000; fell 50 %
        dict(household_id=2, year=2024, wage_income=14000.0),  # 7,000 pc: above, no previous year
    )
    mm = members(
        dict(household_id=1),
        dict(household_id=1, relation="spouse", id_number="x1"),
        dict(household_id=2),
        dict(household_id=2, relation="spouse"),
    )
    s = _signals(hy, mm)
    assert s[(1, "MON-INCOME")]["value"] == 5000.0 and s[(1, "MON-INCOME")]["threshold"] == 6000.0
    assert s[(1, "MON-FALL")]["value"] == 50.0 and s[(1, "MON-FALL")]["threshold"] == 30.0
    assert not any(k[0] == 2 for k in s)


def test_regional_monitoring_line_override():
    params = override(PARAMS, [("monitoring_line", "530000000000", 2023, None, 8050, "Yunnan")])
    hy = household_years(
        dict(household_id=1, year=2024, village="530102001201", wage_income=7000.0),
        dict(household_id=2, year=2024, village="520526001201", wage_income=7000.0),
    )
    mm = members(dict(household_id=1), dict(household_id=2))
    s = _signals(hy, mm, params=params)
    assert s[(1, "MON-INCOME")]["threshold"] == 8050.0
    assert (2, "MON-INCOME") not in s


def test_fall_below_threshold_is_not_a_signal():
    hy = household_years(
        dict(household_id=1, year=2023, wage_income=20000.0),
        dict(household_id=1, year=2024, wage_income=15000.0),
    )  # −25 % < 30 %
    assert (1, "MON-FALL") not in _signals(hy, members(dict(household_id=1)))


def test_rigid_spending_against_last_year_income():
    hy = household_years(
        dict(household_id=1, year=2023, wage_income=12000.0),
        dict(household_id=1, year=2024, wage_income=30000.0, out_of_pocket=12000.0),
        dict(household_id=2, year=2024, wage_income=30000.0, out_of_pocket=29999.0),
        dict(household_id=3, year=2024, wage_income=0.0, out_of_pocket=100.0),
    )
    s = _signals(hy, members(dict(household_id=1), dict(household_id=2), dict(household_id=3)))
    assert s[(1, "MON-RIGID")]["threshold"] == 12000.0  # last year's income, not this year's 30,000
    assert (2, "MON-RIGID") not in s
    assert (3, "MON-RIGID") in s


def test_guarantees_and_special_groups():
    hy = household_years(
        dict(household_id=1, year=2024, wage_income=90000.0, housing_grade="D", water_safe=False),
        dict(household_id=2, year=2024, wage_income=90000.0, housing_grade=None, water_safe=None),
        dict(household_id=3, year=2024, wage_income=90000.0),
    )
    mm = members(
        dict(household_id=1, health="serious", medical_insurance=False),
        dict(
            household_id=1, relation="son", birth_date=date(2012, 5, 1), school="not_student", id_number="a"
        ),
        # household 2: elderly alone, lost labour, severely disabled (grade 2 on the certificate)
        dict(
            household_id=2,
            birth_date=date(1950, 1, 1),
            labour="lost",
            health="disabled",
            disability_cert="11010519500101002X42",
            id_number="b",
        ),
        # household 3: disabled grade 3 (not severe), a weak labourer (not "no labour")
        dict(
            household_id=3,
            health="disabled",
            disability_cert="11010519500101002X43",
            labour="none",
            id_number="c",
            birth_date=date(1980, 1, 1),
        ),
        dict(household_id=3, relation="spouse", labour="weak", id_number="d", birth_date=date(1980, 1, 1)),
    )
    s = _signals(hy, mm)
    assert {k[1] for k in s if k[0] == 1} == {"MON-HOUSING", "MON-WATER", "MON-MED", "MON-EDU", "MON-ILL"}
    assert {k[1] for k in s if k[0] == 2} == {"MON-DISABLED", "MON-ELDERLY-ALONE", "MON-NO-LABOUR"}
    assert not any(k[0] == 3 for k in s)


def test_dead_member_does_not_count_next_year():
    hy = household_years(dict(household_id=1, year=2024, wage_income=14000.0))
    mm = members(
        dict(household_id=1, birth_date=date(1960, 1, 1)),
        dict(household_id=1, relation="spouse", death_date=date(2023, 6, 1), id_number="z"),
    )
    wide, _ = mon.registry_frame(hy, mm, PARAMS, 2024)
    assert wide["members"].to_list() == [1] and wide["net_income_pc"].to_list() == [14000.0]


# --------------------------------------------------------------------------------------------- matching
A, B, C, D = (
    _id("52052619800101001"),
    _id("52052619900101002"),
    _id("52052620000101003"),
    _id("52052620000101004"),
)
REG = pl.DataFrame(
    {
        "member_id": [10, 11, 12, 13],
        "household_id": [1, 1, 2, 2],
        "id_number": [A, B, C, D],
        "name": ["张三", "李四", "王五", "王六"],
        "village": ["520526001201"] * 4,
        "household_type": ["exited", "exited", "ordinary", "ordinary"],
    }
)


def _rows(*rows):
    return pl.DataFrame(
        [{"_row": i + 2, "id_number": r[0], "name": r[1], "amount": r[2]} for i, r in enumerate(rows)],
        schema={"_row": pl.Int64, "id_number": pl.String, "name": pl.String, "amount": pl.String},
    )


def test_medical_matching_reports_every_row():
    wrong = A[:-1] + ("0" if A[-1] != "0" else "1")
    rows = _rows(
        (A, "张三", "6,000"),  # registered, ≥ 5,000 → signal
        (C, "王五", "6000"),  # other farmer, < 20,000 → below
        (A[:15] + "000", "张三", "9000"),  # typed as a number: Excel kept 15 digits
        (wrong, "张三", "9000"),  # wrong check digit
        (_id("11010519700101005"), "赵六", "9000"),  # not in registry
        (A.lower() + " ", "张 三", "7000"),  # the same person again
        (B, "李四四", "9000"),  # name differs
        (None, "无名", "1"),
        (D, "王六", None),
    )  # amount missing
    out = departments.match_department(
        rows, REG, PARAMS, source="medical_insurance", year=2024, today=date(2026, 1, 1)
    )
    assert out.height == 9
    assert out["status"].to_list() == [
        "signal",
        "below_threshold",
        "id.as_number",
        "id.checksum",
        "not_in_registry",
        "duplicate",
        "name_mismatch",
        "id.missing",
        "amount_missing",
    ]
    first = out.row(0, named=True)
    assert (first["member_id"], first["household_id"], first["threshold"], first["amount"]) == (
        10,
        1,
        5000.0,
        6000.0,
    )
    assert out.row(1, named=True)["threshold"] == 20000.0
    assert out["_row"].to_list() == list(range(2, 11))
    assert out.row(4, named=True)["message_en"].startswith("no person with this ID number")


def test_fifteen_digit_id_matches_the_upgraded_number():
    old = A[:6] + A[8:17]
    out = departments.match_department(
        _rows((old, "张三", None)), REG, PARAMS, source="civil_affairs", year=2024, today=date(2026, 1, 1)
    )
    assert out["status"].to_list() == ["signal"] and out["member_id"].to_list() == [10]


# ------------------------------------------------------------------------------------------ elimination
def test_elimination_criteria_and_blocks():
    hy = household_years(
        dict(household_id=1, year=2024, wage_income=20000.0),
        dict(household_id=2, year=2024, wage_income=20000.0, out_of_pocket=25000.0),
        dict(household_id=3, year=2024, wage_income=20000.0),
        dict(household_id=4, year=2024, wage_income=5000.0),
    )
    mm = members(
        dict(household_id=1),
        dict(household_id=2),
        dict(household_id=3, labour="lost", id_number="q"),
        dict(household_id=4, id_number="r"),
    )
    wide, _ = mon.registry_frame(hy, mm, PARAMS, 2024)
    monitored = pl.DataFrame(
        {
            "household_id": [1, 2, 3, 4, 5],
            "identified_on": [
                date(2024, 3, 1),
                date(2024, 1, 1),
                date(2024, 1, 1),
                date(2024, 8, 2),
                date(2024, 1, 1),
            ],
        }
    )
    measures = pl.DataFrame({"household_id": [1, 2, 3, 4], "measures": [1, 2, 1, 0]})
    out = mon.elimination(monitored, wide, measures, PARAMS, as_of=date(2025, 2, 1))
    got = {r["household_id"]: (r["eligible"], r["blockers"], r["months"]) for r in out.iter_rows(named=True)}
    assert got[1] == (True, [], 11)
    assert got[2] == (False, ["rigid_spending"], 13)
    assert got[3] == (False, ["no_labour"], 13)
    assert got[4] == (False, ["too_recent", "no_measure", "income_below_line"], 5)
    assert got[5][1] == ["no_measure", "income_unknown"]
    # by household, whatever order the monitored list came in (the demo and worklists draw from it)
    shuffled = monitored.sort("household_id", descending=True)
    assert mon.elimination(shuffled, wide, measures, PARAMS, as_of=date(2025, 2, 1)).equals(out)
    assert out["household_id"].to_list() == [1, 2, 3, 4, 5]


def test_elimination_months_parameter_override():
    params = override(PARAMS, [("elimination_min_months", "", 2025, None, 12, "local")])
    hy = household_years(dict(household_id=1, year=2024, wage_income=20000.0))
    wide, _ = mon.registry_frame(hy, members(dict(household_id=1)), params, 2024)
    out = mon.elimination(
        pl.DataFrame({"household_id": [1], "identified_on": [date(2024, 3, 1)]}),
        wide,
        pl.DataFrame({"household_id": [1], "measures": [1]}),
        params,
        as_of=date(2025, 2, 1),
    )
    assert out["blockers"].to_list() == [["too_recent"]]


def test_param_defaults_have_definitions_and_sources():
    frame = make_params(mon.PARAM_DEFAULTS)
    assert frame["source"].str.len_chars().min() > 10
    assert set(frame["name"]) == set(mon.PARAM_DEFINITIONS)


def test_batch_rows_come_by_signal_then_household_whatever_the_input_order():
    """The alerts are created in the batch's row order: the same registry must give the same order."""
    rows = [dict(household_id=h, year=2024, wage_income=8000.0) for h in (9, 3, 7, 1)]  # 4,000 pc < line
    mm = members(
        *[dict(household_id=h) for h in (7, 1, 9, 3)],
        *[dict(household_id=h, relation="spouse") for h in (3, 9, 1, 7)],
    )
    out = mon.registry_batch(household_years(*rows), mm, PARAMS, 2024)
    income = out.filter(pl.col("signal_id") == "MON-INCOME")["household_id"].to_list()
    assert income == [1, 3, 7, 9]
    order = [s.id for s in mon.SIGNALS]
    assert out["signal_id"].to_list() == sorted(out["signal_id"].to_list(), key=order.index)
