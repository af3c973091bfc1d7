"""挂牌督战 in a browser: the county approver lists a village from the proposal in English on a desktop; the
supervisor records a visit on a phone in Chinese; the approver's closing is refused while the rules still
flag the village, then overridden. No script problem, no CSP violation, no sideways scrolling on the phone."""

from datetime import date, timedelta

from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.policy.services import load_defaults
from fupin.regions.models import Region, RegionPopulation
from fupin.supervision.models import SupervisionItem, SupervisionVisit
from fupin.supervision.services import ensure_parameters


def test_list_in_english_visit_on_a_phone_in_chinese_then_close(page, phone_page, live_url, login):
    load_defaults()
    ensure_parameters()
    t = region_tree()
    Region.objects.filter(code=t.village_a.code).update(poverty_status="poor_village", is_poor=True)
    for _ in range(2):
        household(t.village_a, year=2024, status="poor")
    RegionPopulation.objects.create(region=t.village_a, year=2024, rural_population=20)
    user("county_approver", t.county, username="shending")
    user("supervisor", t.county, username="dudao")

    problems = watch_problems(page)
    login(page, "shending", PASSWORD)
    page.click("button[value=en]")
    page.goto(live_url + "/supervision/")
    expect(page.locator("h1")).to_have_text("Listed supervision")
    page.click("#to-proposal")
    expect(page.locator("#proposal")).to_contain_text("poor people remain")
    page.check(f"input[name=regions][value='{t.village_a.code}']")
    page.select_option("#id_supervisor", "dudao")
    page.fill("#id_deadline", (date.today() + timedelta(days=30)).isoformat())
    page.click("#list-submit")
    expect(page.locator("#items")).to_contain_text(t.village_a.name)
    item = SupervisionItem.objects.get()
    assert item.supervisor.username == "dudao"
    assert problems == [] and csp_violations(page) == []

    p = phone_page
    phone_problems = watch_problems(p)
    login(p, "dudao", PASSWORD)
    p.goto(f"{live_url}/supervision/{item.pk}/")
    expect(p.locator("h1")).to_contain_text(t.village_a.name)
    expect(p.locator("#item-facts")).to_contain_text("未摘帽（出列）且仍有贫困人口")
    p.fill("#id_findings", "两户无稳定收入")
    p.fill("#id_actions", "落实公益性岗位")
    p.click("#visit-submit")
    expect(p.locator("#visits")).to_contain_text("两户无稳定收入")
    assert SupervisionVisit.objects.count() == 1
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone_problems == [] and csp_violations(p) == []

    page.goto(f"{live_url}/supervision/{item.pk}/")
    page.fill("#id_note", "checked")
    page.click("#close-submit")
    expect(page.locator("main")).to_contain_text("the rules still flag this region")
    page.fill("#id_note", "county check: both households under social assistance")
    page.check("#id_override")
    page.click("#close-submit")
    expect(page.locator("#item-facts")).to_contain_text("Closed")
    item.refresh_from_db()
    assert item.status == "closed" and item.overridden
    assert csp_violations(page) == []
