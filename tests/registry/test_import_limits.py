"""Zip bombs: a workbook or zip that inflates beyond the limits is refused (zh/en), whatever the way in, and
nothing is saved or left behind. The hostile files are built here, tens of MB inflated at most."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from factories import api_client, user
from test_import_households import good_rows

from fupin.cli import main
from fupin.registry import jobs
from fupin.registry.importer import import_households
from fupin.registry.models import Household, ImportBatch

MB = 2**20
SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def stream(z: zipfile.ZipFile, name: str, head: bytes, filler: bytes, size: int, tail: bytes) -> None:
    """Write member `name` = head + filler repeated to ≈ `size` bytes + tail, a block at a time."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with z.open(info, "w", force_zip64=True) as out:
        out.write(head)
        block = filler * max(1, (1 * MB) // len(filler))
        for _ in range(max(1, size // len(block))):
            out.write(block)
        out.write(tail)


def bomb_xlsx(src: Path, dst: Path, *, sst_bytes: int, item: bytes = b"<si><t>x</t></si>") -> Path:
    """`src` (an xlsx written by xlsxwriter) with its shared-string table padded by `sst_bytes` of `item`
    after the strings it had: the sheets still read, the table is huge and compresses extremely well."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename != "xl/sharedStrings.xml":
                new.writestr(info.filename, data)
                continue
            text = data.decode()
            head = text[: text.rindex("</sst>")].encode()
            stream(new, info.filename, head, item, sst_bytes, b"</sst>")
    return dst


def csv_zip_bomb(dst: Path, *, csv_bytes: int) -> Path:
    """A zip of 户.csv (one header, then `csv_bytes` of blank lines) and 成员.csv."""
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        stream(z, "户.csv", "户编号,行政区划代码,年度\n".encode(), b"\n", csv_bytes, b"")
        z.writestr("成员.csv", "户编号,姓名,证件号码,与户主关系\n")
    return dst


@pytest.fixture
def good_xlsx(tree, tmp_path, write_xlsx):
    return write_xlsx(tmp_path / "good.xlsx", *good_rows())


def _refused(batch: ImportBatch) -> None:
    assert batch.status == "rejected", batch.report
    report = batch.report
    assert report["too_large"] is True and report["code"] == "file.too_large"
    assert "不予导入" in report["message_zh"] and "refused" in report["message_en"]
    assert Household.objects.count() == 0


def _scratch_left(settings) -> list[Path]:
    root = Path(settings.FUPIN_HOME) / "tmp"
    return [p for p in root.iterdir() if p.is_dir()] if root.exists() else []


def test_shared_strings_compressed_beyond_the_ratio_are_refused_from_the_directory(good_xlsx, tmp_path):
    bomb = bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=60 * MB)
    assert bomb.stat().st_size < 2 * MB  # 60 MB of XML in a small file
    batch = import_households(bomb)
    _refused(batch)
    assert "压缩比" in batch.report["message_zh"] and "100:1" in batch.report["message_en"]


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES=2 * MB)
def test_shared_string_text_beyond_its_limit_is_refused_while_inflating(good_xlsx, tmp_path, settings):
    """The directory says nothing about the table's text: the limit is kept as the table is read."""
    bomb = bomb_xlsx(
        good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=20 * MB, item=b"<si><t>" + b"y" * 200 + b"</t></si>"
    )
    batch = import_households(bomb)
    _refused(batch)
    assert "共享字符串" in batch.report["message_zh"] and "2 MiB" in batch.report["message_en"]
    assert _scratch_left(settings) == []


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_SHARED_STRINGS=1000)
def test_shared_string_count_beyond_its_limit_is_refused(good_xlsx, tmp_path):
    _refused(import_households(bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=1 * MB)))


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_MEMBER_BYTES=4 * MB)
def test_a_member_declared_larger_than_the_limit_is_refused(good_xlsx, tmp_path):
    batch = import_households(bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=8 * MB))
    _refused(batch)
    assert "xl/sharedStrings.xml" in batch.report["message_en"] and "4 MiB" in batch.report["message_en"]


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_MEMBER_BYTES=4 * MB)
def test_sizes_the_directory_understates_are_caught_while_inflating(good_xlsx, tmp_path, monkeypatch):
    """A reader that trusted the directory would inflate it all; the count of inflated bytes stops it."""
    from fupin.core import xlsx

    monkeypatch.setattr(xlsx, "check_directory", lambda *a, **k: None)  # as if the directory lied
    batch = import_households(bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=8 * MB))
    _refused(batch)


