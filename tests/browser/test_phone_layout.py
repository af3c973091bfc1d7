"""On a phone (390×844): the top menu folds into one line with a menu button, list tables fit the screen
(cards, or a wide matrix scrolling in its own box, never the page) and numbers carry thousands separators.

The data is the synthetic county of `fupin demo` (households, assistance, projects, engine runs), seen by
its county approver; the desktop bar is checked to be as before.
"""

import re

import pytest
from playwright.sync_api import expect

from fupin.program.demo import ACCOUNTS, build_demo
from fupin.reports.models import CountyExitInput

PHONE_WIDTH = 390
# (path, a number of 1000 or more must show grouped: "20,000" / "1,234.50")
PAGES = [
    ("/registry/", True),
    ("/regions/", True),
    ("/monitoring/", False),
    ("/monitoring/alerts/", False),
    ("/monitoring/cases/?state=all", False),
    ("/monitoring/elimination/", False),
    ("/assistance/coverage/", False),
    ("/assistance/cadres/", False),
    ("/assistance/catalogue/", False),
    ("/funds/", True),
    ("/funds/anomalies/", False),
    ("/reports/", True),
    ("/reports/runs/", False),
    ("/reports/county-inputs/", True),
    ("/quality/", False),
    ("/policy/", True),
]
GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")
UNGROUPED = re.compile(r"-?\d{4,}(?:\.\d+)?")


def _account(username: str):
    return next(a for a in ACCOUNTS if a.username == username)


@pytest.fixture
def county(live_url):
    """The demo county (400 households) and its county approver's account."""
    result = build_demo(400, seed=5)
    acc = _account("demo_county")
    from fupin.accounts.models import User

    region = User.objects.get(username=acc.username).region
    CountyExitInput.objects.create(
        county=region,
        year=result["year"],
        exit_sample=1250,
        wrong_exit_found=3,
        missed_sample_population=20480,
        missed_found=2,
        survey_households=1200,
        survey_approving=1164,
    )
    return acc


def _menu(page):
    return page.locator("header.topbar [data-menu-toggle]")


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url}: the page scrolls sideways ({width} px)"


def _numbers_grouped(page, must_have_grouped: bool) -> None:
    """Every figure in a number cell or a summary is grouped; codes and years stay in their own cells."""
    cells = page.locator(
        "main td.num, main th.num, main .stat-summary dd, main .q-counts .n"
    ).all_inner_texts()
    ungrouped = [t.strip() for t in cells if UNGROUPED.fullmatch(t.strip())]
    assert ungrouped == [], f"{page.url}: numbers without a separator {ungrouped[:5]}"
    if must_have_grouped:
        assert GROUPED.search(page.locator("main").inner_text()), f"{page.url}: no grouped number"


def test_list_pages_fit_a_phone_with_a_folded_menu_and_grouped_numbers(phone_page, live_url, login, county):
    page = login(phone_page, county.username, county.password)
    for path, must_have_grouped in PAGES:
        response = page.goto(live_url + path)
        assert response.status == 200, path
        _fits(page)
        # one line: the name and the menu button; the entries are folded away
        expect(_menu(page)).to_be_visible()
        expect(page.locator("nav.nav")).to_be_hidden()
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] <= 64, f"{path}: the top bar is {header['height']} px high"
        _numbers_grouped(page, must_have_grouped)
    # wide matrices scroll inside their own box
    page.goto(live_url + "/monitoring/")
    trend = page.locator("#trend").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert trend[0] > trend[1]
    _fits(page)


def test_registry_codes_and_years_have_no_separator(phone_page, live_url, login, county):
    page = login(phone_page, county.username, county.password)
    page.goto(live_url + "/registry/")
    first = page.locator("#households tbody tr").first
    expect(first.locator("td").first).to_have_text(re.compile(r"\d{15,}$"))  # a household number, ungrouped
    expect(page.locator("h1")).to_contain_text(re.compile(r"\b20\d\d\b"))  # the year
    expect(first.locator("td.num").last).to_have_text(re.compile(r"\d{1,3}(,\d{3})*\.\d\d$"))
    page.goto(live_url + "/reports/county-inputs/")
    row = page.locator("#county-inputs tbody tr").first
    expect(row).to_contain_text("1,200")
    expect(row).to_contain_text("20,480")
    expect(row.locator("td").first).to_contain_text(re.compile(r"\d{12}"))  # the region code, ungrouped
    expect(row.locator("td[data-value='1200']")).to_have_text("1,200")  # the raw value stays readable


def test_menu_opens_with_the_button_and_the_keyboard(phone_page, live_url, login, county):
    page = login(phone_page, county.username, county.password)
    page.goto(live_url + "/funds/")
    toggle = _menu(page)
    expect(toggle).to_have_text("菜单")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert toggle.get_attribute("aria-controls") == "site-menu"
    entries = page.locator("nav.nav a")
    n = entries.count()
    assert n >= 9

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for i in range(n):
        expect(entries.nth(i)).to_be_visible()
    expect(page.locator("#site-menu button[name=language]")).to_be_visible()
    _fits(page)
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("nav.nav")).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # an entry opens its page; the menu is folded again there
    toggle.click()
    page.click("nav.nav >> text=统计")
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.locator("nav.nav")).to_be_hidden()

    # labelled in the page's language
    toggle.click()
    page.click("#site-menu button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(_menu(page)).to_have_text("Menu")
    expect(page.locator("#summary [data-stat=persons]")).to_have_text(GROUPED)


def test_accounts_list_fits_a_phone(phone_page, live_url, login, county):
    admin = _account("demo_admin")
    page = login(phone_page, admin.username, admin.password)
    page.goto(live_url + "/accounts/users/")
    expect(page.locator("#users tbody tr").first).to_be_visible()
    _fits(page)
    expect(page.locator("nav.nav")).to_be_hidden()


def test_desktop_bar_is_unchanged(page, live_url, login, county):
    login(page, county.username, county.password)
    page.goto(live_url + "/registry/")
    expect(_menu(page)).to_be_hidden()
    expect(page.locator("nav.nav")).to_be_visible()
    expect(page.locator("header .tools .who")).to_be_visible()
    box = page.locator("header.topbar").bounding_box()
    assert box["height"] <= 64  # brand, entries and tools on one line
    expect(page.locator("#households thead")).to_be_visible()  # a table, not cards


def test_without_javascript_the_menu_stays_open(new_context, live_url, county):
    context = new_context(viewport={"width": PHONE_WIDTH, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/accounts/login/")
    page.fill("input[name=username]", county.username)
    page.fill("input[name=password]", county.password)
    page.click("#login-form [type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(live_url + "/registry/")
    expect(_menu(page)).to_be_hidden()
    expect(page.locator("nav.nav a").first).to_be_visible()
    expect(page.locator("nav.nav a").last).to_be_visible()
    _fits(page)
