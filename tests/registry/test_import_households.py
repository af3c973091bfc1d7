"""The household import end to end: real xlsx/csv/zip files, the real validator and store."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from factories import id_number, region_tree, user

from fupin.registry.importer import import_households
from fupin.registry.models import Change, Household, HouseholdYear, ImportBatch, Member, Membership

VA, VB = "520526001201", "520526002201"  # village_a (town a), village_b (town b)
TITLE = "威宁县石板村建档立卡贫困户信息采集表"


def ids():
    """Valid IDs used by the fixtures, named by role."""
    return {
        "g1_head": id_number("520526", date(1970, 5, 1), True, seq=11),
        "g1_wife": id_number("520526", date(1972, 3, 2), False, seq=12),
        "g1_son": id_number("520526", date(1980, 1, 1), True, seq=13),
        "g2_head": id_number("520526", date(1965, 8, 8), False, seq=21),
        "g2_girl": id_number("520526", date(2010, 6, 1), False, seq=22),
        "b3_wife": id_number("520526", date(1975, 1, 1), False, seq=31),
        "b3_son": id_number("520526", date(2001, 1, 1), True, seq=32),
        "b4_head": id_number("520526", date(1960, 1, 1), True, seq=41),
        "b5_head": id_number("520526", date(1961, 2, 3), True, seq=51),
        "b6_head": id_number("520526", date(1962, 1, 1), True, seq=61),
        "b7_head": id_number("520526", date(1963, 1, 1), True, seq=71),
        "b8_head": id_number("520526", date(1964, 1, 1), True, seq=81),
        "b8_kid": id_number("520526", date(1995, 1, 1), True, seq=82),
    }


def hh(no, village=VA, **kw):
    row = {
        "household_no": no,
        "year": "2024",
        "region_code": village,
        "status": "未脱贫",
        "main_cause": "因病",
        "wage_income": "6000",
    }
    row.update(kw)
    return row


def mem(no, name, idn, relation, sex, **kw):
    return {"household_no": no, "name": name, "id_number": idn, "relation": relation, "sex": sex, **kw}


def good_rows(wage="1,200.50"):
    i = ids()
    households = [
        hh(
            "5205260012010001",
            wage_income=wage,
            business_income="１０００",
            transfer_income="300",
            business_cost="200",
            phone="13800138000",
        ),
        hh("5205260012010002", status="已脱贫(享受政策)", wage_income="8000"),
    ]
    members = [
        mem("5205260012010001", "张大山", i["g1_head"], "户主", "男"),
        mem("5205260012010001", "李秀英", i["g1_wife"], "配偶", "女"),
        mem(
            "5205260012010001", "张小山", i["g1_son"], "之子", "男", birth_date=29221
        ),  # 1980-01-01 as serial
        mem("5205260012010002", "王桂花", i["g2_head"], "户主", "女"),
        mem("5205260012010002", "王小花", i["g2_girl"], "之女", "女"),
    ]
    return households, members


def messy_rows():
    """The issue's workbook: 2 good households and 6 bad ones, a blank row in each sheet."""
    i = ids()
    households, members = good_rows()
    bad_no = [f"52052600120100{n:02d}" for n in range(3, 9)]
    households += [{}] + [hh(no) for no in bad_no]  # {} = a blank row
    members += [
        {},
        mem(bad_no[0], "赵妻", i["b3_wife"], "配偶", "女"),  # household 3 has no head
        mem(bad_no[0], "赵子", i["b3_son"], "之子", "男"),
        mem(bad_no[1], "钱四", i["b4_head"][:17] + ("0" if i["b4_head"][17] != "0" else "1"), "户主", "男"),
        mem(bad_no[2], "孙五", int(i["b5_head"][:17] + "0"), "户主", "男"),  # typed as a number
        mem(bad_no[3], "周六", i["b6_head"], "户主", "男"),
        mem(bad_no[4], "吴七", i["b7_head"], "户主", "男"),
        mem(bad_no[4], "周六", i["b6_head"], "之子", "男"),  # the same person in two households
        mem(bad_no[5], "郑八", i["b8_head"], "户主", "男"),
        mem(bad_no[5], "郑九", i["b8_kid"], "之女", "男"),  # relation says woman, ID says man
    ]
    return households, members


