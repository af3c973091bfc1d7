"""In a real browser: run the data-quality rules, open the worklist, mark a finding explained with a note."""

import re
from datetime import date

from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.policy.services import load_defaults
from fupin.quality.models import Finding


def _data():
    t = region_tree()
    load_defaults()
    hh = household(t.village_a, "520526001201888")
    child = hh.members.order_by("id")[2]
    child.birth_date, child.labour = date(2016, 3, 1), "ordinary"  # an 8-year-old with labour: DQ-C4
    child.save()
    household(t.village_b, "520526002201999")
    user("village_operator", t.village_a, username="op")
    return hh


def test_run_rules_then_explain_a_finding(page, live_url, login):
    _data()
    login(page, "op", PASSWORD)
    page.goto(f"{live_url}/quality/")
    expect(page.locator("h1")).to_contain_text("数据质量")
    page.fill("#run-year", "2024")
    page.click("#run-button")
    expect(page.locator(".messages")).to_contain_text("2024 年度校验规则已运行")
    expect(page.locator("#findings")).not_to_contain_text("520526002201999")  # another village

    page.click("#rule-counts [data-rule='DQ-C4']")
    expect(page).to_have_url(re.compile(r"rule=DQ-C4"))
    rows = page.locator("#findings tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("16岁以下劳动能力应为无劳动力")

    rows.first.locator("input[name=ids]").check()
    page.select_option("#act-form select[name=action]", "explained")
    page.click("#act-button")  # no note: refused
    expect(page.locator(".messages")).to_contain_text("标记为已说明时必须填写说明")

    page.locator("#findings tbody tr").first.locator("input[name=ids]").check()
    page.select_option("#act-form select[name=action]", "explained")
    page.fill("#act-form input[name=note]", "孩子随父母务农，已入户核实")
    page.click("#act-button")
    expect(page.locator(".messages")).to_contain_text("已更新 1 条问题")
    expect(page.locator("#findings tbody tr").first).to_contain_text("已说明")
    expect(page.locator("#findings tbody tr").first).to_contain_text("孩子随父母务农，已入户核实")
    f = Finding.objects.get(rule_id="DQ-C4")
    assert (f.status, f.note, f.closed_by.username) == ("explained", "孩子随父母务农，已入户核实", "op")


def test_worklist_fits_a_phone(phone_page, live_url, login):
    _data()
    from fupin.quality.services import run_quality

    run_quality(None, 2024)
    login(phone_page, "op", PASSWORD)
    phone_page.goto(f"{live_url}/quality/?year=2024")
    expect(phone_page.locator("#findings tbody tr").first).to_be_visible()
    assert phone_page.evaluate("document.body.scrollWidth") <= 392
