"""In a real browser: edit a household, see the validator's message next to the field, fix it, see it saved."""

import re

from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.registry.models import Change, HouseholdYear


def _data():
    t = region_tree()
    hh = household(t.village_a, "520526001201777", wage="6000", members=3)
    user("village_operator", t.village_a, username="op")
    return hh


def test_edit_shows_the_inline_error_then_saves_the_fix(page, live_url, login):
    hh = _data()
    login(page, "op", PASSWORD)
    page.goto(f"{live_url}/registry/h/{hh.household_no}/edit/")
    expect(page.locator("h1")).to_contain_text(hh.household_no)
    expect(page.locator("[data-member-row]")).to_have_count(4)  # 3 members + 1 blank row

    page.fill("input[name=wage_income]", "六千块")
    page.fill("[name=reason]", "入户核实收入")
    page.click("#household-form [type=submit]")

    wage = page.locator("[data-field=wage_income]")
    expect(wage.locator(".errorlist")).to_have_text("工资性收入不是有效金额")
    expect(page.locator("#problems")).to_contain_text("工资性收入「六千块」")
    assert HouseholdYear.objects.get(household=hh, year=2024).wage_income == 6000

    page.fill("input[name=wage_income]", "7,500")
    expect(page.locator("#net-income")).to_have_text("7500.00")  # the derived preview
    page.click("#household-form [type=submit]")

    expect(page).to_have_url(re.compile(rf"/registry/h/{hh.household_no}/$"))
    expect(page.locator(".messages")).to_contain_text(f"户 {hh.household_no} 已保存")
    record = HouseholdYear.objects.get(household=hh, year=2024)
    assert record.wage_income == 7500
    assert Change.objects.filter(household=hh, reason="入户核实收入").exists()


def test_add_a_member_row_on_a_phone(phone_page, live_url, login):
    hh = _data()
    login(phone_page, "op", PASSWORD)
    phone_page.goto(f"{live_url}/registry/h/{hh.household_no}/edit/")
    phone_page.click("#add-member")
    expect(phone_page.locator("[data-member-row]")).to_have_count(5)
    expect(phone_page.locator("input[name=m-TOTAL_FORMS]")).to_have_value("5")
    # one column: the form never widens the phone screen
    assert phone_page.evaluate("document.body.scrollWidth") <= 392
    # an existing row opens for correction when ticked
    row = phone_page.locator("[data-member-row]").first
    expect(row.locator("input[name$='-name']")).to_be_disabled()
    row.locator("[data-correct]").check()
    expect(row.locator("input[name$='-name']")).to_be_enabled()
    expect(row.locator("input[name$='-id_number']")).not_to_be_editable()  # the key is never edited
