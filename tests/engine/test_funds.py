from datetime import date

import polars as pl

from fupin.engine import funds, regions

TODAY = date(2024, 6, 30)
A, B = "520526001201", "520526001202"


def frames():
    projects = pl.DataFrame(
        {
            "project_id": [1, 2, 3],
            "name": ["路", "水", "产业"],
            "region_code": [A, "520526001000", B],
            "status": ["implementing", "accepted", "approved"],
            "deadline": [date(2024, 12, 31), date(2024, 1, 31), date(2024, 3, 1)],
            "budget": [10000.0, 500.0, 1000.0],
        }
    )
    payments = pl.DataFrame(
        {
            "payment_id": [10, 11, 12, 13, 14, 15, 16],
            "project_id": [1, 1, 1, 1, 2, 2, 3],
            "kind": [
                "household",
                "household",
                "household",
                "household",
                "household",
                "contractor",
                "household",
            ],
            "id_number": ["P1", "P1", "P2", "NOPE", "P1", None, "P3"],
            "payee_name": ["甲", "甲", "乙", "丙", "甲", "公司", "丁"],
            "item": ["产业奖补", " 产业奖补", "产业奖补", "产业奖补", "产业奖补", "施工", "奖补"],
            "amount": [1000.0, 1000.0, 1000.0, 1000.0, 300.0, 300.0, 100.0],
            "paid_on": [
                date(2024, 3, 1),
                date(2024, 4, 1),
                date(2024, 5, 1),
                date(2024, 3, 1),
                date(2024, 1, 1),
                date(2024, 1, 2),
                date(2024, 2, 1),
            ],
        }
    )
    beneficiaries = pl.DataFrame(
        {
            "project_id": [1, 1, 2, 3],
            "household_id": [100, 101, 102, 103],
            "household_no": ["H100", "H101", "H102", "H103"],
            "village_code": [A, B, B, B],
        }
    )
    members = pl.DataFrame(
        {"id_number": ["P1", "P2", "P3"], "death_date": [None, date(2024, 4, 15), date(2024, 2, 1)]}
    )
    return projects, payments, beneficiaries, members


def found(check_id: str) -> list[tuple]:
    out = funds.run(*frames(), today=TODAY).filter(pl.col("check_id") == check_id)
    return out.select("project_id", "payment_id", "household_id").rows()


def test_payee_not_in_registry():
    assert found("FA-1") == [(1, 13, None)]


def test_payee_dead_at_payment_date_including_the_day_of_death():
    assert found("FA-2") == [(1, 12, None), (3, 16, None)]


def test_same_person_same_item_same_project_paid_twice_ignoring_spaces():
    # P1 is paid for 产业奖补 twice in project 1 (once with a stray space); project 2's payment to P1 is apart
    assert found("FA-3") == [(1, 10, None), (1, 11, None)]


def test_disbursed_above_budget_counts_contractor_payments():
    out = funds.run(*frames(), today=TODAY).filter(pl.col("check_id") == "FA-4")
    assert out.select("project_id", "value").rows() == [(2, "600.0 > 500.0")]


def test_beneficiary_outside_project_region():
    # project 1 is in village A: household 101 of village B is outside; project 2 is township A: B is inside
    assert found("FA-5") == [(1, None, 101)]


def test_past_deadline_and_not_accepted():
    assert found("FA-6") == [(3, None, None)]


def test_findings_carry_both_languages_and_severity():
    out = funds.run(*frames(), today=TODAY)
    row = out.filter(pl.col("check_id") == "FA-6").row(0, named=True)
    assert row["severity"] == "suspect" and "期限" in row["message_zh"] and "deadline" in row["message_en"]
    assert set(out["check_id"]) == {"FA-1", "FA-2", "FA-3", "FA-4", "FA-5", "FA-6"}


def test_empty_frames_give_no_findings():
    empty = [
        pl.DataFrame(schema=s)
        for s in (
            funds.PROJECTS_SCHEMA,
            funds.PAYMENTS_SCHEMA,
            funds.BENEFICIARIES_SCHEMA,
            funds.MEMBERS_SCHEMA,
        )
    ]
    assert funds.run(*empty, today=TODAY).height == 0


def test_region_prefix_of_a_column_agrees_with_the_scalar_rule():
    codes = ["520526001201", "520526001000", "520526000000", "520500000000", "520000000000"]
    got = pl.select(regions.prefix_expr(pl.lit(pl.Series(codes)))).to_series().to_list()
    assert got == ["520526001201", "520526001", "520526", "5205", "52"]
    assert got == [regions.prefix_of(code) for code in codes]