# Excel rows: title row 1, blank row 2, header row 3, data from row 4; a blank row after the good ones.
EXPECTED_ERRORS = {
    ("户", 7, "household.no_head"),  # 户: rows 4,5 good, 6 blank, 7..12 = households 3..8
    ("成员", 12, "id.checksum"),  # 成员: rows 4-8 good, 9 blank, 10-11 household 3, 12.. one per row
    ("成员", 13, "id.as_number"),
    ("成员", 14, "member.duplicate"),
    ("成员", 16, "member.duplicate"),
    ("成员", 18, "relation.sex"),
}


def _errors(batch):
    return {(p["sheet"], p["row"], p["rule"]) for p in batch.report["problems"] if p["severity"] == "error"}


def test_messy_workbook_rejected_as_a_whole(tree, tmp_path, write_xlsx):
    path = write_xlsx(tmp_path / "村.xlsx", *messy_rows(), title=TITLE)
    batch = import_households(path)
    assert batch.status == "rejected"
    assert _errors(batch) == EXPECTED_ERRORS
    assert Household.objects.count() == Member.objects.count() == Change.objects.count() == 0
    assert batch.report["counts"]["households_rejected"] == 6
    checksum = next(p for p in batch.report["problems"] if p["rule"] == "id.checksum")
    assert checksum["column"] == "证件号码" and "校验位" in checksum["message_zh"]
    assert "check digit" in checksum["message_en"]
    assert (tmp_path / "村-errors.xlsx").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == "rejected"


class Undone(Exception):
    pass


def test_errors_workbook_past_the_sheet_limit_lists_every_row_and_problem(
    tree, tmp_path, write_xlsx, monkeypatch
):
    from fupin.core import exports

    path = write_xlsx(tmp_path / "村.xlsx", *messy_rows(), title=TITLE)
    whole = tmp_path / "whole.xlsx"
    with pytest.raises(Undone), transaction.atomic():  # the same import again below, on the same registry
        import_households(path, skip_invalid=True, errors_path=whole)
        raise Undone
    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    cut = tmp_path / "cut.xlsx"
    import_households(path, skip_invalid=True, errors_path=cut)
    before, after = openpyxl.load_workbook(whole), openpyxl.load_workbook(cut)
    for name in before.sheetnames:
        expected = list(before[name].iter_rows(min_row=2, values_only=True))
        parts = [n for n in after.sheetnames if n == name or n.startswith(f"{name} (")]
        assert len(parts) == max(len(expected), 1)
        assert [r for n in parts for r in after[n].iter_rows(min_row=2, values_only=True)] == expected
        assert {after[n]["A1"].value for n in parts} == {before[name]["A1"].value}


