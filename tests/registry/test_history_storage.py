"""How the registry's history is stored: as the writers wrote it, read back whole."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from django.db import connection
from factories import user

from fupin.registry import bulk
from fupin.registry.models import Change, Household, HouseholdYear


def _save_one(village: str) -> Household:
    bulk.save(
        pl.DataFrame(
            [{"household_no": "H1", "year": 2024, "region_code": village, "status": "poor", "phone": None}]
        ),
        pl.DataFrame(
            [
                {
                    "household_no": "H1",
                    "id_number": "110101198001010015",
                    "name": "甲",
                    "relation": "head",
                    "sex": "1",
                    "birth_date": date(1980, 1, 1),
                }
            ]
        ),
        today=date(2025, 3, 1),
    )
    return Household.objects.get(household_no="H1")


def test_created_household_history_keeps_its_fields_in_the_records_order(tree, client):
    """The history page lists a change's fields in the order the record has them: household number first.
    (PostgreSQL's jsonb would sort the keys by length: size, phone, …)"""
    household = _save_one(tree.village_a.code)
    change = Change.objects.get(household=household, entity="household", action="create")
    assert list(change.after)[:4] == ["household_no", "village_id", "phone", "head_name"]
    assert [k for k in change.after if k in ("years", "members")] == ["years", "members"]
    client.force_login(user("county_approver", tree.county))
    changes = client.get("/registry/h/H1/").content.decode().split('id="changes"')[1]
    assert changes.index("户编号") < changes.index("联系电话") < changes.index("户主")


def test_update_history_reads_back_with_values_and_order(tree):
    household = _save_one(tree.village_a.code)
    record = HouseholdYear.objects.get(household=household, year=2024)
    Change.objects.create(
        action="update",
        entity="household_year",
        entity_id=str(record.pk),
        household=household,
        before={"status": "poor", "wage_income": "0.00", "water_safe": None},
        after={"status": "exited_stable", "wage_income": "12000.50", "water_safe": True},
    )
    change = Change.objects.filter(entity="household_year", action="update").get()
    assert change.before == {"status": "poor", "wage_income": "0.00", "water_safe": None}
    assert list(change.after.items()) == [
        ("status", "exited_stable"),
        ("wage_income", "12000.50"),
        ("water_safe", True),
    ]


def test_history_columns_are_not_checked_against_the_rows_they_name(db):
    """The history is a log: it names households, users and import batches without database constraints
    (every one of them costs a look-up per row of a large import); the writers take those ids from the
    rows they write in the same transaction. SQLite keeps its cheap checks (migration registry 0003)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the constraints of registry_change")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Change._meta.db_table)
    assert not [name for name, c in constraints.items() if c["foreign_key"]]


def test_registry_tables_carry_no_pattern_index_that_no_query_uses(db):
    """ID numbers are looked up whole, heads' names searched inside, statuses compared whole: none needs
    the LIKE 'prefix%' twin, which each imported row would pay for. Household numbers keep theirs."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL has pattern indexes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'registry_%%' "
            "AND indexdef LIKE '%%varchar_pattern_ops%%'"
        )
        columns = sorted((t, d.split("(")[1].split()[0]) for t, d in cursor.fetchall())
    assert columns == [("registry_household", "household_no"), ("registry_household", "village_id")]
