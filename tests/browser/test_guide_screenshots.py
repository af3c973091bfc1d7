"""The screenshots of docs/user-guide.md, taken while a person of the fitting role walks through each area.

Each test signs in to the demo county of `fupin demo` (300 households, assistance, projects, engine runs),
opens the pages a section of the guide describes, checks that each one loaded (HTTP 200, its heading
visible, the figures the guide talks about present) and saves the viewport as a PNG.

The images go to the test's tmp folder, so an ordinary run leaves the tracked files alone. To refresh the
guide's pictures:

    FUPIN_GUIDE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_guide_screenshots.py

which writes docs/images/*.png (desktop 1280×800, phone 390×844).
"""

import os
import re
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from factories import id_number
from PIL import Image
from playwright.sync_api import expect

from fupin.accounts.models import User
from fupin.assistance.models import Assignment, Cadre, PlanMeasure
from fupin.funds.models import Project
from fupin.monitoring.models import Alert, Case
from fupin.program.demo import ACCOUNTS, build_demo
from fupin.registry.models import Household
from fupin.reports.models import Run

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 200_000


def _account(username: str):
    return next(a for a in ACCOUNTS if a.username == username)


@pytest.fixture
def images(tmp_path) -> Path:
    """docs/images with FUPIN_GUIDE_SCREENSHOTS=1, else a folder that pytest throws away."""
    if os.environ.get("FUPIN_GUIDE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    return tmp_path


@pytest.fixture
def county(live_url):
    """The demo county; returns its year and the busiest village (where the village accounts work)."""
    result = build_demo(300, seed=5)
    village = User.objects.get(username="demo_village").region
    county = User.objects.get(username="demo_county").region
    return {"year": result["year"], "village": village, "county": county}


@pytest.fixture
def desk(new_context):
    return new_context(viewport=DESKTOP).new_page()


@pytest.fixture
def phone(new_context):
    return new_context(
        viewport=PHONE, screen=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    ).new_page()


def sign_in(page, login, username: str):
    page.context.clear_cookies()
    acc = _account(username)
    return login(page, acc.username, acc.password)


def visit(page, url: str, heading: str | re.Pattern | None = None):
    """Open url; it must answer 200 and show its heading (containing `heading` when given)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    h1 = page.locator("main h1").first
    expect(h1).to_be_visible()
    if heading is not None:
        expect(h1).to_contain_text(heading)
    return page


def shot(page, images: Path, name: str) -> Path:
    """Save the viewport (fonts loaded, charts drawn) as images/name.png and keep it small."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    page.mouse.move(0, 0)
    path = images / f"{name}.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    # 256 colours are plenty for a page of text and flat charts, and make the file a third the size
    # (Pillow comes with weasyprint, which draws the PDF announcements)
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)
    assert 0 < path.stat().st_size <= MAX_BYTES, f"{name}.png is {path.stat().st_size} bytes"
    return path


def _workbook(path: Path, village: str, households: int) -> Path:
    """A small village workbook as an office would fill it; the last household's ID number is mistyped."""
    wb = xlsxwriter.Workbook(str(path))
    hh, mm = wb.add_worksheet("户"), wb.add_worksheet("成员")
    hh.write_row(0, 0, ["户编号", "年度", "行政区划代码", "户状态", "户类型", "主要致贫原因", "工资性收入"])
    mm.write_row(0, 0, ["户编号", "姓名", "证件号码", "性别", "与户主关系"])
    for i in range(households):
        no = f"{village}9{i:03d}"
        hh.write_row(i + 1, 0, [no, "2025", village, "未脱贫", "一般农户", "缺资金", "18000"])
        head = id_number(born=date(1968, 3, 4), seq=400 + i)
        if i == households - 1:
            head = head[:-1] + ("0" if head[-1] != "0" else "1")
        mm.write_row(i + 1, 0, [no, f"杨{'一二三四五六七八九十'[i % 10]}", head, "男", "户主"])
    wb.close()
    return path


# ------------------------------------------------------------------------------------------------ tests


