"""Pages show the chosen language only: no '中文 / English' label pairs, no developer notes or raw keys."""

import re

import pytest
from django.urls import URLPattern, get_resolver
from factories import household, region_tree, user

APPS = (
    "registry",
    "monitoring",
    "funds",
    "quality",
    "policy",
    "reports",
    "accounts",
    "assistance",
    "evaluation",
    "cppcc",
    "supervision",
)
# CJK text, ' / ', Latin text: a label written in both languages (the chosen language shows one)
PAIR = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff（）()、·\w]*\s/\s[A-Za-z][A-Za-z\-–' ]+")
NOTES = re.compile(r"domain\.md|§|\[memory\]|\[local\]")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _pages() -> list[str]:
    """Every page of the apps that takes no argument in its address."""
    urls = []
    for app in APPS:
        resolver = get_resolver().url_patterns
        [inc] = [p for p in resolver if getattr(p, "namespace", None) == app]
        for p in inc.url_patterns:
            if isinstance(p, URLPattern) and not p.pattern.regex.groupindex and "(" not in str(p.pattern):
                urls.append(f"/{inc.pattern}{p.pattern}".replace("^", "").replace("$", ""))
    return urls


@pytest.fixture
def admin_client(db, client):
    tree = region_tree()
    household(tree.village_a, "A001", status="returned")
    household(tree.village_a, "A002", status="exited_stable")
    admin = user("system_admin", None)
    from fupin.registry.models import ImportBatch

    ImportBatch.objects.create(
        user=admin, filename="村.xlsx", status="rejected"
    )  # its status on the import page
    client.force_login(admin)
    return client


def _text(body: str) -> str:
    return TAGS.sub(" ", body)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_show_one_language_and_no_developer_notes(admin_client, lang):
    admin_client.cookies["django_language"] = lang
    problems = {}
    pages = _pages() + ["/registry/h/A001/", "/registry/h/A002/", "/registry/h/A001/delete/"]
    for url in pages:
        r = admin_client.get(url)
        if r.status_code != 200 or not r["Content-Type"].startswith("text/html"):
            continue
        text = _text(r.content.decode())
        found = PAIR.findall(text) + NOTES.findall(text)
        if found:
            problems[url] = sorted(set(found))[:5]
    assert len(pages) > 30
    assert problems == {}, "\n".join(f"{u}: {v}" for u, v in problems.items())


# A page of one record per converted code list, with a label the page shows in each language.
RECORD_LABELS = {
    "/assistance/households/A001/": [("Planned", "计划"), ("In progress", "实施中")],  # plan and its form
    "/funds/{project}/": [("Contractor", "承建单位")],  # the payment form's payee kinds
    "/monitoring/alerts/{alert}/": [("Cadre visit", "干部走访排查"), ("Being checked", "核查中")],
    "/monitoring/cases/{case}/": [("Risk elimination", "风险消除"), ("Rolled back", "已回退")],
    "/reports/runs/{run}/": [("Village exit", "贫困村退出")],
    "/registry/import/": [("Rejected", "已拒绝")],
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_of_records_show_code_labels_in_one_language(admin_client, lang):
    from datetime import date

    from fupin.assistance.models import MeasureType, PlanMeasure
    from fupin.assistance.services import load_catalogue
    from fupin.funds.models import Project
    from fupin.monitoring.models import Alert, Case
    from fupin.regions.models import Region
    from fupin.registry.models import Household
    from fupin.reports.models import Run

    load_catalogue()
    hh = Household.objects.get(household_no="A001")
    village = hh.village
    PlanMeasure.objects.create(
        household=hh, year=2024, measure_type=MeasureType.objects.get(code="EDU01"), status="in_progress"
    )
    project = Project.objects.create(
        name="肉牛养殖",
        project_type="industry",
        region=village,
        implementing_unit="农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
        status="implementing",
    )
    alert = Alert.objects.create(
        key="k1",
        household=hh,
        region=village,
        year=2024,
        channel="visit",
        source="cadre",
        signal="illness",
        status="checking",
    )
    case = Case.objects.create(
        household=hh,
        region=village,
        kind="elimination",
        year=2024,
        opened_on=date(2024, 3, 1),
        deadline=date(2024, 4, 1),
        closed_on=date(2024, 3, 20),
        outcome="rolled_back",
    )
    run = Run.objects.create(
        kind="exit_village", year=2024, region_code=Region.objects.first().code, status="failed"
    )
    ids = {"project": project.pk, "alert": alert.pk, "case": case.pk, "run": run.pk}

    admin_client.cookies["django_language"] = lang
    problems = {}
    for url, labels in RECORD_LABELS.items():
        url = url.format(**ids)
        r = admin_client.get(url)
        assert r.status_code == 200, url
        text = _text(r.content.decode())
        found = PAIR.findall(text)
        for en, zh in labels:
            shown, hidden = (en, zh) if lang == "en" else (zh, en)
            if shown not in text:
                found.append(f"missing {shown}")
            if re.search(rf"(?<![\w-]){re.escape(hidden)}(?![\w-])", text):
                found.append(f"shows {hidden}")
        if found:
            problems[url] = sorted(set(found))[:5]
    assert problems == {}, "\n".join(f"{u}: {v}" for u, v in problems.items())
