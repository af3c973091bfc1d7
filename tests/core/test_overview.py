"""The overview page (概览): key figures of the user's region subtree recounted through the ORM, drill-down by
child region, scope (a region outside it answers 404), the landing page of every role after sign-in, and the
chart data blocks with the expected numbers."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from factories import PASSWORD, household, region_tree, user

from fupin.accounts.roles import ROLES
from fupin.funds.models import BudgetLine, Payment, Project
from fupin.monitoring import cases
from fupin.monitoring.models import Alert, Case
from fupin.overview import charts, figures
from fupin.quality.models import Finding
from fupin.registry.models import HouseholdYear

pytestmark = pytest.mark.django_db
TODAY = date.today()
POOR = ("poor", "returned")


def _case(hh, kind, opened, *, closed=None, outcome="", monitor_type="", deadline=None):
    steps = cases.STEPS[kind]
    return Case.objects.create(
        household=hh,
        region_id=hh.village_id,
        kind=kind,
        year=2024,
        steps=steps,
        step="" if closed else steps[0],
        opened_on=opened,
        deadline=deadline or opened,
        closed_on=closed,
        outcome=outcome,
        monitor_type=monitor_type,
    )


def _finding(hh, rule, status="open", year=2024):
    now = timezone.now()
    return Finding.objects.create(
        rule_id=rule,
        scope="household",
        household=hh,
        year=year,
        severity="error",
        message_zh="x",
        message_en="x",
        status=status,
        first_seen_at=now,
        last_seen_at=now,
    )


@pytest.fixture
def t():
    """Village A (town A): two poor households (3 and 2 persons), one exited, one deleted poor one; village
    A2 (town A): one returned (4 persons); village B (town B): one poor (5 persons) and an older year."""
    t = region_tree()
    a1 = household(t.village_a, "A1", members=3)
    a2 = household(t.village_a, "A2", members=2)
    household(t.village_a, "A3", status="exited_policy")
    gone = household(t.village_a, "A4")
    gone.is_deleted = True
    gone.save()
    a21 = household(t.village_a2, "A21", status="returned", members=4, household_type="exited")
    b1 = household(t.village_b, "B1", members=5)
    HouseholdYear.objects.create(household=b1, year=2023, status="poor", size=5)
    # monitoring: a1 monitored (approved identification), a2 identified then eliminated (not monitored now),
    # b1 an open identification past its deadline, a21 an open one not yet due
    _case(
        a1,
        "identification",
        date(2024, 2, 1),
        closed=date(2024, 3, 1),
        outcome="approved",
        monitor_type="edge",
    )
    _case(
        a2,
        "identification",
        date(2024, 2, 1),
        closed=date(2024, 3, 1),
        outcome="approved",
        monitor_type="edge",
    )
    _case(a2, "elimination", date(2024, 6, 1), closed=date(2024, 7, 1), outcome="approved")
    _case(
        b1,
        "identification",
        TODAY - timedelta(days=40),
        deadline=TODAY - timedelta(days=10),
        monitor_type="edge",
    )
    _case(a21, "identification", TODAY, deadline=TODAY + timedelta(days=20), monitor_type="unstable")
    # alerts: two this month in village A, one in village B two months ago
    for n, (hh, days) in enumerate([(a1, 0), (a2, 0), (b1, 62)]):
        a = Alert.objects.create(
            key=f"k{n}",
            household=hh,
            region_id=hh.village_id,
            year=2024,
            channel="registry",
            source="registry",
            signal="MON-INCOME",
        )
        Alert.objects.filter(pk=a.pk).update(created_at=timezone.now() - timedelta(days=days))
    # quality: two open and one fixed finding in village A, one open in village B, one open of another year
    _finding(a1, "DQ-A1")
    _finding(a2, "DQ-A2")
    _finding(a2, "DQ-A3a", status="fixed")
    _finding(b1, "DQ-A1")
    _finding(b1, "DQ-A2", year=2023)
    # funds: a project in village A past its deadline (FA-6) with a payment to an unknown person (FA-1)
    p = Project.objects.create(
        name="石板村项目",
        project_type="industry",
        region=t.village_a,
        implementing_unit="u",
        start_date=date(2024, 1, 1),
        deadline=date(2024, 6, 30),
        status="implementing",
    )
    BudgetLine.objects.create(project=p, source="central", amount=Decimal("8000"))
    BudgetLine.objects.create(project=p, source="county", amount=Decimal("2000"))
    Payment.objects.create(
        project=p,
        kind="household",
        id_number="110101199001011237",
        payee_name="某",
        item="分红",
        amount=Decimal("500"),
        paid_on=date(2024, 5, 1),
    )
    return t


def _recount(prefix: str, year: int = 2024) -> dict:
    """The key figures, recounted row by row through the ORM."""
    hys = [
        hy
        for hy in HouseholdYear.objects.filter(year=year, is_deleted=False).select_related("household")
        if hy.household.village_id.startswith(prefix) and not hy.household.is_deleted and hy.status in POOR
    ]
    monitored = set()
    for c in Case.objects.filter(outcome="approved").order_by("id"):  # the latest approved case decides
        if c.region_id.startswith(prefix):
            (monitored.add if c.kind == "identification" else monitored.discard)(c.household_id)
    open_ = [c for c in Case.objects.all() if c.region_id.startswith(prefix) and c.step]
    return {
        "poor_households": len(hys),
        "poor_persons": sum(hy.size for hy in hys),
        "monitored": len(monitored),
        "open_cases": len(open_),
        "overdue_cases": sum(c.deadline < TODAY for c in open_),
        "open_findings": sum(
            f.household.village_id.startswith(prefix)
            for f in Finding.objects.filter(status="open", year=year)
        ),
        "fund_anomalies": None,
    }


def test_figures_equal_a_recount_through_the_orm(t):
    county = user("county_approver", t.county)
    data = figures.overview(county)
    want = _recount(t.county.prefix)
    assert data["year"] == 2024
    assert want == {
        "poor_households": 4,
        "poor_persons": 14,
        "monitored": 1,
        "open_cases": 2,
        "overdue_cases": 1,
        "open_findings": 3,
        "fund_anomalies": None,
    }
    got = data["totals"]
    assert {k: got[k] for k in want if k != "fund_anomalies"} == {
        k: v for k, v in want.items() if v is not None
    }
    assert got["fund_anomalies"] == 2  # FA-1 (payee not in the registry) and FA-6 (past its deadline)

    towns = {r["name"]: r for r in data["children"]}
    assert list(towns) == ["草海镇", "幺站镇"]  # every child region, by name, in code order
    assert towns["草海镇"]["poor_households"] == _recount(t.town_a.prefix)["poor_households"] == 3
    assert towns["草海镇"]["poor_persons"] == 9
    assert {m: towns["幺站镇"][m] for m in figures.MEASURES} == {
        "poor_households": 1,
        "poor_persons": 5,
        "monitored": 0,
        "open_cases": 1,
        "overdue_cases": 1,
        "open_findings": 1,
        "fund_anomalies": 0,
    }
    assert towns["草海镇"]["monitored"] == 1 and towns["草海镇"]["open_findings"] == 2
    assert towns["草海镇"]["fund_anomalies"] == 2
    for m in figures.MEASURES:  # nothing lost or counted twice in the fold
        assert sum(r[m] for r in data["children"]) == got[m]

    trend = data["trend"]
    assert len(trend) == 12 and trend[-1]["month"] == TODAY.replace(day=1)
    assert sum(r["alerts"] for r in trend) == 3 and trend[-1]["alerts"] == 2
    assert sum(r["opened"] for r in trend) == 2  # the two open cases, opened in the last twelve months
    assert data["poor_by_year"] == [
        {"year": 2023, "poor_households": 1, "poor_persons": 5},
        {"year": 2024, "poor_households": 4, "poor_persons": 14},
    ]


def test_a_village_operator_sees_only_their_village(client, t):
    client.force_login(user("village_operator", t.village_a))
    r = client.get("/overview/")
    assert r.status_code == 200
    body = r.content.decode()
    figures_ = dict(re.findall(r'data-figure="(\w+)".*?<span class="ov-value">([\d,—]+)</span>', body, re.S))
    assert (
        figures_["poor_households"] == "2" and figures_["poor_persons"] == "5"
    )  # A1 and A2, not A4 (deleted)
    assert (
        figures_["open_cases"] == "0"
        and figures_["open_findings"] == "2"
        and figures_["fund_anomalies"] == "2"
    )
    assert "石板村" in body and "龙场村" not in body and "幺站镇" not in body
    assert 'id="regions"' not in body  # a village has no child regions


def test_a_region_outside_the_scope_answers_404(client, t):
    client.force_login(user("township_reviewer", t.town_a))
    assert client.get(f"/overview/?region={t.village_a.code}").status_code == 200
    assert client.get(f"/overview/?region={t.village_b.code}").status_code == 404  # another township
    assert client.get(f"/overview/?region={t.county.code}").status_code == 404  # above the scope
    assert client.get("/overview/?region=520526001299").status_code == 404  # in scope, but no such region
    assert client.get("/overview/?region=abc").status_code == 404


def test_drill_down_links_to_each_child_region_by_name(client, t):
    client.force_login(user("county_approver", t.county))
    body = client.get("/overview/").content.decode()
    assert f'<a href="/overview/?region={t.town_a.code}">草海镇</a>' in body
    assert f'<a href="/overview/?region={t.town_b.code}">幺站镇</a>' in body
    body = client.get(f"/overview/?region={t.town_a.code}").content.decode()
    assert "石板村" in body and "新寨村" in body and "龙场村" not in body
    assert f'href="/overview/?region={t.county.code}"' in body  # the way back up


def test_each_card_links_to_the_page_that_lists_it(client, t):
    client.force_login(user("county_approver", t.county))
    body = client.get("/overview/").content.decode()
    links = {
        key: url.replace("&amp;", "&")
        for url, key in re.findall(r'<a href="([^"]+)" data-figure="(\w+)"', body)
    }
    assert links["poor_households"].startswith("/reports/?")
    assert links["overdue_cases"] == f"/monitoring/cases/?state=overdue&region={t.county.code}"
    assert links["open_findings"] == f"/quality/?year=2024&status=open&region={t.county.code}"
    assert links["fund_anomalies"] == f"/funds/anomalies/?region={t.county.code}"
    for url in links.values():
        assert client.get(url).status_code == 200, url


def test_no_loop_over_the_registry_the_query_count_does_not_grow_with_households(
    client, t, django_assert_max_num_queries
):
    client.force_login(user("county_approver", t.county))
    client.get("/overview/")
    for i in range(30):
        household(t.village_b, f"B-more-{i}")
    with django_assert_max_num_queries(40):
        assert client.get("/overview/").status_code == 200


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_lands_on_the_overview_after_sign_in(client, t, role):
    user(role, None if role == "system_admin" else t.county, username="someone")
    r = client.post("/accounts/login/", {"username": "someone", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/overview/"
    r = client.get("/overview/")
    assert r.status_code == 200
    assert "概览" in r.content.decode()


def test_the_chart_data_blocks_hold_the_expected_numbers(client, t):
    client.force_login(user("county_approver", t.county))
    body = client.get("/overview/").content.decode()

    def block(chart_id: str) -> dict:
        m = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', body, re.S)
        assert m, chart_id
        return json.loads(m.group(1))

    trend = block("chart-trend")
    assert [s["name"] for s in trend["series"]] == ["预警", "新开事项", "办结事项"]
    assert trend["series"][0]["data"][-1] == 2 and sum(trend["series"][0]["data"]) == 3
    assert trend["categories"][-1] == f"{TODAY.year}年{TODAY.month}月"
    years = block("chart-poor-years")
    assert years["categories"] == ["2023", "2024"]
    assert years["series"][0]["data"] == [1, 4] and years["series"][1]["data"] == [5, 14]
    towns = block("chart-children")
    assert towns["categories"] == ["草海镇", "幺站镇"] and towns["series"][0]["data"] == [3, 1]
    # every chart is a <div data-chart> the static script finds, and a table too
    assert body.count("data-chart=") == 3 and body.count('class="chart-table"') == 3
    assert "/static/echarts/echarts.min.js" in body and "/static/fupin/charts.js" in body


def test_the_overview_in_english_has_english_chart_labels_and_thousands_separators(client, t):
    county = user("county_approver", t.county)
    HouseholdYear.objects.filter(household__household_no="B1", year=2024).update(size=12345)
    client.force_login(county)
    client.post("/i18n/setlang/", {"language": "en", "next": "/overview/"})
    body = client.get("/overview/").content.decode()
    assert "Overview" in body and "Poor households" in body
    assert '<span class="ov-value">12,354</span>' in body  # 3 + 2 + 4 + 12,345
    m = re.search(r'<script id="chart-trend-data" type="application/json">(.*?)</script>', body, re.S)
    assert json.loads(m.group(1))["series"][0]["name"] == "Alerts raised"


def test_without_the_chart_library_the_page_says_so_and_shows_the_tables(client, t, settings, tmp_path):
    settings.FUPIN_NPM_DIR = tmp_path  # nothing installed there
    client.force_login(user("county_approver", t.county))
    body = client.get("/overview/").content.decode()
    assert "未安装图表库 ECharts" in body and "the chart library ECharts is not installed" in body
    assert "echarts.min.js" not in body and "data-chart=" not in body
    assert body.count('<details class="chart-table"') == 3 and body.count(" open>") >= 3
    assert client.get("/static/echarts/echarts.min.js").status_code == 404


def test_the_chart_library_is_served_locally(client, db):
    from django.contrib.staticfiles import finders

    from fupin.overview.finders import echarts_available

    assert echarts_available(), "scripts/setup installs echarts into .venv/npm"
    assert finders.find("echarts/echarts.min.js")
    r = client.get("/static/echarts/echarts.min.js")
    assert r.status_code == 200
    assert b"echarts" in b"".join(r.streaming_content if r.streaming else [r.content])[:5000].lower()


def test_funds_by_source_shares_payments_in_proportion_to_the_budget(t):
    df = charts.fund_sources(Project.objects.all())
    rows = {r["source"]: r for r in df.to_dicts()}
    assert rows["central"]["budget"] == 8000 and rows["central"]["spent"] == 400
    assert rows["county"]["budget"] == 2000 and rows["county"]["spent"] == 100
    assert rows["social"]["budget"] == 0


def test_monitoring_funnel_counts(t):
    counts = charts.funnel_counts(t.county.prefix, 2024)
    assert counts == {"identified": 2, "assisted": 0, "eliminated": 1}


@pytest.mark.parametrize(
    "path,chart",
    [
        ("/reports/?year=2024", "chart-stat-regions"),
        ("/monitoring/?year=2024", "chart-monitoring-trend"),
        ("/funds/", "chart-funds-sources"),
        ("/quality/?year=2024", "chart-quality-rules"),
    ],
)
def test_the_other_pages_carry_their_chart_and_its_table(client, t, path, chart):
    client.force_login(user("county_approver", t.county))
    body = client.get(path).content.decode()
    assert (
        f'data-chart="{chart}-data"' in body and f'<script id="{chart}-data" type="application/json">' in body
    )
    assert f'id="{chart}-table"' in body and "/static/fupin/charts.js" in body