def test_a_zip_of_csvs_that_inflates_beyond_the_ratio_is_refused_and_unpacks_nothing(
    tree, tmp_path, settings
):
    bomb = csv_zip_bomb(tmp_path / "bomb.zip", csv_bytes=50 * MB)
    batch = import_households(bomb)
    _refused(batch)
    assert "户.csv" in batch.report["message_zh"]
    assert _scratch_left(settings) == []


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_UNCOMPRESSED_BYTES=3 * MB)
def test_a_zip_of_csvs_beyond_the_total_is_refused_while_unpacking(tree, tmp_path, settings, monkeypatch):
    from fupin.registry import reading

    monkeypatch.setattr(reading, "check_directory", lambda *a, **k: None)
    batch = import_households(csv_zip_bomb(tmp_path / "bomb.zip", csv_bytes=6 * MB))
    _refused(batch)
    assert "总计" in batch.report["message_zh"]
    assert _scratch_left(settings) == []  # the half-unpacked folder is gone


def test_an_ods_bomb_is_refused_before_calamine_reads_it(tmp_path):
    from fupin.core.tables import FileTooLarge, open_table

    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        stream(
            z, "content.xml", b"<office:document-content>", b"<x/>", 50 * MB, b"</office:document-content>"
        )
    with pytest.raises(FileTooLarge) as e:
        open_table(bomb, columns={"code": "code"})
    assert "content.xml" in e.value.message_en


def test_the_cli_exits_1_on_a_bomb(good_xlsx, tmp_path, capsys):
    bomb = bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=60 * MB)
    assert main(["import", "households", str(bomb)]) == 1
    err = capsys.readouterr().err
    assert "压缩比" in err and "zip bomb" in err
    assert Household.objects.count() == 0


@pytest.mark.parametrize("query", ["?wait=true", ""])
def test_the_api_answers_422_to_a_bomb(good_xlsx, tmp_path, query, tree):
    bomb = bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=60 * MB)
    op = api_client(user("village_operator", tree.village_a))
    f = SimpleUploadedFile("bomb.xlsx", bomb.read_bytes())
    r = op.post(f"/api/registry/imports{query}", {"file": f})
    assert r.status_code == 422, r.content
    item = r.json()["detail"][0]
    assert (
        item["code"] == "file.too_large"
        and "压缩比" in item["message"]["zh"]
        and "bomb" in item["message"]["en"]
    )
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and batch.report["too_large"]


@override_settings(FUPIN_IMPORT_MAX_COMPRESSION_RATIO=10**6, FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES=2 * MB)
def test_the_api_answers_422_when_the_limit_is_met_while_reading(good_xlsx, tmp_path, tree):
    bomb = bomb_xlsx(
        good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=20 * MB, item=b"<si><t>" + b"y" * 200 + b"</t></si>"
    )
    op = api_client(user("village_operator", tree.village_a))
    r = op.post(
        "/api/registry/imports?wait=true", {"file": SimpleUploadedFile("bomb.xlsx", bomb.read_bytes())}
    )
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["code"] == "file.too_large"


def test_the_import_page_shows_the_refusal(client, good_xlsx, tmp_path, tree, monkeypatch):
    monkeypatch.setattr(jobs, "start_import", lambda batch_id: jobs.run(batch_id))
    bomb = bomb_xlsx(good_xlsx, tmp_path / "bomb.xlsx", sst_bytes=60 * MB)
    client.force_login(user("village_operator", tree.village_a))
    r = client.post(
        reverse("registry:import_upload"),
        {"file": SimpleUploadedFile("bomb.xlsx", bomb.read_bytes()), "year": "2024"},
    )
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and batch.status == "rejected"
    html = client.get(r["Location"]).content.decode()
    assert "压缩比超过 100:1" in html
    assert Household.objects.count() == 0


def test_a_sheet_continued_past_the_excel_limit_is_refused_not_read_in_part(tree, tmp_path):
    """Exports go on in `户 (2)` past Excel's row limit; reading `户` alone would drop the rest silently."""
    import openpyxl

    from fupin.registry.models import Household

    wb = openpyxl.Workbook()
    wb.active.title = "户"
    wb.active.append(["户编号"])
    for name in ("户 (2)", "成员"):
        wb.create_sheet(name).append(["户编号", "姓名"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    batch = import_households(path)
    assert batch.status == "rejected"
    assert "“户 (2)”中续写" in batch.report["message_zh"] and "zip" in batch.report["message_zh"]
    assert "sheet '户' goes on in '户 (2)'" in batch.report["message_en"]
    assert Household.objects.count() == 0
