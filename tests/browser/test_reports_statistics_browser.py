"""In a real browser: sign in, open the statistics, drill down one level, switch to English; phone width."""

import re

from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.policy.services import load_defaults


def _data():
    load_defaults()
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    household(t.village_a2, status="returned", members=2)
    household(t.village_b, status="poor", members=5, wage="30000")
    user("county_approver", t.county, username="boss")
    return t


def test_statistics_drill_down_and_english(page, live_url, login):
    t = _data()
    login(page, "boss", PASSWORD)
    page.click("nav.nav >> text=统计")
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.locator("#summary [data-stat=households]")).to_have_text("3")
    expect(page.locator("#children tbody tr")).to_have_count(2)
    page.click(f"#children tr[data-region='{t.town_a.code}'] a")
    expect(page.locator("#crumbs")).to_contain_text("草海镇")
    expect(page.locator("#children tbody tr")).to_have_count(2)  # the two villages of 草海镇
    expect(page.locator("#summary [data-stat=poor_persons]")).to_have_text("5")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#table-cause h2")).to_have_text("By main cause of poverty")
    expect(page.locator("#crumbs")).to_contain_text("草海镇")  # still the same region


def test_statistics_fit_a_phone(phone_page, live_url, login):
    _data()
    login(phone_page, "boss", PASSWORD)
    phone_page.goto(live_url + "/reports/")
    expect(phone_page.locator("#summary")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1


def test_a_provinces_first_statistics_are_computed_while_the_page_waits_and_reloads(
    page, live_url, login, monkeypatch
):
    """The first visit of a province's statistics does not hold the request: the page says the figures are
    being computed, reloads itself, and shows them once they are there."""
    import threading

    from django.core.cache import cache

    from fupin.reports import kept, statistics

    cache.clear()
    t = _data()
    user("county_approver", t.province, username="province")
    monkeypatch.setattr(kept, "FIRST_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(kept, "RELOAD_SECONDS", 1)
    release, real = threading.Event(), statistics.statistics

    def slow(*args, **kwargs):
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(statistics, "statistics", slow)
    login(page, "province", PASSWORD)
    page.goto(live_url + "/reports/?year=2024")
    expect(page.locator("#computing")).to_contain_text("正在计算")
    release.set()
    expect(page.locator("#summary [data-stat=households]")).to_have_text("3", timeout=15_000)
    kept.wait_for_refreshes()
