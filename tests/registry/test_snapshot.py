"""The registry's columnar snapshot: the same frames as the cursor read, and never stale.

These tests commit (transaction=True): the snapshot is built by a connection of its own, which sees
committed rows only, and is never used inside a transaction.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from django.db import connection, transaction
from factories import household, region_tree, user

from fupin.core import columnar
from fupin.registry import snapshot
from fupin.registry.models import HouseholdYear, Member, RegistryVersion
from fupin.registry.selectors import registry_frames
from fupin.registry.services import delete_household, end_membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store():
    shutil.rmtree(snapshot.folder(), ignore_errors=True)  # those of the tests before
    tree = region_tree()
    households = [household(tree.village_a, members=4), household(tree.village_a2), household(tree.village_b)]
    member = households[0].members.order_by("id").last()
    member.death_date, member.dibao, member.work_months = date(2024, 3, 1), True, 7
    member.save()
    HouseholdYear.objects.create(
        household=households[0], year=2023, status="poor", wage_income=Decimal("1234.56"), size=4
    )
    return tree, households


def cursor_frames(prefix="", years=None, monkeypatch=None, **options):
    monkeypatch.setattr(snapshot, "enabled", lambda: False)
    try:
        return registry_frames(prefix, years, **options)
    finally:
        monkeypatch.undo()


def snapshot_folders() -> list[str]:
    return (
        sorted(p.name for p in snapshot.folder().iterdir() if p.is_dir())
        if snapshot.folder().exists()
        else []
    )


def test_snapshot_gives_the_cursor_reads_frames(store, monkeypatch):
    tree, _ = store
    for prefix, years in [
        ("", None),
        ("", [2024]),
        (tree.town_a.code[:9], [2023, 2024]),
        (tree.village_b.code, None),
    ]:
        got = registry_frames(prefix, years)
        want = cursor_frames(prefix, years, monkeypatch)
        for g, w in zip(got, want, strict=True):
            assert g.schema == w.schema
            assert g.equals(w), (prefix, years)
    token, version = snapshot.current()
    assert snapshot_folders() == [f"{token}-{version}"]
    # Typed like the schema, whatever the store keeps: dates, booleans, decimals.
    hy, members = registry_frames("", [2023])
    assert hy["wage_income"].to_list() == [1234.56]
    dead = members.filter(pl.col("death_date").is_not_null())
    assert dead.select("death_date", "dibao", "work_months").row(0) == (date(2024, 3, 1), True, 7)


def test_frames_without_identifiers_are_the_frames_with_names_and_id_numbers_null(store, monkeypatch):
    """What only counts people (the statistics page) does not read their names and ID numbers: less to
    read, and nothing held that the work does not need."""
    whole = registry_frames("", [2024])
    for hy, members in (
        registry_frames("", [2024], identifiers=False),
        cursor_frames("", [2024], monkeypatch, identifiers=False),
    ):
        assert hy.equals(whole[0])
        assert members.schema == whole[1].schema
        assert members.select("name", "id_number").null_count().row(0) == (members.height, members.height)
        assert members.drop("name", "id_number").equals(whole[1].drop("name", "id_number"))
    assert whole[1]["id_number"].null_count() == 0


def test_second_read_comes_from_the_snapshot_without_reading_the_store(store, monkeypatch):
    first = registry_frames()
    monkeypatch.setattr(columnar, "build", lambda *a: pytest.fail("read the store again"))
    second = registry_frames()
    assert first[0].equals(second[0]) and first[1].equals(second[1])


@pytest.mark.parametrize("write", ["orm", "service", "raw_sql", "delete", "membership"])
def test_every_kind_of_write_moves_the_version_and_the_next_read_sees_it(store, write, monkeypatch):
    tree, households = store
    registry_frames()  # a snapshot of the store before the write
    before = snapshot.current()[1]
    hh = households[1]
    if write == "orm":
        HouseholdYear.objects.filter(household=hh, year=2024).update(status="exited_stable")
    elif write == "service":
        writer = user("county_approver", tree.county)
        delete_household(writer, households[2].household_no, reason="迁出 moved away")
    elif write == "raw_sql":
        with connection.cursor() as cur:
            cur.execute("UPDATE registry_member SET name = %s WHERE household_id = %s", ["改名", hh.pk])
    elif write == "delete":
        HouseholdYear.objects.filter(household=hh).delete()
    else:
        writer = user("county_approver", tree.county)
        m = Member.objects.filter(household=hh).order_by("id").last()
        end_membership(writer, m.id_number, reason_code="death", on_date=date(2024, 6, 1), note="病故")
    assert snapshot.current()[1] > before
    got, want = registry_frames(), cursor_frames(monkeypatch=monkeypatch)
    assert got[0].equals(want[0]) and got[1].equals(want[1])
    if write == "orm":
        assert got[0].filter(pl.col("household_id") == hh.pk)["status"].to_list() == ["exited_stable"]
    assert len(snapshot_folders()) == 1  # the older snapshot is gone


def test_a_rolled_back_write_leaves_the_version(store):
    version = snapshot.current()[1]
    with pytest.raises(RuntimeError), transaction.atomic():
        HouseholdYear.objects.update(status="exited_stable")
        raise RuntimeError
    assert snapshot.current()[1] == version


def test_inside_a_transaction_the_read_sees_its_own_writes(store):
    registry_frames()
    with transaction.atomic():
        HouseholdYear.objects.update(status="exited_stable")
        hy, _ = registry_frames()
        assert set(hy["status"]) == {"exited_stable"}


def test_a_failed_build_falls_back_to_the_cursor(store, monkeypatch, caplog):
    def broken(source, out):
        (out / "members.parquet").write_bytes(b"half")
        raise columnar.ColumnarReadFailed("disk full")

    want = cursor_frames(monkeypatch=monkeypatch)
    monkeypatch.setattr(columnar, "build", broken)
    got = registry_frames()
    assert got[0].equals(want[0]) and got[1].equals(want[1])
    assert "disk full" in caplog.text
    assert list(snapshot.folder().iterdir()) == [snapshot.folder() / "build.lock"]  # no half-built folder


def test_a_build_whose_version_moved_during_the_read_is_not_kept(tmp_path):
    """The version read after the tables differs from the one before: a write committed between, and the
    tables may disagree; the build gives nothing and writes nothing."""
    import pyarrow as pa

    versions = iter([("t", 5), ("t", 6)])

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql):
            self.sql = sql

        def fetch_arrow_table(self):
            if "MIN(" in self.sql:
                return pa.table({"low": pa.array([None], pa.int64()), "high": pa.array([None], pa.int64())})
            if "registry_registryversion" in self.sql:
                token, version = next(versions)
                return pa.table({"token": [token], "version": [version]})
            return pa.table({"x": pa.array([], pa.int64())})

    class Connection(Cursor):
        def cursor(self):
            return Cursor()

    assert columnar._build("fupin.registry.snapshot_source", "postgresql", Connection, tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_build_that_met_a_write_is_read_again(store, monkeypatch):
    real, calls = columnar.build, []

    def first_meets_a_write(source, out):
        calls.append(out)
        if len(calls) == 1:
            HouseholdYear.objects.update(status="returned")  # committed while the first read ran
            return None
        return real(source, out)

    monkeypatch.setattr(columnar, "build", first_meets_a_write)
    hy, _ = registry_frames()
    assert len(calls) == 2 and not calls[0].exists()
    assert set(hy["status"]) == {"returned"}
    token, version = snapshot.current()
    assert snapshot_folders() == [f"{token}-{version}"]


def test_a_restored_store_gets_a_new_token_and_no_old_snapshot(store):
    registry_frames()
    token = snapshot.current()[0]
    snapshot.renew_token()
    assert snapshot.current()[0] != token
    assert snapshot_folders() == []


def test_a_removed_version_row_is_made_again_with_a_new_token(store):
    token = snapshot.current()[0]
    RegistryVersion.objects.all().delete()  # a flushed database
    assert snapshot.current()[0] != token
    hy, _ = registry_frames()
    assert hy.height == 4


def test_the_statistics_reads_of_household_years_come_from_the_snapshot_too(store, monkeypatch):
    from fupin.reports import selectors as rs

    tree, _ = store
    reads = {
        "one year": lambda: rs.household_years(tree.town_a.code[:9], 2024),
        "up to a year": lambda: rs.household_years_to("", 2024),
        "incomes": lambda: rs.household_incomes("", 2023, 2024),
    }
    registry_frames()  # the snapshot exists: no store read below
    for name, read in reads.items():
        monkeypatch.setattr(columnar, "build", lambda *a: pytest.fail("read the store"))
        got = read()
        monkeypatch.setattr(snapshot, "enabled", lambda: False)
        want = read()
        monkeypatch.undo()
        assert got.schema == want.schema, name
        assert got.sort(got.columns).equals(want.sort(want.columns)), name
        assert got.height > 0, name
