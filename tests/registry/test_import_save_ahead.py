"""A large import on PostgreSQL saves its first parts while its members are still being checked, and keeps
them only if the checks end with no error and every part was whole when it was saved."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import polars as pl
import pytest
from django.db import connection
from factories import id_number, region_tree

from fupin.registry import bulk, import_checks, importer, save_ahead, validation, writers
from fupin.registry.importer import import_frames
from fupin.registry.models import Change, Household, ImportBatch, Member, Membership

pytestmark = pytest.mark.django_db(transaction=True)  # the save ahead runs on a connection of its own
HOUSEHOLDS = 12  # six parts of two households, members read four rows at a time


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(import_checks, "PART_HOUSEHOLDS", 2)
    monkeypatch.setattr(importer, "FRAME_CHUNK_ROWS", 4)
    handed: list[int] = []
    hand_over = save_ahead.SaveAhead.hand_over

    def spy(self, upto: int) -> None:
        handed.append(upto)
        hand_over(self, upto)

    monkeypatch.setattr(save_ahead.SaveAhead, "hand_over", spy)
    return handed


def sheets(village: str) -> tuple[list[dict], list[dict]]:
    """HOUSEHOLDS households of a head and a spouse, the members in the order of the 户 sheet."""
    households, members = [], []
    for n in range(HOUSEHOLDS):
        no = f"{village}{n + 1:04d}"
        households.append({"household_no": no, "year": "2024", "region_code": village, "status": "未脱贫"})
        born = date(1960, 1, 1) + timedelta(days=n)
        members.append(_member(no, f"户主{n}", id_number("520526", born, True, seq=1), "户主", "男"))
        members.append(_member(no, f"配偶{n}", id_number("520526", born, False, seq=2), "配偶", "女"))
    return households, members


def _member(no: str, name: str, idn: str, relation: str, sex: str) -> dict:
    return {"household_no": no, "name": name, "id_number": idn, "relation": relation, "sex": sex}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row"))


def run(households, members, tmp_path, **kw) -> ImportBatch:
    return import_frames(
        frame(households), frame(members), filename="村.xlsx", errors_path=tmp_path / "e.xlsx", **kw
    )


def saved_once(members: list[dict]) -> None:
    """Every household and member of the file is in the store once, with one membership each and the
    household's one history row."""
    numbers = {m["household_no"] for m in members}
    assert Household.objects.count() == len(numbers)
    assert Member.objects.count() == Membership.objects.count() == len(members)
    assert Change.objects.filter(entity="household", action="create").count() == len(numbers)
    assert Change.objects.count() == len(numbers)
    sizes = pl.DataFrame(members).group_by("household_no").len()
    stored = dict(Household.objects.values_list("household_no", "size"))
    assert stored == dict(sizes.iter_rows())


def test_a_large_import_is_saved_while_its_members_are_checked(small_parts, tmp_path, monkeypatch):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    seen_by_others: list[int] = []
    check = validation.check_members

    def checking(raw, ctx, problems):  # what another session sees while the save runs ahead
        seen_by_others.append(Household.objects.count())
        return check(raw, ctx, problems)

    monkeypatch.setattr(import_checks.validation, "check_members", checking)
    batch = run(households, members, tmp_path)
    assert batch.status == "done", batch.report
    saved_once(members)
    assert batch.report["counts"]["households_created"] == HOUSEHOLDS
    assert batch.report["counts"]["members_created"] == len(members)
    if connection.vendor == "postgresql":
        # each chunk of members (one part) hands over the part before it; the end hands over the rest
        assert small_parts == [0, 1, 2, 3, 4, 5, 6]
    else:
        assert small_parts == []  # SQLite saves after the checks, in the importer's transaction
    assert set(seen_by_others) == {0}  # nothing is visible before the commit
    assert not [t for t in threading.enumerate() if t.name == "fupin-save-ahead"]


def test_a_member_after_its_saved_part_makes_the_import_save_again_from_the_start(small_parts, tmp_path):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    late = _member(
        households[0]["household_no"], "之子", id_number("520526", date(1990, 1, 1), seq=3), "之子", "男"
    )
    batch = run(households, [*members, late], tmp_path)
    assert batch.status == "done", batch.report
    saved_once([*members, late])
    assert Household.objects.get(household_no=households[0]["household_no"]).size == 3


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_an_error_in_the_last_members_rolls_back_what_was_saved_ahead(small_parts, tmp_path, skip_invalid):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    bad = members[-1]["id_number"]
    members[-1]["id_number"] = bad[:17] + ("0" if bad[17] != "0" else "1")  # a wrong check digit
    batch = run(households, members, tmp_path, skip_invalid=skip_invalid)
    if connection.vendor == "postgresql":
        assert small_parts  # parts were saved ahead before the error was found
    if not skip_invalid:
        assert batch.status == "rejected"
        assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    else:
        assert batch.status == "done"
        saved_once(members[:-2])  # the last household is left out, the others saved once


def test_a_failure_while_checking_leaves_nothing_saved_ahead(small_parts, tmp_path, monkeypatch):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    check, calls = validation.check_members, []

    def failing(raw, ctx, problems):
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full")
        return check(raw, ctx, problems)

    monkeypatch.setattr(import_checks.validation, "check_members", failing)
    with pytest.raises(OSError):
        run(households, members, tmp_path)
    if connection.vendor == "postgresql":
        assert small_parts == [0, 1, 2]  # three chunks checked, two parts saved ahead
    assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    assert ImportBatch.objects.get().status == "failed"
    assert not [t for t in threading.enumerate() if t.name == "fupin-save-ahead"]


def test_a_save_that_fails_while_running_ahead_fails_the_import(small_parts, tmp_path, monkeypatch):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    write, calls = bulk._write, []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("no space left on device")
        return write(*args, **kw)

    monkeypatch.setattr(bulk, "_write", failing)
    with pytest.raises(OSError):
        run(households, members, tmp_path)
    assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    assert ImportBatch.objects.get().status == "failed"
    assert not [t for t in threading.enumerate() if t.name == "fupin-save-ahead"]


def test_a_commit_that_fails_after_the_last_part_fails_the_import(small_parts, tmp_path, monkeypatch):
    """The error comes after the importer's last word to the saving thread: it must not wait for another."""
    tree = region_tree()
    households, members = sheets(tree.village_a.code)

    def failing(self):
        raise OSError("could not write to file")

    monkeypatch.setattr(writers.PipelinedWriter, "drain", failing)
    monkeypatch.setattr(writers.StagedWriter, "drain", failing)
    monkeypatch.setattr(writers.BoundWriter, "drain", failing)
    with pytest.raises(OSError):
        run(households, members, tmp_path)
    assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    assert ImportBatch.objects.get().status == "failed"


def test_importing_the_same_file_again_saved_ahead_changes_nothing(small_parts, tmp_path):
    tree = region_tree()
    households, members = sheets(tree.village_a.code)
    assert run(households, members, tmp_path).status == "done"
    changes = Change.objects.count()
    again = run(households, members, tmp_path)
    assert again.status == "done"
    counts = again.report["counts"]
    assert (counts["households_unchanged"], counts["members_unchanged"]) == (HOUSEHOLDS, len(members))
    assert counts["households_created"] == counts["members_created"] == counts["changes"] == 0
    assert Change.objects.count() == changes
    saved_once(members)
