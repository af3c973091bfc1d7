"""The one validation path, exercised directly on all-string frames (no store needed)."""

from datetime import date

import polars as pl
import pytest
from factories import id_number

from fupin.registry.validation import Context, problem_lines, validate

VILLAGE = "520526001201"
HEAD = id_number("520526", date(1980, 1, 1), male=True, seq=1)
WIFE = id_number("520526", date(1982, 2, 2), male=False, seq=2)
SON = id_number("520526", date(2010, 6, 1), male=True, seq=3)


def frames(hh_rows, mm_rows):
    return pl.DataFrame(hh_rows).cast(pl.String), pl.DataFrame(mm_rows).cast(pl.String)


def good_household(**over):
    return {
        "household_no": "H1",
        "year": "2024",
        "region_code": VILLAGE,
        "status": "未脱贫",
        "household_type": "贫困户",
        "main_cause": "因病",
        "wage_income": "6000",
    } | over


def good_members():
    return [
        {"household_no": "H1", "name": "张三", "id_number": HEAD, "relation": "户主", "sex": "男"},
        {"household_no": "H1", "name": "李四", "id_number": WIFE, "relation": "配偶", "sex": "女"},
        {"household_no": "H1", "name": "张小", "id_number": SON, "relation": "之子"},
    ]


def run(hh_rows, mm_rows, **ctx):
    hh, mm = frames(hh_rows, mm_rows)
    return validate(hh, mm, Context(villages={VILLAGE}, today=date(2026, 11, 23), **ctx))


def rules(v):
    return sorted(zip(v.problems["sheet"], v.problems["row"], v.problems["rule"], strict=True))


def test_clean_household_passes_and_is_typed():
    v = run([good_household(wage_income="1,200.50", other_causes="缺技术、缺资金")], good_members())
    assert v.ok, problem_lines(v.problems)
    row = v.households.row(0, named=True)
    assert row["status"] == "poor" and row["main_cause"] == "illness"
    assert row["wage_income"] == 1200.5
    assert row["other_causes"] == "no_skill,no_capital"
    son = v.members.filter(pl.col("name") == "张小").row(0, named=True)
    assert son["sex"] == "1" and son["birth_date"] == date(2010, 6, 1)  # derived from the ID


def test_full_width_digits_and_spaces_are_accepted():
    full = HEAD.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    members = good_members()
    members[0]["id_number"] = f"\u3000{full} "
    v = run([good_household(year="２０２４")], members)
    assert v.ok, problem_lines(v.problems)
    assert v.members["id_number"][0] == HEAD


def test_wrong_checksum_names_the_expected_digit():
    bad = HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1")
    members = good_members()
    members[0]["id_number"] = bad
    v = run([good_household()], members)
    assert rules(v) == [("成员", 2, "id.checksum")]
    assert f"应为{HEAD[-1]}" in v.problems["message_zh"][0]
    assert v.rejected == {"H1"}


def test_id_typed_as_number_is_explained():
    members = good_members()
    members[1]["id_number"] = "5.20526198202020E+17"
    members[2]["id_number"] = SON[:15] + "000"
    v = run([good_household()], members)
    assert [r for r in rules(v) if r[2] == "id.as_number"] == [
        ("成员", 3, "id.as_number"),
        ("成员", 4, "id.as_number"),
    ]
    assert "文本格式" in v.problems["message_zh"][0] and "as text" in v.problems["message_en"][0]


def test_fifteen_digit_id_is_upgraded():
    old = HEAD[:6] + HEAD[8:17]  # 15-digit form: no century, no check digit
    members = good_members()
    members[0]["id_number"] = old
    v = run([good_household()], members)
    assert v.ok, problem_lines(v.problems)
    assert v.members["id_number"][0] == HEAD


def test_sex_and_birth_date_checked_against_id():
    members = good_members()
    members[1]["sex"] = "男"
    members[1]["birth_date"] = "29283"  # Excel serial for 1980-03-03; the ID says 1982-02-02
    v = run([good_household()], members)
    assert ("成员", 3, "sex.id_mismatch") in rules(v)
    assert ("成员", 3, "birth.id_mismatch") in rules(v)
    value = v.problems.filter(pl.col("rule") == "birth.id_mismatch")["value"][0]
    assert value == "29283"  # the value as typed


def test_excel_serial_birth_date_that_matches_is_accepted():
    members = good_members()
    members[0]["birth_date"] = "29221"  # 1980-01-01
    assert run([good_household()], members).ok


def test_relation_contradicting_sex():
    members = good_members()
    members[2]["relation"] = "之女"  # the ID says male
    v = run([good_household()], members)
    assert rules(v) == [("成员", 4, "relation.sex")]


