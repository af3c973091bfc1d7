"""In a real browser: a supervisor opens the anti-"数字脱贫" findings (防数字脱贫), explains one, in Chinese and in
English, and on a phone; the village operator sees them without the action form."""

from decimal import Decimal

from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.policy.services import load_defaults
from fupin.quality.models import Finding
from fupin.quality.services import run_quality
from fupin.registry.models import HouseholdYear

HOUSEHOLD_NO = "520526001201777"


def _data():
    """A household that exited in 2024 just above the line (12,600 / 3 = 4,200) with no measure."""
    t = region_tree()
    load_defaults()
    hh = household(t.village_a, HOUSEHOLD_NO, status="exited_policy", household_type="exited", wage="12600")
    HouseholdYear.objects.filter(household=hh).update(exit_year=2024)
    HouseholdYear.objects.create(
        household=hh,
        year=2023,
        status="poor",
        household_type="poor",
        main_cause="illness",
        wage_income=Decimal(9000),
        size=3,
        net_income=Decimal(9000),
    )
    user("supervisor", t.county, username="sup")
    user("village_operator", t.village_a, username="op")
    run_quality(None, 2024)


def test_supervisor_explains_an_integrity_finding(page, live_url, login):
    _data()
    problems = watch_problems(page)
    login(page, "sup", PASSWORD)
    page.goto(f"{live_url}/quality/?year=2024")
    expect(page.locator("#act-form")).to_have_count(0)  # all rules: the supervisor acts on none
    page.click("#integrity-hint a")
    expect(page.locator("#families [data-family=integrity]")).to_have_attribute("aria-current", "true")
    expect(page.locator("#integrity-note")).to_contain_text("疑似“数字脱贫”的退出和付款")
    expect(page.locator("#rule-counts [data-rule='DQ-K1']")).to_be_visible()
    expect(page.locator("#rule-counts")).not_to_contain_text("DQ-D")

    page.click("#rule-counts [data-rule='DQ-K1']")
    row = page.locator("#findings tbody tr").first
    expect(row).to_contain_text("脱贫户人均纯收入刚刚超过贫困线")
    expect(row).to_contain_text("4200 / 4000")
    row.locator("input[name=ids]").check()
    page.select_option("#act-form select[name=action]", "explained")
    page.fill("#act-form input[name=note]", "入户核实：务工收入有工资单")
    page.click("#act-button")
    expect(page.locator(".messages")).to_contain_text("已更新 1 条问题")
    expect(page.locator("#findings tbody tr").first).to_contain_text("已说明")
    f = Finding.objects.get(rule_id="DQ-K1")
    assert (f.status, f.closed_by.username) == ("explained", "sup")
    assert csp_violations(page) == [] and problems == []


def test_in_english_and_the_village_sees_without_acting(page, live_url, login):
    _data()
    login(page, "op", PASSWORD)
    page.goto(f"{live_url}/quality/?year=2024")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#families [data-family=integrity]")
    expect(page.locator("#integrity-note")).to_contain_text("Exits and payments that look made on paper")
    expect(page.locator("#findings")).to_contain_text("just above the poverty line")
    expect(page.locator("#act-form")).to_have_count(0)


def test_integrity_list_fits_a_phone(phone_page, live_url, login):
    _data()
    login(phone_page, "sup", PASSWORD)
    phone_page.goto(f"{live_url}/quality/?year=2024&family=integrity")
    expect(phone_page.locator("#findings tbody tr").first).to_be_visible()
    expect(phone_page.locator("#families")).to_be_visible()
    assert phone_page.evaluate("document.body.scrollWidth") <= 392
