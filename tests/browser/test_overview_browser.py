"""The overview after sign-in, and the charts of the statistics, monitoring, funds and quality pages: ECharts
(served by this server) draws a canvas in each chart box, with no console error and no CSP violation.

scripts/setup installs the chart library: without it these tests fail, they do not skip."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from browser_helpers import csp_violations, watch_problems
from django.utils import timezone
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.funds.models import BudgetLine, Payment, Project
from fupin.monitoring import cases
from fupin.monitoring.models import Alert, Case
from fupin.overview.finders import echarts_available
from fupin.policy.services import load_defaults
from fupin.quality.models import Finding


@pytest.fixture
def county(transactional_db):
    assert echarts_available(), (
        "ECharts is missing from .venv/npm: run scripts/setup (it installs echarts@6 with npm)"
    )
    load_defaults()
    t = region_tree()
    a1 = household(t.village_a, "520526001201001", members=3)
    household(t.village_a2, "520526001202001", status="returned", members=4)
    b1 = household(t.village_b, "520526002201001", members=5)
    today = date.today()
    for hh, opened in ((a1, today - timedelta(days=70)), (b1, today)):
        Case.objects.create(
            household=hh,
            region_id=hh.village_id,
            kind="identification",
            year=today.year,
            steps=cases.STEPS["identification"],
            step=cases.STEPS["identification"][0],
            opened_on=opened,
            deadline=opened + timedelta(days=20),
            monitor_type="edge",
        )
        Alert.objects.create(
            key=f"k{hh.pk}",
            household=hh,
            region_id=hh.village_id,
            year=today.year,
            channel="registry",
            source="registry",
            signal="MON-INCOME",
        )
    p = Project.objects.create(
        name="石板村肉牛养殖",
        project_type="industry",
        region=t.village_a,
        implementing_unit="镇",
        start_date=date(2024, 1, 1),
        deadline=date(2099, 1, 1),
        status="implementing",
    )
    BudgetLine.objects.create(project=p, source="central", amount=Decimal("80000"))
    BudgetLine.objects.create(project=p, source="county", amount=Decimal("20000"))
    Payment.objects.create(
        project=p,
        kind="contractor",
        payee_name="施工队",
        item="圈舍",
        amount=Decimal("30000"),
        paid_on=date(2024, 5, 1),
    )
    now = timezone.now()
    for hh, rule, severity in ((a1, "DQ-A1", "error"), (b1, "DQ-A1", "error"), (b1, "DQ-A2", "suspect")):
        Finding.objects.create(
            rule_id=rule,
            scope="household",
            household=hh,
            year=hh.years.get().year,
            severity=severity,
            message_zh="规则",
            message_en="rule",
            first_seen_at=now,
            last_seen_at=now,
        )
    user("county_approver", t.county, username="county")
    return t


def _charts_drawn(page, url: str, problems: list[str], at_least: int = 1) -> None:
    if url:
        response = page.goto(url)
        assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    boxes = page.locator("div[data-chart]")
    assert boxes.count() >= at_least, page.url
    expect(page.locator("div[data-chart] canvas").first).to_be_visible()
    for i in range(boxes.count()):
        expect(boxes.nth(i).locator("canvas")).to_have_count(1)
    assert csp_violations(page) == [], page.url
    assert problems == [], page.url


def test_the_overview_after_sign_in_draws_its_charts_without_errors(page, live_url, login, county):
    problems = watch_problems(page)
    login(page, "county", PASSWORD)
    assert page.url == live_url + "/overview/"
    expect(page.locator("h1")).to_contain_text("概览")
    expect(page.locator('[data-figure="poor_households"] .ov-value')).to_have_text("3")
    _charts_drawn(page, "", problems, at_least=3)
    # the chart script reads the JSON block: the trend chart is an ECharts instance with the alert series
    assert (
        page.evaluate(
            "echarts.getInstanceByDom(document.querySelector('[data-chart=\"chart-trend-data\"]'))"
            ".getOption().series[0].data.reduce((a, b) => a + b, 0)"
        )
        == 2
    )

    # drill down into a township by its name, then back up
    page.click("#regions a:text('草海镇')")
    expect(page.locator("h1")).to_contain_text("草海镇")
    _charts_drawn(page, "", problems)
    expect(page.locator("#regions")).to_contain_text("石板村")


@pytest.mark.parametrize(
    "path", ["/reports/", f"/monitoring/?year={date.today().year}", "/funds/", "/quality/"]
)
def test_the_pages_with_charts_draw_them_without_errors(page, live_url, login, county, path):
    problems = watch_problems(page)
    login(page, "county", PASSWORD)
    _charts_drawn(page, live_url + path, problems)


def test_the_overview_fits_a_phone(phone_page, live_url, login, county):
    problems = watch_problems(phone_page)
    login(phone_page, "county", PASSWORD)
    _charts_drawn(phone_page, "", problems, at_least=3)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    box = phone_page.locator("div[data-chart]").first.bounding_box()
    assert box["width"] <= 390 and box["height"] > 100
