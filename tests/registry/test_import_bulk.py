"""The bulk writer on its own: typed frames in, records, derived fields and history out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from factories import id_number, region_tree

from fupin.registry import bulk, writers
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership

TODAY = date(2025, 3, 1)


def years(*rows):
    return pl.DataFrame(
        [
            {
                "household_no": no,
                "year": 2024,
                "region_code": village,
                "status": "poor",
                "wage_income": wage,
                "business_cost": cost,
                "phone": None,
            }
            for no, village, wage, cost in rows
        ],
        schema_overrides={"wage_income": pl.Float64, "business_cost": pl.Float64},
    )


def people(*rows):
    return pl.DataFrame(
        [
            {
                "household_no": no,
                "id_number": idn,
                "name": name,
                "relation": rel,
                "sex": sex,
                "birth_date": date(1980, 1, 1),
                "dibao": None,
            }
            for no, idn, name, rel, sex in rows
        ],
        schema_overrides={"dibao": pl.Boolean},
    )


def test_per_capita_rounds_half_up_and_is_null_without_members(tree):
    v = tree.village_a.code
    a, b = id_number(seq=1), id_number(male=False, seq=2)
    counts = bulk.save(
        years(("A", v, 100.01, 0.0), ("E", v, 50.0, 0.0)),
        people(("A", a, "甲", "head", "1"), ("A", b, "乙", "spouse", "2")),
        today=TODAY,
    )
    assert counts["households_created"] == 2 and counts["members_created"] == 2
    ya = HouseholdYear.objects.get(household__household_no="A")
    assert (ya.size, ya.net_income, ya.net_income_per_capita) == (2, Decimal("100.01"), Decimal("50.01"))
    ye = HouseholdYear.objects.get(household__household_no="E")
    assert ye.size == 0 and ye.net_income_per_capita is None
    assert Household.objects.get(household_no="E").head_name == ""


def test_moved_member_closes_one_period_and_opens_another(tree):
    v = tree.village_a.code
    a, b, c = id_number(seq=1), id_number(male=False, seq=2), id_number(seq=3)
    bulk.save(
        years(("A", v, 900.0, 0.0), ("B", v, 100.0, 0.0)),
        people(("A", a, "甲", "head", "1"), ("A", b, "乙", "spouse", "2"), ("B", c, "丙", "head", "1")),
        today=TODAY,
    )
    n_changes = Change.objects.count()
    counts = bulk.save(
        years(("B", v, 100.0, 0.0)),
        people(("B", b, "乙", "spouse", "2")),
        today=date(2025, 6, 1),
        reason="迁入 / moved in",
    )
    assert counts["members_moved"] == 1
    assert Member.objects.get(id_number=b).household.household_no == "B"
    periods = list(
        Membership.objects.filter(member__id_number=b)
        .order_by("id")
        .values_list("household__household_no", "start_reason", "end_date", "end_reason")
    )
    assert periods == [("A", "registered", date(2025, 6, 1), "move"), ("B", "move", None, "")]
    hh_a, hh_b = Household.objects.get(household_no="A"), Household.objects.get(household_no="B")
    assert (hh_a.size, hh_b.size) == (1, 2)
    assert HouseholdYear.objects.get(household=hh_b).net_income_per_capita == Decimal("50.00")
    new = Change.objects.filter(pk__gt=0).order_by("id")[n_changes:]
    assert sorted((c.entity, c.action) for c in new) == [
        ("household", "update"),
        ("household", "update"),
        ("household_year", "update"),
        ("member", "update"),
    ]
    member_change = next(c for c in new if c.entity == "member")
    assert member_change.before == {"household_id": hh_a.pk} and member_change.after == {
        "household_id": hh_b.pk
    }
    assert member_change.reason == "迁入 / moved in"


def test_new_household_is_one_change_new_member_and_year_in_an_existing_one_are_their_own(tree):
    v = tree.village_a.code
    a, b, c = id_number(seq=1), id_number(male=False, seq=2), id_number(seq=3)
    bulk.save(
        years(("A", v, 900.0, 0.0)),
        people(("A", a, "甲", "head", "1"), ("A", b, "乙", "spouse", "2")),
        today=TODAY,
    )
    first = list(Change.objects.all())
    assert [(ch.action, ch.entity) for ch in first] == [("create", "household")]
    hh = Household.objects.get(household_no="A")
    assert first[0].household_id == hh.pk and first[0].entity_id == str(hh.pk)
    assert [m["id_number"] for m in first[0].after["members"]] == [a, b]
    assert [(y["year"], y["wage_income"], y["size"]) for y in first[0].after["years"]] == [
        (2024, "900.00", 2)
    ]

    both_years = pl.concat(
        [
            years(("A", v, 900.0, 0.0)),
            years(("A", v, 1000.0, 0.0)).with_columns(pl.lit(2025, pl.Int64).alias("year")),
        ]
    )
    bulk.save(
        both_years,
        people(("A", a, "甲", "head", "1"), ("A", b, "乙", "spouse", "2"), ("A", c, "丙", "son", "1")),
        today=TODAY,
    )
    new = Change.objects.exclude(pk=first[0].pk)
    assert sorted((ch.entity, ch.action) for ch in new) == [
        ("household", "update"),
        ("household_year", "create"),
        ("household_year", "update"),
        ("member", "create"),
    ]
    assert new.get(entity="member").after["id_number"] == c
    assert new.get(entity="household_year", action="create").after["year"] == 2025


def test_deleted_members_do_not_count(tree):
    v = tree.village_a.code
    a, b = id_number(seq=1), id_number(male=False, seq=2)
    bulk.save(
        years(("A", v, 900.0, 0.0)),
        people(("A", a, "甲", "head", "1"), ("A", b, "乙", "spouse", "2")),
        today=TODAY,
    )
    Member.objects.filter(id_number=b).update(is_deleted=True)
    bulk.save(years(("A", v, 900.0, 0.0)), people(("A", a, "甲", "head", "1")), today=TODAY)
    hh = Household.objects.get(household_no="A")
    assert hh.size == 1 and HouseholdYear.objects.get(household=hh).net_income_per_capita == Decimal("900.00")


def test_json_safe_matches_what_bulk_stores():
    assert bulk.json_safe(Decimal("1200.5")) == "1200.50"
    assert bulk.json_safe(date(2024, 1, 2)) == "2024-01-02"
    assert bulk.json_safe(True) is True


# --- the SQLite fast path (ADBC staging) gives exactly the rows of the bound-parameter path -----------

REGISTRY = (Change, Membership, Member, HouseholdYear, Household)


def _dump() -> dict[str, list[tuple]]:
    """Every registry row, ids included, without the wall-clock stamps."""
    skip = {"created_at", "updated_at", "at"}
    out = {}
    for model in REGISTRY:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        out[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    return out


def _scenario(v: str) -> None:
    """Create, then update/move/add, then a save in several parts: every statement kind of the writer,
    with awkward text."""
    a, b, c, d = id_number(seq=1), id_number(male=False, seq=2), id_number(seq=3), id_number(seq=4)
    ppl = people(("A", a, "甲'%s", "head", "1"), ("A", b, "乙", "spouse", "2"), ("B", c, "丙", "head", "1"))
    bulk.save(
        years(("A", v, 900.5, 0.0), ("B", v, 100.0, 20.25)),
        ppl.with_columns(pl.Series("dibao", [True, None, False])),
        today=TODAY,
        reason="导入 50% 'x'",
    )
    both_years = pl.concat(
        [
            years(("A", v, 901.0, 1.0), ("B", v, 100.0, 20.25)),
            years(("A", v, 1000.0, 0.0)).with_columns(pl.lit(2025, pl.Int64).alias("year")),
        ]
    )
    bulk.save(
        both_years,
        people(
            ("A", a, "甲", "head", "1"),
            ("B", b, "乙", "spouse", "2"),
            ("B", c, "丙", "head", "1"),
            ("A", d, "丁", "son", "1"),
        ),
        today=date(2025, 6, 1),
        reason="更新 / update",
    )
    e, f, g = id_number(seq=5), id_number(seq=6), id_number(male=False, seq=7)
    parts = [
        (years(("C", v, 10.0, 0.0)), people(("C", e, "戊", "head", "1"))),
        (None, people(("A", f, "己", "son", "1"))),  # a stored household gains a member, without a 户 row
        (years(("D", v, 20.0, 0.0), ("B", v, 100.0, 0.0)), people(("D", g, "庚", "head", "2"))),
    ]
    bulk.save_parts(parts, rows=7, today=date(2025, 7, 1), reason="分批 / in parts")


def _reset_registry() -> None:
    from django.db import connection

    for model in REGISTRY:
        model.objects.all().delete()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in REGISTRY:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [model._meta.db_table]
                )
            return
        cur.execute(
            "DELETE FROM sqlite_sequence WHERE name IN (%s, %s, %s, %s, %s)",
            [m._meta.db_table for m in REGISTRY],
        )


@pytest.mark.django_db(transaction=True)
def test_sqlite_fast_path_writes_the_same_rows_as_bound_parameters(monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the staging fast path is SQLite's (PostgreSQL uses COPY)")
    v = region_tree().village_a.code
    copied = []  # tables of each stage file copied into the store
    real_copy = writers._StageFile.copy_into_store
    monkeypatch.setattr(
        writers._StageFile,
        "copy_into_store",
        lambda self, schema: copied.append(len(self.tables)) or real_copy(self, schema),
    )

    monkeypatch.setattr(writers, "_adbc_sqlite", lambda: False)  # the bound path
    _reset_registry()  # ids start at 1 in both runs, whatever the tests before left in the sequences
    _scenario(v)
    slow = _dump()
    assert not copied
    _reset_registry()

    monkeypatch.setattr(writers, "_adbc_sqlite", lambda: True)
    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)  # stage even these few rows
    _scenario(v)
    fast = _dump()
    # every part was staged: the first save's five kinds of inserts (households, years, members,
    # memberships, history), the second's updates too, then the three parts of the third, a file each
    assert len(copied) == 5 and copied[0] == 5 and copied[1] >= 8
    with connection.cursor() as cur:
        cur.execute("PRAGMA database_list")
        assert [r[1] for r in cur.fetchall() if r[1].startswith("fupin_stage")] == []  # all detached
    assert fast == slow
    assert len(fast["Change"]) == 16 and len(fast["Membership"]) == 8
    assert Member.objects.get(id_number=id_number(seq=1)).name == "甲"
    assert Member.objects.get(id_number=id_number(seq=6)).household.household_no == "A"
    assert Household.objects.get(household_no="A").size == 3  # 甲, 丁 and 己 (乙 moved to B)
    assert Change.objects.order_by("pk").first().reason == "导入 50% 'x'"


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_writer_binds_rows(monkeypatch):
    from django.db import transaction

    v = region_tree().village_a.code
    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)
    monkeypatch.setattr(
        writers.StagedWriter, "__init__", lambda self: pytest.fail("no stage inside a transaction")
    )
    with transaction.atomic():
        counts = bulk.save(
            years(("A", v, 900.0, 0.0)), people(("A", id_number(seq=1), "甲", "head", "1")), today=TODAY
        )
    assert counts["members_created"] == 1 and Household.objects.get(household_no="A").size == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_staged_save_writes_nothing_and_leaves_no_stage(monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the staging fast path is SQLite's")
    v = region_tree().village_a.code
    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)
    dirs = []
    real_init = writers.StagedWriter.__init__
    monkeypatch.setattr(
        writers.StagedWriter, "__init__", lambda self: real_init(self) or dirs.append(self.dir)
    )

    def parts():
        yield years(("A", v, 900.0, 0.0)), people(("A", id_number(seq=1), "甲", "head", "1"))
        raise RuntimeError("the file went away")

    with pytest.raises(RuntimeError):
        bulk.save_parts(parts(), rows=2, today=TODAY)
    assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    assert len(dirs) == 1 and not dirs[0].exists()


@pytest.mark.django_db(transaction=True)
def test_postgresql_pipelined_writer_writes_the_same_rows_as_the_bound_one(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the pipelined writer is PostgreSQL's (SQLite stages into files)")
    v = region_tree().village_a.code
    pipelined = []
    real_init = writers.PipelinedWriter.__init__
    monkeypatch.setattr(
        writers.PipelinedWriter, "__init__", lambda self: real_init(self) or pipelined.append(self)
    )

    # new rows get their ids from the sequences before they are sent: nothing is read back by its key
    read_back = ('SELECT "id", "household_no" FROM', 'SELECT "id", "household_id", "year" FROM')
    read_back += ('SELECT "id", "id_number" FROM',)
    _reset_registry()
    with CaptureQueriesContext(connection) as seen:
        _scenario(v)  # small saves: the bound writer, on Django's connection
    slow = _dump()
    assert not pipelined
    assert not [q for q in seen.captured_queries if q["sql"].startswith(read_back)]
    _reset_registry()

    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)  # pipeline even these few rows
    with CaptureQueriesContext(connection) as seen:
        _scenario(v)
    fast = _dump()
    assert len(pipelined) == 3
    assert fast == slow
    assert not [q for q in seen.captured_queries if q["sql"].startswith(read_back)]
    assert len(fast["Change"]) == 16 and len(fast["Membership"]) == 8
    assert Member.objects.get(id_number=id_number(seq=6)).household.household_no == "A"
    assert Household.objects.get(household_no="A").size == 3


@pytest.mark.django_db(transaction=True)
def test_a_failed_pipelined_save_writes_nothing(monkeypatch):
    """The server refuses a row of the last table written (the history) while the next part is being
    prepared: the whole save is rolled back, the rows already copied in with it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pipelined writer is PostgreSQL's")
    v = region_tree().village_a.code
    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF NEW.after::text LIKE '%%\"B\"%%' THEN RAISE EXCEPTION 'refused B'; END IF; "
            "RETURN NEW; END $$"
        )
        cur.execute(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON registry_change FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        parts = [
            (years(("A", v, 10.0, 0.0)), people(("A", id_number(seq=1), "甲", "head", "1"))),
            (years(("B", v, 20.0, 0.0)), people(("B", id_number(seq=2), "乙", "head", "1"))),
            (years(("C", v, 30.0, 0.0)), people(("C", id_number(seq=3), "丙", "head", "1"))),
        ]
        with pytest.raises(Exception, match="refused B"):
            bulk.save_parts(parts, rows=6, today=TODAY)
        assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
        assert HouseholdYear.objects.count() == Membership.objects.count() == 0
        # the connection is usable again, outside any transaction
        assert connection.get_autocommit() and not connection.in_atomic_block
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TRIGGER test_refuse ON registry_change")
            cur.execute("DROP FUNCTION test_refuse()")