def test_overview_regions_and_policy(desk, live_url, login, county, images):
    page = sign_in(desk, login, "demo_county")
    assert page.url.endswith("/overview/")  # everyone lands on the overview
    visit(page, live_url + "/overview/", county["county"].name)
    expect(page.locator("main canvas").first).to_be_visible()
    shot(page, images, "overview")

    visit(page, live_url + "/regions/")
    expect(page.locator("main")).to_contain_text(county["county"].code)
    shot(page, images, "regions")

    visit(page, live_url + "/policy/")
    expect(page.locator("main")).to_contain_text("monitoring_line")
    shot(page, images, "policy-parameters")

    visit(page, live_url + "/accounts/me/")
    expect(page.locator("main")).to_contain_text("demo_county")
    shot(page, images, "account-tokens")


def test_registry_household_and_import(desk, live_url, login, county, images, tmp_path):
    village = county["village"]
    page = sign_in(desk, login, "demo_village")
    visit(page, live_url + "/registry/", str(county["year"]))
    rows = page.locator("#households tbody tr")
    expect(rows.first).to_be_visible()
    shot(page, images, "registry-list")

    hh = Household.objects.filter(village=village).order_by("household_no").first()
    visit(page, live_url + f"/registry/h/{hh.household_no}/", hh.head_name)
    assert page.locator("main h2").count() >= 4  # members, years, cadre, history
    expect(page.locator("main")).to_contain_text(hh.phone)
    shot(page, images, "household-detail")

    visit(page, live_url + f"/registry/h/{hh.household_no}/edit/", hh.household_no)
    shot(page, images, "household-edit")

    visit(page, live_url + "/registry/import/")
    expect(page.locator("a[href$='/registry/import/template/']")).to_be_visible()
    page.set_input_files("input[name=file]", str(_workbook(tmp_path / "村花名册.xlsx", village.code, 12)))
    page.check("input[name=skip_invalid]")
    page.click("#import-form [type=submit]")
    expect(page.locator("#import-pct")).to_have_text("100%", timeout=60_000)
    expect(page.locator("[data-count=households_created]")).to_have_text("11")
    expect(page.locator("[data-count=households_rejected]")).to_have_text("1")
    expect(page.locator("#import-problems")).to_be_visible()
    expect(page.locator("a[href$='/errors/']")).to_be_visible()
    shot(page, images, "import-progress")


def test_monitoring_alert_to_case(desk, live_url, login, county, images):
    page = sign_in(desk, login, "demo_county")
    visit(page, live_url + "/monitoring/")
    expect(page.locator("main")).to_contain_text(str(Alert.objects.filter(year=county["year"]).count()))
    shot(page, images, "monitoring-dashboard")

    visit(page, live_url + "/monitoring/alerts/")
    expect(page.locator("#alerts tbody tr").first).to_be_visible()
    shot(page, images, "alerts")

    alert = (
        Alert.objects.filter(status="new")
        .exclude(household__monitoring_cases__isnull=False)
        .order_by("pk")
        .first()
    )
    visit(page, live_url + f"/monitoring/alerts/{alert.pk}/")
    expect(page.locator("main")).to_contain_text(alert.household.household_no)
    shot(page, images, "alert-detail")

    page.click("main a[href*='/monitoring/cases/new/']")
    expect(page.locator("main h1")).to_contain_text(alert.household.household_no)
    page.select_option("#id_monitor_type", "sudden")
    page.click("form.card button[type=submit]")
    expect(page.locator("#steps li[aria-current=step]")).to_be_visible()
    # the first step is the village's: the county follows it and leaves a note
    page.fill("#note", "请村里尽快入户核查，家中有大病患者")
    page.click("button[value=note]")
    expect(page.locator("#events")).to_contain_text("请村里尽快入户核查")
    case = Case.objects.get(household=alert.household, outcome="")
    assert case.step == case.steps[0]
    shot(page, images, "case-detail")

    visit(page, live_url + "/monitoring/departments/")
    expect(page.locator("main input[type=file]")).to_be_visible()
    shot(page, images, "department-upload")

    visit(page, live_url + "/monitoring/elimination/", str(county["year"]))
    shot(page, images, "elimination")


