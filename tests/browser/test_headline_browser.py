"""In a real browser: the headline table (三个一万人) drills down and switches to English; a county approver sets
a village's poverty status and exit year on the region page; both fit a phone; no CSP violation."""

import re
from datetime import date

from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.monitoring.models import Case
from fupin.policy.services import load_defaults


def _data():
    load_defaults()
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    edge = household(t.village_b, status="not_poor", household_type="ordinary", members=4)
    Case.objects.create(
        household=edge,
        region=t.village_b,
        kind="identification",
        year=2024,
        monitor_type="edge",
        opened_on=date(2024, 3, 1),
        deadline=date(2024, 4, 1),
        closed_on=date(2024, 3, 20),
        outcome="approved",
        steps=["home_check"],
    )
    user("county_approver", t.county, username="boss")
    return t


def test_headline_drill_down_and_english(page, live_url, login):
    t = _data()
    problems = watch_problems(page)
    login(page, "boss", PASSWORD)
    page.goto(live_url + "/reports/")
    page.click("#nav-headline")
    expect(page).to_have_url(re.compile(r"/reports/headline/$"))
    row = page.locator("#by-year tr[data-year='2024']")
    expect(row.locator("[data-col=poor_persons]")).to_have_text("3")
    expect(row.locator("[data-col=edge_persons]")).to_have_text("4")
    page.click(f"#children tr[data-region='{t.town_b.code}'] a")
    expect(page.locator("#crumbs")).to_contain_text("幺站镇")
    village = page.locator(f"#children tr[data-region='{t.village_b.code}']")
    expect(village.locator("[data-col=edge_households]")).to_have_text("1")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#by-year thead")).to_contain_text("Marginal household at risk")
    expect(page.locator("#crumbs")).to_contain_text("幺站镇")
    assert csp_violations(page) == [] and problems == []


def test_region_page_sets_a_village_status_in_zh_and_en(page, live_url, login):
    t = _data()
    login(page, "boss", PASSWORD)
    page.goto(live_url + f"/regions/{t.village_a.code}/")
    page.select_option("#poverty_status", "poor_village")
    page.fill("#exit_year", "2030")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#status-problems")).to_contain_text("2014")
    page.fill("#exit_year", "2018")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#status-label")).to_have_text("贫困村")
    expect(page.locator("#exit-label")).to_have_text("出列 2018")
    page.click("button[name=language][value=en]")
    expect(page.locator("#status-label")).to_have_text("Poor village")
    expect(page.locator("#exit-label")).to_have_text("Delisted 2018")


def test_headline_and_region_status_fit_a_phone(phone_page, live_url, login):
    t = _data()
    login(phone_page, "boss", PASSWORD)
    for url in ("/reports/headline/", f"/regions/{t.village_a.code}/"):
        phone_page.goto(live_url + url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, url
