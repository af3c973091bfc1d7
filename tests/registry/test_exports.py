"""Exports of the household list: scope, masking, Chinese headers, the members sheet, the log, the 403."""

import io

import polars as pl
import pytest
from factories import household, user

from fupin.accounts.models import ExportLog
from fupin.registry.models import Member


@pytest.fixture
def households(tree):
    return (
        household(tree.village_a, "A001", status="poor", wage="9000"),
        household(tree.village_a, "A002", status="exited_policy", members=4),
        household(tree.village_b, "B001", status="poor"),
    )


def _sheets(response) -> dict[str, pl.DataFrame]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return pl.read_excel(io.BytesIO(data), sheet_id=0, infer_schema_length=0)


def test_village_operator_export_contains_only_own_village(tree, client, households):
    u = user("village_operator", tree.village_a)
    client.force_login(u)
    r = client.get("/registry/export/", {"format": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith('attachment; filename="households-2024-')
    sheets = _sheets(r)
    hh, mm = sheets["户"], sheets["成员"]
    assert sorted(hh["户编号"].to_list()) == ["A001", "A002"]
    assert hh.columns[:4] == ["户编号", "年度", "行政区划代码", "村"]
    assert set(hh["户状态"].to_list()) == {"未脱贫", "已脱贫(享受政策)"}
    assert set(hh["行政区划代码"].to_list()) == {"520526001201"}
    assert sorted(set(mm["户编号"].to_list())) == ["A001", "A002"] and mm.height == 7
    ids = set(
        Member.objects.filter(household__household_no__in=["A001", "A002"]).values_list(
            "id_number", flat=True
        )
    )
    assert set(mm["证件号码"].to_list()) == ids  # operators see full numbers
    assert hh.filter(pl.col("户编号") == "A001")["人均纯收入"].item() in ("3000", "3000.0", "3000.00")
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.channel, log.rows, log.masked) == (u, "households.xlsx", "web", 2, False)
    assert log.filters == {"year": 2024}


def test_export_keeps_filters(tree, client, households):
    client.force_login(user("county_approver", tree.county))
    r = client.get("/registry/export/", {"format": "csv", "status": "poor"})
    assert r["Content-Type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    df = pl.read_csv(io.BytesIO(r.content[3:]), infer_schema_length=0)
    assert sorted(df["户编号"].to_list()) == ["A001", "B001"]
    assert ExportLog.objects.get().filters == {"year": 2024, "status": "poor"}


def test_supervisor_export_is_masked_and_logged_as_masked(tree, client, households):
    client.force_login(user("supervisor", tree.county))
    sheets = _sheets(client.get("/registry/export/"))
    ids = sheets["成员"]["证件号码"].to_list()
    assert len(ids) == 10
    assert all(i.startswith("520526") and i[6:14] == "********" and len(i) == 18 for i in ids)
    assert set(sheets["户"]["联系电话"].to_list()) == {"138****8000"}
    assert ExportLog.objects.get().masked is True


def test_role_without_export_permission_gets_403(tree, client, households):
    client.force_login(user("assistance_cadre", tree.village_a))
    assert client.get("/registry/export/").status_code == 403
    assert ExportLog.objects.count() == 0


def test_export_requires_sign_in(client, households):
    r = client.get("/registry/export/")
    assert r.status_code == 302 and ExportLog.objects.count() == 0


@pytest.mark.parametrize("role", ["supervisor", "auditor", "department_officer"])
def test_masked_export_with_empty_and_short_ids_and_phones(tree, client, households, role):
    """Older records may hold an empty or short ID or phone: the masked export still works, all stars."""
    Member.objects.filter(pk=households[0].members.order_by("pk")[0].pk).update(id_number="")
    Member.objects.filter(pk=households[0].members.order_by("pk")[1].pk).update(id_number="123")
    households[1].__class__.objects.filter(pk=households[1].pk).update(phone="12")
    households[2].__class__.objects.filter(pk=households[2].pk).update(phone="")
    client.force_login(user(role, tree.county))
    for fmt in ("xlsx", "csv"):
        r = client.get("/registry/export/", {"format": fmt})
        assert r.status_code == 200
    sheets = _sheets(client.get("/registry/export/"))
    ids = sheets["成员"]["证件号码"].to_list()
    assert "***" in ids and (None in ids or "" in ids) and ids.count(None) + ids.count("") == 1
    assert sorted(x or "" for x in sheets["户"]["联系电话"].to_list()) == ["", "**", "138****8000"]


FORMULAS = ["=1+1", "@SUM(A1:A2)", "+cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "-2+3", "\tx"]


def test_export_writes_formula_like_names_as_text(tree, client, households):
    import openpyxl

    members = list(Member.objects.filter(household=households[0]).order_by("pk"))
    for m, name in zip(members, FORMULAS, strict=False):
        Member.objects.filter(pk=m.pk).update(name=name)
    households[0].__class__.objects.filter(pk=households[0].pk).update(head_name="=1+1")
    client.force_login(user("county_approver", tree.county))
    r = client.get("/registry/export/", {"format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = {c.value for c in cells}
    assert "=1+1" in names and "@SUM(A1:A2)" in names
    assert set(FORMULAS[: len(members)]) <= names
    r = client.get("/registry/export/", {"format": "csv"})
    text = (b"".join(r.streaming_content) if r.streaming else r.content).decode("utf-8-sig")
    assert ",'=1+1," in text and "\n=" not in text and ",=" not in text


def test_zip_export_holds_households_and_members_as_csv_the_import_reads_back(
    tree, client, households, tmp_path
):
    """A list too long for an Excel sheet goes out as 户.csv + 成员.csv in a zip, which the import reads."""
    import zipfile

    from fupin.registry.importer import import_households
    from fupin.registry.models import Household
    from fupin.registry.reading import read_workbook

    u = user("village_operator", tree.village_a)
    client.force_login(u)
    page = client.get("/registry/", {"year": 2024}).content.decode()
    assert "导出 CSV（户和成员，zip）" in page and "format=zip" in page
    xlsx = _sheets(client.get("/registry/export/", {"format": "xlsx"}))
    r = client.get("/registry/export/", {"format": "zip"})
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert (
        r["Content-Disposition"].startswith('attachment; filename="households-2024-')
        and ".zip" in r["Content-Disposition"]
    )
    path = tmp_path / "export.zip"
    path.write_bytes(b"".join(r.streaming_content) if r.streaming else r.content)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["成员.csv", "户.csv"]
        for name, sheet in (("户.csv", "户"), ("成员.csv", "成员")):
            data = zf.read(name)
            assert data.startswith("\ufeff".encode())
            csv = pl.read_csv(io.BytesIO(data[3:]), infer_schema_length=0)
            assert csv.columns == xlsx[sheet].columns and csv.height == xlsx[sheet].height
            for col in ("户编号", "姓名", "证件号码", "户状态"):
                if col in csv.columns:
                    assert sorted(csv[col].to_list()) == sorted(xlsx[sheet][col].to_list())
    hh, mm = read_workbook(path)
    assert sorted(hh["household_no"].to_list()) == ["A001", "A002"] and mm.height == 7
    log = ExportLog.objects.get(kind="households.zip")
    assert (log.user, log.rows, log.masked) == (u, 2, False)
    # what was exported imports again as it is: the same two households, nothing rejected
    batch = import_households(path, user=u)
    assert batch.status == "done", batch.report
    assert batch.report["counts"]["households_rejected"] == 0
    assert Household.objects.filter(village=tree.village_a).count() == 2
