"""In a real browser: upload a workbook, watch the progress, read the report."""

from datetime import date

import xlsxwriter
from factories import PASSWORD, id_number, region_tree, user
from playwright.sync_api import expect

from fupin.registry.models import Household, ImportBatch


def _workbook(path, village: str, households: int, bad: int = 0):
    wb = xlsxwriter.Workbook(str(path))
    hh, mm = wb.add_worksheet("户"), wb.add_worksheet("成员")
    hh.write_row(0, 0, ["户编号", "年度", "行政区划代码", "户状态", "户类型", "主要致贫原因", "工资性收入"])
    mm.write_row(0, 0, ["户编号", "姓名", "证件号码", "性别", "与户主关系"])
    r = 1
    for i in range(households):
        no = f"{village}{i:05d}"
        hh.write_row(i + 1, 0, [no, "2024", village, "未脱贫", "贫困户", "因病", "8000"])
        head = id_number(born=date(1970, 1, 1), seq=2 * i)
        if i < bad:
            head = head[:-1] + ("0" if head[-1] != "0" else "1")
        mm.write_row(r, 0, [no, f"户主{i}", head, "男", "户主"])
        mm.write_row(
            r + 1,
            0,
            [no, f"配偶{i}", id_number(born=date(1972, 1, 1), male=False, seq=2 * i + 1), "女", "配偶"],
        )
        r += 2
    wb.close()
    return path


def test_upload_a_workbook_and_watch_it_reach_the_report(page, live_url, login, tmp_path):
    t = region_tree()
    user("village_operator", t.village_a, username="op")
    path = _workbook(tmp_path / "台账.xlsx", t.village_a.code, households=300, bad=1)
    login(page, "op", PASSWORD)
    page.goto(live_url + "/registry/import/")
    expect(page.locator("a[href$='/registry/import/template/']")).to_be_visible()
    page.set_input_files("input[name=file]", str(path))
    page.check("input[name=skip_invalid]")
    page.click("#import-form [type=submit]")

    expect(page.locator("#import-progress progress")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("完成", timeout=60_000)
    expect(page.locator("#import-pct")).to_have_text("100%")
    expect(page.locator("[data-count=households_created]")).to_have_text("299")
    expect(page.locator("[data-count=households_rejected]")).to_have_text("1")
    expect(page.locator("#import-problems")).to_contain_text("证件号码校验位错误")
    expect(page.locator("a[href$='/errors/']")).to_be_visible()
    assert Household.objects.count() == 299


def test_progress_refreshes_without_reloading_the_page(page, live_url, login):
    t = region_tree()
    op = user("village_operator", t.village_a, username="op")
    batch = ImportBatch.objects.create(
        user=op, filename="big.xlsx", status="running", stage="save", done_rows=100, total_rows=400
    )
    login(page, "op", PASSWORD)
    page.goto(f"{live_url}/registry/import/{batch.pk}/")
    expect(page.locator("#import-pct")).to_have_text("25%")
    page.evaluate("window.__sameDocument = true")
    ImportBatch.objects.filter(pk=batch.pk).update(done_rows=300)
    expect(page.locator("#import-pct")).to_have_text("75%", timeout=5_000)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="done", done_rows=400, report={"counts": {"households_created": 40}, "problems": []}
    )
    expect(page.locator("[data-count=households_created]")).to_have_text("40", timeout=5_000)
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the partial; no reload
