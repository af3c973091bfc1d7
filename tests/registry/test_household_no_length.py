"""A household number longer than its column (32 characters) is refused by the one validation path, with
the field, zh and en, and nothing is saved: PostgreSQL refused it on insert (value too long: a 500 on the
API and an import) while SQLite kept it."""

import openpyxl
from factories import api_client, user
from test_api_households import new_household
from test_import_households import good_rows

from fupin.cli import main
from fupin.registry.models import Household

LONG_NO = "5205260012010001" + "9" * 17  # 33 characters


def test_api_household_number_too_long_is_422_and_saves_nothing(tree):
    a = api_client(user("system_admin", None))
    body = new_household(tree, LONG_NO)
    r = a.post("/api/registry/households", body, content_type="application/json")
    assert r.status_code == 422, r.content
    items = [i for i in r.json()["detail"] if i["field"] == "household_no"]
    assert items and items[0]["code"] == "text.too_long"
    assert "32" in items[0]["message"]["zh"] and "32" in items[0]["message"]["en"]
    assert not Household.objects.exists()


def test_import_household_number_too_long_is_rejected_and_saves_nothing(tree, tmp_path, write_xlsx, capsys):
    households, members = good_rows()
    first = households[0]["household_no"]
    households[0]["household_no"] = LONG_NO
    for m in members:
        if m["household_no"] == first:
            m["household_no"] = LONG_NO
    path = write_xlsx(tmp_path / "long.xlsx", households, members)
    assert main(["import", "households", str(path)]) == 1
    capsys.readouterr()
    problems = openpyxl.load_workbook(tmp_path / "long-errors.xlsx")["问题"]
    text = " ".join(str(v) for row in problems.iter_rows(values_only=True) for v in row if v is not None)
    assert "户编号过长（最多 32 个字符）" in text and "Household number is too long (at most 32" in text
    assert not Household.objects.exists()


def test_the_columns_length_is_the_models():
    from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

    for columns in (HOUSEHOLD_COLUMNS, MEMBER_COLUMNS):
        [column] = [c for c in columns if c.key == "household_no"]
        assert column.max_length == Household._meta.get_field("household_no").max_length
