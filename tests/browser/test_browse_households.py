"""In a real browser: sign in, search a household, open it; the list fits a phone screen."""

import re

from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect


def _data():
    t = region_tree()
    for i in range(12):
        household(t.village_a, f"5205260012010{i:03d}", status="poor" if i % 2 else "exited_policy")
    target = household(t.village_a, "520526001201999", status="returned")
    household(t.village_b, "520526002201001")
    user("village_operator", t.village_a, username="op")
    return target


def test_sign_in_search_and_open_a_household(page, live_url, login):
    target = _data()
    login(page, "op", PASSWORD)
    expect(page).to_have_url(re.compile(r"/overview/$"))  # signing in lands on the overview
    page.goto(live_url + "/registry/")
    expect(page.locator("#count")).to_contain_text("共 13 户")
    page.fill("input[name=q]", target.head_name)
    page.locator("form[role=search] [type=submit]").click()
    expect(page.locator("#count")).to_contain_text("共 1 户")
    page.click(f"text={target.household_no}")
    expect(page).to_have_url(re.compile(rf"/registry/h/{target.household_no}/$"))
    expect(page.locator("h1")).to_contain_text(target.head_name)
    expect(page.locator("#members tbody tr")).to_have_count(3)
    expect(page.locator("#cadre")).to_contain_text("未指定")


def test_switch_to_english_in_the_browser(page, live_url, login):
    _data()
    login(page, "op", PASSWORD)
    page.goto(live_url + "/registry/")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#count")).to_contain_text("13 households")


def test_list_fits_a_phone_without_horizontal_overflow(phone_page, live_url, login):
    _data()
    login(phone_page, "op", PASSWORD)
    phone_page.goto(live_url + "/registry/")
    expect(phone_page.locator("#households")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    body_width = phone_page.evaluate("document.body.scrollWidth")
    assert body_width <= 392 and width <= 392, (body_width, width)
    # the detail page's wide tables scroll inside their own box, not the page
    phone_page.goto(live_url + "/registry/h/520526001201999/")
    assert phone_page.evaluate("document.body.scrollWidth") <= 392
    # the region browser too
    phone_page.goto(live_url + "/regions/")
    assert phone_page.evaluate("document.body.scrollWidth") <= 392