def test_skip_invalid_saves_good_households_and_lists_the_rest(tree, tmp_path, write_xlsx):
    path = write_xlsx(tmp_path / "村.xlsx", *messy_rows(), title=TITLE)
    errors = tmp_path / "out" / "errs.xlsx"
    errors.parent.mkdir()
    batch = import_households(path, skip_invalid=True, errors_path=errors)
    assert batch.status == "done"
    assert sorted(Household.objects.values_list("household_no", flat=True)) == [
        "5205260012010001",
        "5205260012010002",
    ]
    c = batch.report["counts"]
    assert (c["households_created"], c["members_created"], c["years_created"]) == (2, 5, 2)
    assert c["households_rejected"] == 6

    h1 = Household.objects.get(household_no="5205260012010001")
    assert (h1.head_name, h1.size, h1.phone, h1.village_id) == ("张大山", 3, "13800138000", VA)
    y = HouseholdYear.objects.get(household=h1, year=2024)
    assert y.wage_income == Decimal("1200.50") and y.business_income == Decimal("1000.00")
    assert y.net_income == Decimal("2300.50")  # 1200.50 + 1000 + 300 − 200
    assert y.net_income_per_capita == Decimal("766.83") and y.size == 3
    son = Member.objects.get(name="张小山")
    assert son.birth_date == date(1980, 1, 1) and son.sex == "1" and son.relation == "son"
    assert Membership.objects.filter(member=son, start_reason="registered", end_date=None).count() == 1
    assert Change.objects.filter(batch=batch).count() == 2  # one per created household
    created = Change.objects.get(entity="household", household=h1)
    assert created.action == "create" and created.after["head_name"] == "张大山"
    assert created.reason == "导入 / import 村.xlsx" and created.before is None
    assert created.entity_id == str(h1.pk)
    assert created.after["years"] == [
        {
            "year": 2024,
            "household_type": "",
            "status": "poor",
            "poverty_type": "",
            "standard": "",
            "main_cause": "illness",
            "other_causes": "",
            "identified_year": None,
            "exit_year": None,
            "housing_grade": "",
            "water_safe": None,
            "wage_income": "1200.50",
            "business_income": "1000.00",
            "property_income": "0.00",
            "transfer_income": "300.00",
            "business_cost": "200.00",
            "out_of_pocket": "0.00",
            "size": 3,
            "net_income": "2300.50",
            "net_income_per_capita": "766.83",
        }
    ]
    assert [(m["name"], m["relation"], m["birth_date"]) for m in created.after["members"]] == [
        ("张大山", "head", "1970-05-01"),
        ("李秀英", "spouse", "1972-03-02"),
        ("张小山", "son", "1980-01-01"),
    ]
    assert created.after["members"][0]["id_number"] == ids()["g1_head"]

    wb = openpyxl.load_workbook(errors)
    rows = list(wb["户"].iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and rows[0][-1] == "错误/errors"
    assert [r[0] for r in rows[1:]] == [f"52052600120100{n:02d}" for n in range(3, 9)]
    assert "户主" in rows[1][-1]  # household 3: no head
    members = list(wb["成员"].iter_rows(values_only=True))
    assert len(members) == 1 + 9
    by_name = {r[1]: r[-1] for r in members[1:]}
    assert "校验位" in by_name["钱四"] and "check digit" in by_name["钱四"]
    assert "文本" in by_name["孙五"]
    assert "之女" not in by_name["郑九"] and "女性" in by_name["郑九"]
    problems = list(wb["问题"].iter_rows(values_only=True))
    assert {(r[0], r[1], r[5]) for r in problems[1:] if r[6] == "error"} == EXPECTED_ERRORS


def test_reimport_changes_nothing(tree, tmp_path, write_xlsx):
    path = write_xlsx(tmp_path / "good.xlsx", *good_rows())
    first = import_households(path)
    assert first.status == "done"
    n_changes, n_periods = Change.objects.count(), Membership.objects.count()
    second = import_households(path)
    assert second.status == "done"
    c = second.report["counts"]
    assert (c["households_unchanged"], c["members_unchanged"], c["years_unchanged"]) == (2, 5, 2)
    assert (
        c["households_created"] == c["households_updated"] == c["members_updated"] == c["years_updated"] == 0
    )
    assert Change.objects.count() == n_changes and Membership.objects.count() == n_periods


def test_updated_amount_creates_one_change_with_before_and_after(tree, tmp_path, write_xlsx):
    import_households(write_xlsx(tmp_path / "a.xlsx", *good_rows()))
    batch = import_households(write_xlsx(tmp_path / "b.xlsx", *good_rows(wage="2,000")))
    changes = list(Change.objects.filter(batch=batch))
    assert len(changes) == 1
    ch = changes[0]
    assert (ch.action, ch.entity) == ("update", "household_year")
    assert ch.before == {"wage_income": "1200.50", "net_income": "2300.50", "net_income_per_capita": "766.83"}
    assert ch.after == {"wage_income": "2000.00", "net_income": "3100.00", "net_income_per_capita": "1033.33"}
    y = HouseholdYear.objects.get(household__household_no="5205260012010001", year=2024)
    assert y.wage_income == Decimal("2000.00") and str(ch.entity_id) == str(y.pk)


def test_members_absent_from_the_file_stay(tree, tmp_path, write_xlsx):
    import_households(write_xlsx(tmp_path / "a.xlsx", *good_rows()))
    households, members = good_rows()
    members = [m for m in members if m["name"] != "张小山"]
    batch = import_households(write_xlsx(tmp_path / "b.xlsx", households, members))
    assert batch.status == "done"
    assert Member.objects.filter(name="张小山", household__household_no="5205260012010001").exists()
    assert Household.objects.get(household_no="5205260012010001").size == 3


def test_a_member_joining_a_stored_household_needs_no_household_row(tree, tmp_path, write_xlsx):
    import_households(write_xlsx(tmp_path / "a.xlsx", *good_rows()))
    newborn = id_number("520526", date(2024, 3, 3), True, seq=91)
    header_only = [{k: None for k in hh("x")}]
    batch = import_households(
        write_xlsx(
            tmp_path / "b.xlsx", header_only, [mem("5205260012010001", "张小宝", newborn, "之孙子", "男")]
        )
    )
    assert batch.status == "done", batch.report
    assert batch.report["counts"]["members_created"] == 1
    baby = Member.objects.get(id_number=newborn)
    assert baby.household.household_no == "5205260012010001"
    assert Household.objects.get(household_no="5205260012010001").size == 4
    assert Membership.objects.filter(member=baby, start_reason="registered", end_date=None).count() == 1
    assert Change.objects.get(batch=batch, entity="member").after["name"] == "张小宝"


def _natural_rows() -> dict[str, set]:
    """The registry by natural keys (no surrogate ids), to compare imports made on different paths."""
    return {
        "households": set(
            Household.objects.values_list("household_no", "village_id", "size", "head_name", "phone")
        ),
        "years": set(
            HouseholdYear.objects.values_list(
                "household__household_no", "year", "status", "net_income", "net_income_per_capita", "size"
            )
        ),
        "members": set(
            Member.objects.values_list(
                "id_number", "household__household_no", "name", "relation", "sex", "birth_date"
            )
        ),
        "memberships": set(
            Membership.objects.values_list(
                "member__id_number", "household__household_no", "start_reason", "end_date"
            )
        ),
        "changes": {
            (c.action, c.entity, c.household.household_no, str(c.before), str(c.after))
            for c in Change.objects.select_related("household")
        },
    }


def _report(batch):
    r = dict(batch.report)
    return {k: r[k] for k in ("counts", "problems", "problems_total")}


def test_small_blocks_and_parts_of_one_household_import_the_same(tree, tmp_path, write_xlsx, monkeypatch):
    """The importer reads a chunk at a time and saves a part of whole households at a time: cutting the
    file into 64-byte blocks and the save into one-household parts changes neither the report, nor the
    errors workbook, nor a single row."""
    from fupin.core import xlsx
    from fupin.registry import import_checks

    path = write_xlsx(tmp_path / "村.xlsx", *messy_rows(), title=TITLE)
    whole = import_households(path, skip_invalid=True, errors_path=tmp_path / "e1.xlsx")
    expected, rows = _report(whole), _natural_rows()
    for model in (Change, Membership, Member, HouseholdYear, Household):
        model.objects.all().delete()

    monkeypatch.setattr(xlsx, "BLOCK_BYTES", 64)
    monkeypatch.setattr(import_checks, "PART_HOUSEHOLDS", 1)
    spilled = []
    real_add = import_checks.Spill.add_typed
    monkeypatch.setattr(
        import_checks.Spill,
        "add_typed",
        lambda self, sheet, f: spilled.append(f.height) or real_add(self, sheet, f),
    )
    cut = import_households(path, skip_invalid=True, errors_path=tmp_path / "e2.xlsx")
    assert len(spilled) > 10  # many chunks
    assert _report(cut) == expected and _natural_rows() == rows
    sheets = [
        [list(ws.iter_rows(values_only=True)) for ws in openpyxl.load_workbook(f)]
        for f in (tmp_path / "e1.xlsx", tmp_path / "e2.xlsx")
    ]
    assert sheets[0] == sheets[1]


@pytest.mark.django_db(transaction=True)
def test_the_staged_writer_imports_parts_the_same_as_one_save(tmp_path, write_xlsx, monkeypatch):
    """On SQLite, outside any transaction, the parts go through one stage file (writers.StagedWriter)."""
    from django.conf import settings
    from django.db import connection

    from fupin.registry import import_checks, writers

    if connection.vendor != "sqlite":
        pytest.skip("the staging fast path is SQLite's")
    region_tree()
    monkeypatch.setattr(writers, "STAGE_MIN_ROWS", 0)
    staged = []
    real_drain = writers.StagedWriter.drain
    monkeypatch.setattr(
        writers.StagedWriter, "drain", lambda self: staged.append(len(self._files)) or real_drain(self)
    )
    path = write_xlsx(tmp_path / "村.xlsx", *messy_rows(), title=TITLE)
    whole = import_households(path, skip_invalid=True)
    expected, rows = _report(whole), _natural_rows()
    for model in (Change, Membership, Member, HouseholdYear, Household):
        model.objects.all().delete()
    monkeypatch.setattr(import_checks, "PART_HOUSEHOLDS", 1)
    cut = import_households(path, skip_invalid=True)
    assert staged == [1, 2]  # one part, then the two good households a part each
    assert _report(cut) == expected and _natural_rows() == rows
    assert not list((settings.FUPIN_HOME / "tmp").iterdir()), list(
        (settings.FUPIN_HOME / "tmp").iterdir()
    )  # the scratch folders are gone


def test_scratch_folder_is_removed_whatever_the_outcome(tree, tmp_path, write_xlsx, monkeypatch):

    from fupin.registry import importer

    made = []
    real_init = importer.Spill.__init__
    monkeypatch.setattr(importer.Spill, "__init__", lambda self: real_init(self) or made.append(self.dir))
    assert import_households(write_xlsx(tmp_path / "bad.xlsx", *messy_rows())).status == "rejected"
    assert import_households(write_xlsx(tmp_path / "good.xlsx", *good_rows())).status == "done"
    broken = tmp_path / "broken.xlsx"
    many = [f"52052600120200{n:02d}" for n in range(40)]  # more rows than the header search reads
    src = write_xlsx(
        tmp_path / "src.xlsx",
        [hh(no) for no in many],
        [
            mem(no, "某", id_number("520526", date(1970, 1, 1), True, seq=100 + i), "户主", "男")
            for i, no in enumerate(many)
        ],
    )
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(broken, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            cut = data[: data.rindex(b"<row") + 20] if info.filename.endswith("sheet2.xml") else data
            out.writestr(info, cut)  # the member sheet ends inside its last row
    from fupin.core import xlsx

    monkeypatch.setattr(xlsx, "BLOCK_BYTES", 256)  # the header is found first, the damage while checking
    batch = import_households(broken)
    assert batch.status == "rejected" and batch.report["bad_file"]
    assert "damaged" in batch.report["message_en"] and "成员" in batch.report["message_zh"]
    assert len(made) == 3 and not any(d.exists() for d in made)
    assert Household.objects.count() == 2  # the good file only


def _write_csv(path, rows):
    keys = list(dict.fromkeys(k for r in rows for k in r))
    from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_MEMBER_COLUMNS

    zh = {c.key: c.zh for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS)}
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow([zh[k] for k in keys])
        for r in rows:
            w.writerow(["" if r.get(k) is None else str(r.get(k)) for k in keys])


def _csv_rows():
    households, members = good_rows()
    members = [{k: v for k, v in m.items() if k != "birth_date"} for m in members]
    return households, members


def test_csv_folder_and_zip(tree, tmp_path):
    households, members = _csv_rows()
    folder = tmp_path / "村数据"
    folder.mkdir()
    _write_csv(folder / "户.csv", households)
    _write_csv(folder / "成员.csv", members)
    batch = import_households(folder)
    assert batch.status == "done", batch.report
    assert batch.report["counts"]["members_created"] == 5

    z = tmp_path / "村数据.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(folder / "户.csv", "户.csv")
        zf.write(folder / "成员.csv", "data/成员.csv")
    again = import_households(z)
    assert again.status == "done"
    assert again.report["counts"]["members_unchanged"] == 5 and again.report["counts"]["members_created"] == 0


def test_zip_without_member_file_is_a_bad_file(tree, tmp_path):
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("户.csv", "户编号\n1\n")
    batch = import_households(z)
    assert batch.status == "rejected" and batch.report["bad_file"]
    assert "成员.csv" in batch.report["message_zh"] and "成员.csv" in batch.report["message_en"]


def test_missing_sheet_and_column_are_one_clear_message(tree, tmp_path, write_xlsx):
    households, members = good_rows()
    path = write_xlsx(
        tmp_path / "nocol.xlsx",
        [{k: v for k, v in h.items() if k != "region_code"} for h in households],
        members,
    )
    batch = import_households(path)
    assert batch.status == "rejected" and batch.report["bad_file"]
    assert "行政区划代码" in batch.report["message_zh"] and "region_code" in batch.report["message_en"]
    assert Household.objects.count() == 0


def test_year_option_fills_missing_year(tree, tmp_path, write_xlsx):
    households, members = good_rows()
    households = [{k: v for k, v in h.items() if k != "year"} for h in households]
    batch = import_households(write_xlsx(tmp_path / "y.xlsx", households, members), year=2023)
    assert batch.status == "done", batch.report
    assert sorted(HouseholdYear.objects.values_list("year", flat=True)) == [2023, 2023]


def test_village_operator_cannot_import_into_another_village(tree, tmp_path, write_xlsx):
    operator = user("village_operator", tree.village_b)
    path = write_xlsx(tmp_path / "a.xlsx", *good_rows())  # both households are in village_a
    batch = import_households(path, user=operator, skip_invalid=True)
    assert Household.objects.count() == Member.objects.count() == 0
    scope = [p for p in batch.report["problems"] if p["rule"] == "scope.region"]
    assert {p["row"] for p in scope} == {2, 3}
    assert scope[0]["message_zh"] == "该村不在您的管辖范围内"
    assert batch.report["counts"]["households_rejected"] == 2
    assert batch.user == operator


def test_village_operator_imports_into_own_village(tree, tmp_path, write_xlsx):
    operator = user("village_operator", tree.village_a)
    batch = import_households(write_xlsx(tmp_path / "a.xlsx", *good_rows()), user=operator)
    assert batch.status == "done"
    assert Change.objects.filter(user=operator).count() == 2  # one per created household


def test_progress_is_reported_and_recorded(tree, tmp_path, write_xlsx):
    seen = []
    batch = import_households(
        write_xlsx(tmp_path / "a.xlsx", *good_rows()), progress=lambda s, d, t: seen.append((s, d, t))
    )
    stages = list(dict.fromkeys(s for s, _, _ in seen))
    assert stages == ["read", "validate", "save", "commit"]
    checked = [(d, t) for s, d, t in seen if s == "validate"]
    assert checked[-1] == (7, 7) and all(d <= t for d, t in checked)  # 2 household rows + 5 member rows
    assert [(d, t) for s, d, t in seen if s == "save"][-1] == (7, 7) and seen[-1] == ("commit", 7, 7)
    b = ImportBatch.objects.get(pk=batch.pk)
    assert (b.stage, b.done_rows, b.total_rows, b.status) == ("commit", 7, 7, "done")
    assert b.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_background_job_runs_a_stored_upload(tmp_path, write_xlsx):
    from factories import region_tree

    from fupin.registry.jobs import start_import

    region_tree()
    path = write_xlsx(tmp_path / "up.xlsx", *good_rows())
    batch = ImportBatch.objects.create(filename="up.xlsx", path=str(path))
    start_import(batch.pk).join(60)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.report["counts"]["households_created"] == 2
    assert Household.objects.count() == 2


def test_read_ahead_stops_reading_when_the_import_stops():
    from fupin.registry.reading import read_ahead

    read = []

    def chunks():
        for i in range(100):
            read.append(i)
            yield i

    ahead = read_ahead(chunks())
    assert [next(ahead), next(ahead)] == [0, 1]
    ahead.close()  # the import failed or ended early
    assert len(read) <= 4  # at most a chunk or two ahead, not the rest of the file

    def broken():
        yield 1
        raise ValueError("damaged")

    ahead = read_ahead(broken())
    assert next(ahead) == 1
    with pytest.raises(ValueError, match="damaged"):
        next(ahead)