def test_cadre_plans_and_visits(desk, phone, live_url, login, county, images):
    village = county["village"]
    cadre_user = User.objects.get(username="demo_cadre")
    cadre = Cadre.objects.create(
        user=cadre_user, name="张帮扶", unit="县卫健局", phone="13800138000", region=village
    )
    served = list(Household.objects.filter(village=village).order_by("household_no")[:3])
    for hh in served:
        Assignment.objects.create(cadre=cadre, household=hh, start_date=date(county["year"], 1, 1))

    page = sign_in(desk, login, "demo_cadre")
    visit(page, live_url + "/assistance/mine/")
    expect(page.locator("main")).to_contain_text(served[0].head_name)
    shot(page, images, "assistance-my-households")

    hh = served[0]
    before = PlanMeasure.objects.filter(household=hh, status="in_progress").count()
    page.get_by_role("link", name=hh.head_name).first.click()
    page.wait_for_url(f"**/assistance/households/{hh.household_no}/**")
    page.locator("#add-visit summary").click()
    page.locator("#add-visit input[name=date]").fill(f"{county['year']}-05-02")
    page.locator("#add-visit textarea[name=found]").fill("户主慢性病复发，需要大病救治")
    page.locator("#add-visit button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#visits")).to_contain_text("户主慢性病复发")
    # a measure the page suggests for the household's causes (starred), else the first of the catalogue
    options = page.locator("#add-measure select[name=measure_code] option")
    starred = options.filter(has_text="★")
    suggested = (starred if starred.count() else options.nth(1)).first.get_attribute("value")
    page.locator("#add-measure summary").click()
    page.locator("#add-measure select[name=measure_code]").select_option(suggested)
    page.locator("#add-measure select[name=status]").select_option("in_progress")
    page.locator("#add-measure button[type=submit]").click()
    page.wait_for_load_state()
    assert PlanMeasure.objects.filter(household=hh, status="in_progress").count() == before + 1
    visit(page, page.url, hh.head_name)
    shot(page, images, "household-plan")

    visit(page, live_url + "/assistance/coverage/")
    expect(page.locator("main td[data-check]").first).to_be_visible()
    shot(page, images, "assistance-coverage")

    # the same household plan on the cadre's phone, where visits are recorded
    p = sign_in(phone, login, "demo_cadre")
    visit(p, live_url + f"/assistance/households/{hh.household_no}/", hh.head_name)
    shot(p, images, "phone-household-plan")


def test_funds_projects(desk, live_url, login, county, images):
    page = sign_in(desk, login, "demo_county")
    visit(page, live_url + "/funds/")
    expect(page.locator("main")).to_contain_text(Project.objects.order_by("-start_date", "-pk").first().name)
    shot(page, images, "funds-projects")

    project = (
        Project.objects.filter(payments__isnull=False, beneficiaries__isnull=False).order_by("pk").first()
        or Project.objects.order_by("pk").first()
    )
    visit(page, live_url + f"/funds/{project.pk}/", project.name)
    expect(page.locator("main")).to_contain_text(project.implementing_unit)
    shot(page, images, "funds-project")

    visit(page, live_url + "/funds/anomalies/")
    shot(page, images, "funds-anomalies")


def test_quality_statistics_and_runs(desk, live_url, login, county, images):
    page = sign_in(desk, login, "demo_county")
    visit(page, live_url + "/quality/")
    expect(page.locator("#rule-counts")).to_be_visible()
    shot(page, images, "quality-worklist")

    visit(page, live_url + "/reports/", county["county"].name)
    expect(page.locator("#summary [data-stat=persons]")).to_be_visible()
    shot(page, images, "statistics")

    visit(page, live_url + "/reports/identify/")
    shot(page, images, "identification")
    page.click("#run")
    page.wait_for_url(re.compile(r"/reports/runs/\d+/"))
    expect(page.locator("main form[action$='/reproduce/'] button")).to_be_visible(timeout=60_000)
    visit(page, page.url, county["county"].name)
    assert Run.objects.filter(kind="identify", status="done").count() >= 2
    shot(page, images, "identification-run")

    visit(page, live_url + "/reports/exits/")
    shot(page, images, "exits")


def test_phone_menu_and_self_report(phone, live_url, login, county, images):
    # a person reports a difficulty on a phone without an account
    visit(phone, live_url + "/monitoring/report/")
    expect(phone.locator("#id_id_number")).to_be_visible()
    shot(phone, images, "phone-self-report")

    page = sign_in(phone, login, "demo_village")
    visit(page, live_url + "/overview/", county["village"].name)
    toggle = page.locator("header.topbar [data-menu-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("nav.nav a").first).to_be_visible()
    shot(page, images, "phone-menu")
