"""The map of incidence: with uploaded township boundaries, the statistics and overview pages draw an ECharts
map (a canvas in the map box) with no console error and no CSP violation; without them, a note."""

import json
import os
from pathlib import Path

import pytest
from browser_helpers import csp_violations, watch_problems
from factories import PASSWORD, household, region_tree, user
from playwright.sync_api import expect

from fupin.overview.finders import echarts_available
from fupin.policy.services import load_defaults
from fupin.regions import boundaries
from fupin.regions.models import RegionPopulation

SHOTS = Path(os.environ.get("FUPIN_SCREENSHOTS", "/tmp"))


def _square(code: str, x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.2, y], [x + 0.2, y + 0.15], [x, y + 0.15], [x, y]]
    return {
        "type": "Feature",
        "properties": {"行政区划代码": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def county(transactional_db):
    assert echarts_available(), "ECharts is missing from .venv/npm: run scripts/setup"
    load_defaults()
    t = region_tree()
    household(t.village_a, "520526001201001", members=3)
    household(t.village_b, "520526002201001", members=5)
    RegionPopulation.objects.create(region=t.town_a, year=2024, rural_population=120)
    # 幺站镇 has no denominator: "no data", grey
    user("county_approver", t.county, username="county")
    return t


def _map_drawn(page, problems: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    box = page.locator('div[data-chart="chart-map-data"]')
    expect(box.locator("canvas")).to_have_count(1)
    assert (
        page.evaluate(
            "echarts.getInstanceByDom(document.querySelector('[data-chart=\"chart-map-data\"]'))"
            ".getOption().series[0].type"
        )
        == "map"
    )
    assert csp_violations(page) == [], page.url
    assert problems == [], page.url


def test_statistics_and_overview_draw_the_map_of_incidence(page, live_url, login, county):
    t = county
    data = {
        "type": "FeatureCollection",
        "features": [_square(t.town_a.code, 104.0, 26.8), _square(t.town_b.code, 104.2, 26.8)],
    }
    assert boundaries.import_boundaries(json.dumps(data).encode()).saved
    problems = watch_problems(page)
    login(page, "county", PASSWORD)
    page.set_viewport_size({"width": 1200, "height": 900})
    assert page.goto(f"{live_url}/reports/?year=2024&region={t.county.code}").status == 200
    _map_drawn(page, problems)
    values = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-chart=\"chart-map-data\"]'))"
        ".getOption().series[0].data.map(d => [d.name, d.value])"
    )
    assert values == [[t.town_a.code, 2.5], [t.town_b.code, "-"]]
    page.locator("#chart-map").screenshot(path=str(SHOTS / "fupin-map-statistics.png"))
    assert page.goto(f"{live_url}/overview/?year=2024&region={t.county.code}").status == 200
    _map_drawn(page, problems)


def test_without_boundaries_the_page_says_how_to_load_them(page, live_url, login, county):
    problems = watch_problems(page)
    login(page, "county", PASSWORD)
    page.goto(f"{live_url}/reports/?year=2024&region={county.county.code}")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#map-missing")).to_contain_text("尚未导入这些地区的边界")
    page.click("#map-upload")
    expect(page.locator("h1")).to_contain_text("区划边界")
    assert csp_violations(page) == [] and problems == []