def test_household_without_head_and_with_two_heads():
    members = good_members()
    members[0]["relation"] = "之父"
    v = run([good_household()], members)
    assert rules(v) == [("户", 2, "household.no_head")]
    members = good_members()
    members[1]["relation"] = "户主"
    v = run([good_household()], members)
    assert [r[2] for r in rules(v)].count("household.many_heads") == 2


def test_person_in_two_households():
    members = good_members() + [{"household_no": "H2", "name": "张三", "id_number": HEAD, "relation": "户主"}]
    v = run([good_household(), good_household(household_no="H2")], members)
    dup = v.problems.filter(pl.col("rule") == "member.duplicate")
    assert dup["row"].to_list() == [2, 5]
    assert "H1、H2" in dup["message_zh"][0]
    assert v.rejected == {"H1", "H2"}


def test_person_already_in_another_household_in_the_store():
    existing = pl.DataFrame({"id_number": [SON], "household_no": ["H9"], "in_scope": [True]})
    v = run([good_household()], good_members(), existing_members=existing)
    assert rules(v) == [("成员", 4, "member.other_household")]
    assert "H9" in v.problems["message_zh"][0]
    # a household outside the user's region is not named
    v = run([good_household()], good_members(), existing_members=existing.with_columns(in_scope=False))
    assert rules(v) == [("成员", 4, "member.other_household")]
    assert "H9" not in v.problems["message_zh"][0] + v.problems["message_en"][0]


def test_unknown_codes_bad_amounts_and_phone():
    v = run([good_household(status="不知道", wage_income="12元5角", phone="12345")], good_members())
    assert rules(v) == [("户", 2, "code.unknown"), ("户", 2, "number.invalid"), ("户", 2, "phone.invalid")]


def test_village_outside_scope_and_unknown_village():
    v = run(
        [good_household(region_code="520526002201")], good_members(), out_of_scope_villages={"520526002201"}
    )
    assert rules(v) == [("户", 2, "scope.region")]
    v = run([good_household(region_code="520526009999")], good_members())
    assert rules(v) == [("户", 2, "region.unknown")]


def test_member_of_missing_household_and_household_without_members():
    members = good_members() + [
        {"household_no": "H7", "name": "王五", "id_number": id_number(seq=40), "relation": "户主"}
    ]
    v = run([good_household(), good_household(household_no="H3")], members)
    assert ("成员", 5, "member.no_household") in rules(v)
    assert ("户", 3, "household.no_members") in rules(v)


def test_year_filled_from_option_and_duplicate_year_rows():
    v = validate(*frames([good_household(year=None)], good_members()), Context(villages={VILLAGE}), year=2023)
    assert v.ok and v.households["year"][0] == 2023
    v = run([good_household(), good_household()], good_members())
    assert [r[2] for r in rules(v)] == ["household.duplicate_year", "household.duplicate_year"]


@pytest.mark.parametrize("value", ["2024-03-05", "2024/3/5", "2024年3月5日", "20240305", "45356"])
def test_date_spellings(value):
    members = good_members()
    members[2]["id_number"] = id_number("520526", date(2024, 3, 5), male=True, seq=77)
    members[2]["birth_date"] = value
    assert run([good_household()], members).ok


def test_stored_head_counts_for_an_existing_household():
    stored = pl.DataFrame({"household_no": ["H1"], "id_number": [HEAD]})
    new_head = {"household_no": "H1", "name": "张二", "id_number": id_number(seq=90), "relation": "户主"}
    v = run([], [new_head], existing_households={"H1"}, existing_heads=stored)
    assert rules(v) == [("成员", 2, "household.many_heads")]
    # correcting the stored head's own row is not a second head
    v = run([], [good_members()[0]], existing_households={"H1"}, existing_heads=stored)
    assert v.ok, problem_lines(v.problems)
    # demoting the only head leaves the household without one
    demoted = good_members()[0] | {"relation": "之父"}
    v = run([], [demoted], existing_households={"H1"}, existing_heads=stored)
    assert rules(v) == [("成员", 2, "household.no_head")]


def test_digit_of_another_script_is_not_an_id_digit():
    # '٣' (Arabic-Indic three) is a digit to Unicode and stays one after NFKC; an ID number has ASCII digits.
    body = HEAD[:15] + "٣" + HEAD[16]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    # the check character the other 16 digits alone would give: what a sum that skips the odd digit finds
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True) if d != "٣") % 11]
    members = good_members()
    members[0]["id_number"] = body + check
    v = run([good_household()], members)
    assert ("成员", 2, "id.shape") in rules(v)
    assert v.rejected == {"H1"}
